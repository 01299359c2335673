//! Unbounded recursion: packet byte 0 == 1 recurses until the stack runs
//! out (the exit condition is never met); the recursion entry check must
//! end it (stack), not the guard page.
#![no_std]

use rax::maps::Array;
use rax::xdp::{XdpAction, XdpContext};

rax::license!("GPL");
rax::map!(static RUNS: Array<u64> = Array::with_max_entries(1););

fn forever(x: u64) -> u64 {
    let frame = core::hint::black_box([x; 4]);
    // x only grows from 1: the exit is never taken.
    if frame[1] == 0 {
        return 0;
    }
    forever(frame[0] + 1) ^ frame[2]
}

rax::xdp! {
    fn adv_unbounded_recursion(ctx: &mut XdpContext) -> XdpAction {
        if let Some(runs) = RUNS.get_ref(0) {
            runs.fetch_add(1);
        }
        if ctx.data().first() == Some(&1) {
            let v = forever(1);
            let _ = RUNS.set(0, &v);
            return XdpAction::Drop;
        }
        XdpAction::Pass
    }
}
