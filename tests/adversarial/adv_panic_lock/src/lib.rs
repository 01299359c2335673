//! Explicit panic while holding a Rax lock and an output reservation.
//! Packet byte 0: 0 = take the lock, bump the balance, submit a record;
//! 1 = take the lock, reserve and fill a record, then panic.  The runtime
//! must release the lock and discard the record.
#![no_std]

use rax::maps::Array;
use rax::sync::RaxLock;
use rax::xdp::{XdpAction, XdpContext};

rax::license!("GPL");

rax::pod! {
    pub struct Account { pub lock: RaxLock, pub balance: u32 }
}
rax::pod! {
    pub struct Event { pub seq: u64, pub tag: u64 }
}

rax::map!(static ACCOUNTS: Array<Account> = Array::with_max_entries(1););
rax::map!(static EVENTS: Array<Event> = Array::with_max_entries(4););

rax::xdp! {
    fn adv_panic_lock(ctx: &mut XdpContext) -> XdpAction {
        let data = ctx.data();
        if data.is_empty() {
            return XdpAction::Drop;
        }
        let mode = data[0];
        let guard = match ACCOUNTS.lock(0, |a| &a.lock) {
            Ok(g) => g,
            Err(_) => return XdpAction::Drop,
        };
        let mut account = guard.read();
        account.balance += 1;
        guard.write(account);
        let mut rec = match EVENTS.reserve() {
            Some(r) => r,
            None => return XdpAction::Drop,
        };
        rec.write(Event { seq: account.balance as u64, tag: 0x5241_5821 });
        if mode == 1 {
            panic!("explicit panic holding the lock and a reservation");
        }
        if rec.submit().is_err() {
            return XdpAction::Drop;
        }
        drop(guard);
        XdpAction::Pass
    }
}
