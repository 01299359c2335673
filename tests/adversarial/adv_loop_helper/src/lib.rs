//! Infinite loop that keeps calling a helper: the watchdog's signal lands
//! inside the helper most of the time, so the run must end when the
//! helper returns (or in program code between calls).
#![no_std]

use rax::maps::Array;
use rax::xdp::{XdpAction, XdpContext};

rax::license!("GPL");
rax::map!(static RUNS: Array<u64> = Array::with_max_entries(2););

rax::xdp! {
    fn adv_loop_helper(ctx: &mut XdpContext) -> XdpAction {
        if let Some(runs) = RUNS.get_ref(0) {
            runs.fetch_add(1);
        }
        if ctx.data().first() == Some(&1) {
            // RUNS[1] stays 0: the loop never ends.
            while RUNS.get(1) == Some(0) {
                let _ = rax::task::ktime_get_ns();
            }
            return XdpAction::Drop;
        }
        XdpAction::Pass
    }
}
