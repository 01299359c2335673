//! Busy for as many microseconds as the packet's first four bytes say
//! (little endian), calling a helper all along: runs that end right around
//! the time budget race the watchdog's signal.
#![no_std]

use rax::maps::Array;
use rax::task::ktime_get_ns;
use rax::xdp::{XdpAction, XdpContext};

rax::license!("GPL");
rax::map!(static FINISHED: Array<u64> = Array::with_max_entries(1););

rax::xdp! {
    fn adv_busy(ctx: &mut XdpContext) -> XdpAction {
        let mut micros = [0u8; 4];
        if let Some(bytes) = ctx.data().get(..4) {
            micros.copy_from_slice(bytes);
        }
        let busy_ns = u64::from(u32::from_le_bytes(micros)) * 1000;
        let start = ktime_get_ns();
        while ktime_get_ns().wrapping_sub(start) < busy_ns {}
        if let Some(done) = FINISHED.get_ref(0) {
            done.fetch_add(1);
        }
        XdpAction::Pass
    }
}
