//! Small helpers: time, randomness, the current task and CPU, tracing.

use crate::helpers;

/// Nanoseconds of CLOCK_MONOTONIC.
pub fn ktime_get_ns() -> u64 {
    // SAFETY: the helper takes no arguments and has no preconditions.
    unsafe { helpers::rax_ktime_get_ns() }
}

/// A pseudo-random number (not for cryptography).
pub fn prandom_u32() -> u32 {
    // SAFETY: no arguments, no preconditions.
    unsafe { helpers::rax_get_prandom_u32() }
}

/// The CPU the program runs on.
pub fn smp_processor_id() -> u32 {
    // SAFETY: no arguments, no preconditions.
    unsafe { helpers::rax_get_smp_processor_id() }
}

/// `tgid << 32 | pid` of the current task (process id high, thread id low).
pub fn current_pid_tgid() -> u64 {
    // SAFETY: no arguments, no preconditions.
    unsafe { helpers::rax_get_current_pid_tgid() }
}

/// The current task's name (NUL-padded).
pub fn current_comm() -> [u8; 16] {
    let mut comm = [0u8; 16];
    // SAFETY: comm is a writable buffer of the size passed.
    unsafe { helpers::rax_get_current_comm(comm.as_mut_ptr(), comm.len() as u32) };
    comm
}

/// Write `msg` to the trace log (the kernel's trace buffer, or librax's log
/// in the in-process runtime).
pub fn trace(msg: &str) {
    // SAFETY: msg is a valid byte range of the given length.
    unsafe { helpers::rax_trace_printk(msg.as_ptr(), msg.len() as u32) };
}
