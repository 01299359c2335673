//! Infinite loop: packet byte 0 == 1 spins forever without calling
//! anything; the watchdog must end the run (timeout).
#![no_std]

use rax::maps::Array;
use rax::xdp::{XdpAction, XdpContext};

rax::license!("GPL");
rax::map!(static RUNS: Array<u64> = Array::with_max_entries(1););

rax::xdp! {
    fn adv_loop(ctx: &mut XdpContext) -> XdpAction {
        if let Some(runs) = RUNS.get_ref(0) {
            runs.fetch_add(1);
        }
        let data = ctx.data();
        if data.first() == Some(&1) {
            let mut x: u64 = data.len() as u64;
            // Never ends for the packets of the test (x stays odd).
            while x != 0x1000 {
                x = core::hint::black_box(x.wrapping_mul(3) | 1);
            }
            return XdpAction::Drop;
        }
        XdpAction::Pass
    }
}
