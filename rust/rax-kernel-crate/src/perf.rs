//! Perf event output: stream records to userspace through a
//! BPF_MAP_TYPE_PERF_EVENT_ARRAY, read there with libbpf's perf_buffer
//! (kernel backend only; the in-process runtime has no perf rings).
//!
//! ```ignore
//! rax::pod! { pub struct Event { pub pid: u32, pub cpu: u32 } }
//! rax::map!(static EVENTS: PerfEventArray<Event> = PerfEventArray::new(););
//!
//! let _ = EVENTS.output(&Event { pid: 1, cpu: 0 });
//! ```

use crate::abi::{MapDef, RAX_F_CURRENT_CPU, RAX_MAP_TYPE_PERF_EVENT_ARRAY};
use crate::error::Error;
use crate::helpers;
use crate::pod::Pod;
use core::ffi::c_void;
use core::marker::PhantomData;
use core::mem::size_of;
use core::sync::atomic::AtomicU64;

/// A perf event array carrying records of type `T`.  Programs can only
/// append to it (the running CPU's ring); userspace installs the rings.
#[repr(C)]
pub struct PerfEventArray<T: Pod> {
    def: MapDef,
    _types: PhantomData<fn() -> T>,
}

impl<T: Pod> PerfEventArray<T> {
    /// One ring per possible CPU (max_entries 0, sized by the loader).
    pub const fn new() -> Self {
        Self::with_max_entries(0)
    }

    /// A definition with an explicit number of rings.
    pub const fn with_max_entries(max_entries: u32) -> Self {
        PerfEventArray {
            def: MapDef {
                type_: RAX_MAP_TYPE_PERF_EVENT_ARRAY,
                key_size: size_of::<u32>() as u32,
                value_size: size_of::<u32>() as u32,
                max_entries,
                map_flags: 0,
                pinning: 0,
                inline_lookup: AtomicU64::new(0),
            },
            _types: PhantomData,
        }
    }

    /// Append `event` to the running CPU's ring.  Fails (e.g. `ENOENT`)
    /// when userspace has not opened a ring for this CPU, or the ring is full.
    pub fn output(&self, event: &T) -> Result<(), Error> {
        // SAFETY: event is a live T of size_of::<T>() bytes; the helper
        // copies it out and checks that def belongs to the running object.
        let ret = unsafe {
            helpers::rax_perf_event_output(
                core::ptr::null_mut(),
                &self.def,
                RAX_F_CURRENT_CPU,
                event as *const T as *const c_void,
                size_of::<T>() as u64,
            )
        };
        Error::from_ret(ret)
    }
}

impl<T: Pod> Default for PerfEventArray<T> {
    fn default() -> Self {
        Self::new()
    }
}
