//! The helper imports of ABI v1 (`RAX_HELPERS` in include/rax/abi.h).
//!
//! These are the only undefined symbols an object may have; the runtime
//! binds them by name.  They are private to the crate: extensions reach
//! them through the safe wrappers in `maps`, `time`, `task` and `panic`.

use crate::abi::MapDef;
use core::ffi::c_void;

extern "C" {
    pub fn rax_map_lookup_elem(def: *const MapDef, key: *const c_void, value: *mut c_void) -> i64;
    pub fn rax_map_lookup_ptr(def: *const MapDef, key: *const c_void) -> *mut c_void;
    pub fn rax_map_lookup_raw(def: *const MapDef, key: *const c_void) -> *mut c_void;
    pub fn rax_map_update_elem(
        def: *const MapDef,
        key: *const c_void,
        value: *const c_void,
        flags: u64,
    ) -> i64;
    pub fn rax_map_delete_elem(def: *const MapDef, key: *const c_void) -> i64;
    pub fn rax_ktime_get_ns() -> u64;
    pub fn rax_get_prandom_u32() -> u32;
    pub fn rax_get_smp_processor_id() -> u32;
    pub fn rax_get_current_pid_tgid() -> u64;
    pub fn rax_get_current_comm(buf: *mut u8, size: u32) -> i64;
    pub fn rax_trace_printk(msg: *const u8, len: u32) -> i64;
    pub fn rax_perf_event_output(
        ctx: *mut c_void,
        def: *const MapDef,
        flags: u64,
        data: *const c_void,
        size: u64,
    ) -> i64;
    pub fn rax_panic(msg: *const u8, len: u32) -> !;
    // Runtime-owned resources: each acquire also registers the release.
    pub fn rax_lock_acquire(def: *const MapDef, lock: *mut c_void) -> i64;
    pub fn rax_lock_release(lock: *mut c_void) -> i64;
    pub fn rax_output_reserve(def: *const MapDef, size: u64) -> *mut c_void;
    pub fn rax_output_submit(rec: *mut c_void) -> i64;
    pub fn rax_output_discard(rec: *mut c_void) -> i64;
}
