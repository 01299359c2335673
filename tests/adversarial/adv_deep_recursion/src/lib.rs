//! Bounded but too deep recursion: depth = packet byte 1 * 256 frames of
//! about 100 bytes.  Byte 0 == 1 with byte 1 == 255 needs ~6 MiB of stack;
//! the recursion entry check must end it (stack) before the guard page.
//! Byte 0 == 0 recurses 16 levels and passes.
#![no_std]

use rax::maps::Array;
use rax::xdp::{XdpAction, XdpContext};

rax::license!("GPL");
rax::map!(static RESULT: Array<u64> = Array::with_max_entries(1););

fn descend(n: u32) -> u64 {
    let frame = core::hint::black_box([n as u64; 8]);
    if n == 0 {
        return frame[0];
    }
    descend(n - 1).wrapping_add(frame[(n % 8) as usize])
}

rax::xdp! {
    fn adv_deep_recursion(ctx: &mut XdpContext) -> XdpAction {
        let data = ctx.data();
        if data.len() < 2 {
            return XdpAction::Drop;
        }
        let depth = if data[0] == 1 { data[1] as u32 * 256 } else { 16 };
        let sum = descend(depth);
        let _ = RESULT.set(0, &sum);
        XdpAction::Pass
    }
}
