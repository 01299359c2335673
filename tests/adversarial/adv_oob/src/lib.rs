//! Out-of-bounds index: packet byte 0 == 1 indexes past a table (a Rust
//! bounds-check panic); otherwise the program passes the packet.
//! RUNS[0] counts every run that got past the entry.
#![no_std]

use rax::maps::Array;
use rax::xdp::{XdpAction, XdpContext};

rax::license!("GPL");
rax::map!(static RUNS: Array<u64> = Array::with_max_entries(1););

const TABLE: [u8; 4] = [1, 2, 3, 4];

rax::xdp! {
    fn adv_oob(ctx: &mut XdpContext) -> XdpAction {
        if let Some(runs) = RUNS.get_ref(0) {
            runs.fetch_add(1);
        }
        let data = ctx.data();
        if data.len() < 2 {
            return XdpAction::Drop;
        }
        if data[0] == 1 {
            // data[1] is 200 in the test: far past the table's end
            let index = data[1] as usize;
            if TABLE[index] == 0 {
                return XdpAction::Drop;
            }
        }
        XdpAction::Pass
    }
}
