//! getppid_events: a kprobe on `__x64_sys_getppid` that sends one record
//! per call (process, thread, CPU, timestamp) to userspace through a perf
//! event array, which userspace reads with libbpf's perf_buffer.
//! Kernel backend only: a process has no perf rings.
#![no_std]

use rax::perf::PerfEventArray;
use rax::task::{current_pid_tgid, ktime_get_ns, smp_processor_id};
use rax::trace::KprobeContext;

rax::license!("GPL");

rax::pod! {
    pub struct GetppidEvent {
        pub tgid: u32,
        pub pid: u32,
        pub cpu: u32,
        pub pad: u32,
        pub ktime_ns: u64,
    }
}

rax::map!(static EVENTS: PerfEventArray<GetppidEvent> = PerfEventArray::new(););

rax::kprobe! {
    "__x64_sys_getppid",
    fn on_getppid(_ctx: &KprobeContext) -> u64 {
        let id = current_pid_tgid();
        let event = GetppidEvent {
            tgid: (id >> 32) as u32,
            pid: id as u32,
            cpu: smp_processor_id(),
            pad: 0,
            ktime_ns: ktime_get_ns(),
        };
        // A full ring drops the record, as bpf_perf_event_output does.
        let _ = EVENTS.output(&event);
        0
    }
}
