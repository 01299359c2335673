//! Adversarial programs that need the kernel (the in-process suite in
//! tests/adversarial cannot run them):
//! - `adv_kprobe_loop`: a kprobe on getppid() that spins forever when the
//!   caller's tgid is `TARGET[0]`: the run has interrupts off (int3
//!   handler), so only the watchdog's NMI can end it (timeout).
//!   `RUNS[0]` counts every run.
//! - `adv_hash_lock`: the Rax lock inside a hash map value.  Packet byte 0:
//!   0 = lock, bump, unlock; 1 = lock, bump, reserve a record, panic;
//!   2 = lock, bump, keep the guard past the return.  The runtime must
//!   leave the lock free and no record in `EVENTS` after 1 and 2.
#![no_std]

use rax::maps::{Array, HashMap, UpdateFlags};
use rax::sync::RaxLock;
use rax::task::current_pid_tgid;
use rax::trace::KprobeContext;
use rax::xdp::{XdpAction, XdpContext};

rax::license!("GPL");

rax::map!(static RUNS: Array<u64> = Array::with_max_entries(1););
rax::map!(static TARGET: Array<u32> = Array::with_max_entries(1););

rax::pod! {
    pub struct Account { pub lock: RaxLock, pub balance: u32 }
}
rax::pod! {
    pub struct Event { pub seq: u64, pub tag: u64 }
}

rax::map!(static ACCOUNTS: HashMap<u32, Account> = HashMap::with_max_entries(8););
rax::map!(static EVENTS: Array<Event> = Array::with_max_entries(4););

const KEY: u32 = 7;

rax::kprobe! {
    "__x64_sys_getppid",
    fn adv_kprobe_loop(_ctx: &KprobeContext) -> u64 {
        if let Some(runs) = RUNS.get_ref(0) {
            runs.fetch_add(1);
        }
        let tgid = (current_pid_tgid() >> 32) as u32;
        if TARGET.get(0) == Some(tgid) {
            let mut x: u64 = tgid as u64 | 1;
            // Never ends: x stays odd.
            while x != 0x1000 {
                x = core::hint::black_box(x.wrapping_mul(3) | 1);
            }
        }
        0
    }
}

rax::xdp! {
    fn adv_hash_lock(ctx: &mut XdpContext) -> XdpAction {
        let mode = match ctx.data().first() {
            Some(&m) => m,
            None => return XdpAction::Drop,
        };
        if ACCOUNTS.get(&KEY).is_none() {
            let fresh = Account { lock: RaxLock::default(), balance: 0 };
            let _ = ACCOUNTS.insert(&KEY, &fresh, UpdateFlags::NoExist);
        }
        let guard = match ACCOUNTS.lock(&KEY, |a| &a.lock) {
            Ok(g) => g,
            Err(_) => return XdpAction::Drop,
        };
        let mut account = guard.read();
        account.balance += 1;
        guard.write(account);
        match mode {
            1 => {
                if let Some(mut rec) = EVENTS.reserve() {
                    rec.write(Event { seq: account.balance as u64, tag: 0x5241_5821 });
                    panic!("explicit panic holding a hash lock");
                }
                XdpAction::Drop
            }
            2 => {
                guard.hold_until_exit();
                XdpAction::Tx
            }
            _ => {
                drop(guard);
                if let Some(mut rec) = EVENTS.reserve() {
                    rec.write(Event { seq: account.balance as u64, tag: 0x5241_5821 });
                    let _ = rec.submit();
                }
                XdpAction::Pass
            }
        }
    }
}
