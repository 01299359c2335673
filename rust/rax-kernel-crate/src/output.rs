//! Output records: reserve, fill, then submit or discard.
//!
//! An output map is an [`Array`] used as a ring of records: each submitted
//! record goes to the next element (sequence number modulo `max_entries`),
//! where userspace reads it like any array element.
//!
//! ```ignore
//! rax::pod! { pub struct Event { pub pid: u32, pub len: u32 } }
//! rax::map!(static EVENTS: Array<Event> = Array::with_max_entries(64););
//!
//! if let Some(mut rec) = EVENTS.reserve() {
//!     rec.write(Event { pid: 1, len: 2 });
//!     let _ = rec.submit();
//! }
//! ```
//!
//! The record lives in memory of the run until it is submitted.  The
//! runtime owns the reservation: one helper call reserves AND registers
//! it, and a reservation still open when the run ends (panic, timeout,
//! fault, or a normal return) is discarded: no partial record ever
//! reaches the map.

use crate::error::Error;
use crate::helpers;
use crate::maps::Array;
use crate::pod::Pod;
use core::ffi::c_void;
use core::marker::PhantomData;
use core::mem::size_of;
use core::ptr::NonNull;

/// A reserved record of type `V`, zeroed at first.  Not `Send`/`Sync`.
pub struct Reservation<'a, V: Pod> {
    rec: NonNull<V>,
    live: bool,
    _life: PhantomData<(&'a Array<V>, *mut V)>,
}

impl<V: Pod> Array<V> {
    /// Reserve a record for this map; `None` when the runtime has no room
    /// (or this array cannot take records).
    pub fn reserve(&self) -> Option<Reservation<'_, V>> {
        // SAFETY: Array is #[repr(C)] with its definition as first field;
        // the helper checks the definition and reserves size_of::<V>()
        // bytes, aligned for any Pod type.
        let rec = unsafe {
            helpers::rax_output_reserve(self as *const Array<V> as *const crate::abi::MapDef, size_of::<V>() as u64)
        };
        NonNull::new(rec as *mut V).map(|rec| Reservation { rec, live: true, _life: PhantomData })
    }
}

impl<V: Pod> Reservation<'_, V> {
    /// Set the record's contents.
    pub fn write(&mut self, value: V) {
        // SAFETY: rec is this run's reserved record of size_of::<V>() bytes,
        // suitably aligned, and nothing else accesses it before submit.
        unsafe { core::ptr::write(self.rec.as_ptr(), value) }
    }

    /// The record's current contents.
    pub fn read(&self) -> V {
        // SAFETY: as in write; V is Pod so any contents are a valid V.
        unsafe { core::ptr::read(self.rec.as_ptr()) }
    }

    /// Publish the record to the map.
    pub fn submit(mut self) -> Result<(), Error> {
        self.live = false;
        // SAFETY: rec is a reservation of this run that was neither
        // submitted nor discarded (live was true).
        Error::from_ret(unsafe { helpers::rax_output_submit(self.rec.as_ptr() as *mut c_void) })
    }

    /// Drop the record without publishing it (dropping the reservation
    /// does the same).
    pub fn discard(self) {}
}

impl<V: Pod> Drop for Reservation<'_, V> {
    fn drop(&mut self) {
        if self.live {
            // SAFETY: rec is a live reservation of this run; the runtime
            // refuses one it no longer knows.
            unsafe { helpers::rax_output_discard(self.rec.as_ptr() as *mut c_void) };
        }
    }
}
