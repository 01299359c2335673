//! A lock guard leaked on purpose through the allowed API
//! (`hold_until_exit`), and a second lock taken while one is held.
//! Packet byte 0: 0 = take the lock, count, release normally;
//! 1 = take it and keep it past the return (the runtime must release it
//! when the run ends); 2 = keep it, then take another lock (one at a
//! time: the run panics and the runtime releases the first).
#![no_std]

use rax::maps::Array;
use rax::sync::RaxLock;
use rax::xdp::{XdpAction, XdpContext};

rax::license!("GPL");

rax::pod! {
    pub struct Slot { pub lock: RaxLock, pub count: u32 }
}

rax::map!(static SLOTS: Array<Slot> = Array::with_max_entries(2););

rax::xdp! {
    fn adv_leak(ctx: &mut XdpContext) -> XdpAction {
        let mode = match ctx.data().first() {
            Some(&m) => m,
            None => return XdpAction::Drop,
        };
        let guard = match SLOTS.lock(0, |s| &s.lock) {
            Ok(g) => g,
            Err(_) => return XdpAction::Drop,
        };
        let mut slot = guard.read();
        slot.count += 1;
        guard.write(slot);
        if mode == 0 {
            return XdpAction::Pass;
        }
        guard.hold_until_exit();
        if mode == 2 {
            if let Ok(other) = SLOTS.lock(1, |s| &s.lock) {
                other.hold_until_exit();
            }
            return XdpAction::Drop;
        }
        XdpAction::Tx
    }
}
