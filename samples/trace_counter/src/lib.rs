//! trace_counter: counts getppid() calls per process (tgid), twice over:
//! - a kprobe on the syscall's entry function `__x64_sys_getppid`
//!   (KPROBE_HITS[tgid]);
//! - a raw tracepoint on `sys_enter` whose second raw argument is the
//!   syscall number (SYSCALL_HITS[tgid] for number 110, getppid on x86-64).
//! A test process calls getppid() N times and expects N in both maps.
#![no_std]

use rax::maps::{HashMap, UpdateFlags};
use rax::task::current_pid_tgid;
use rax::trace::{KprobeContext, RawTpContext};

rax::license!("GPL");

rax::map!(static KPROBE_HITS: HashMap<u32, u64> = HashMap::with_max_entries(1024););
rax::map!(static SYSCALL_HITS: HashMap<u32, u64> = HashMap::with_max_entries(1024););

const NR_GETPPID: u64 = 110;

fn bump(map: &HashMap<u32, u64>, key: u32) {
    if let Some(counter) = map.get_ref(&key) {
        counter.fetch_add(1);
    } else if map.insert(&key, &1, UpdateFlags::NoExist).is_err() {
        if let Some(counter) = map.get_ref(&key) {
            counter.fetch_add(1);
        }
    }
}

fn current_tgid() -> u32 {
    (current_pid_tgid() >> 32) as u32
}

rax::kprobe! {
    "__x64_sys_getppid",
    fn count_getppid(_ctx: &KprobeContext) -> u64 {
        bump(&KPROBE_HITS, current_tgid());
        0
    }
}

rax::raw_tp! {
    "sys_enter",
    fn count_sys_enter(ctx: &RawTpContext) -> u64 {
        if ctx.arg(1) == Some(NR_GETPPID) {
            bump(&SYSCALL_HITS, current_tgid());
        }
        0
    }
}
