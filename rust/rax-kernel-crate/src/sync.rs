//! The Rax lock: a spin lock embedded in a map value.
//!
//! Put a [`RaxLock`] field in a value struct declared with
//! [`pod!`](crate::pod!) and take it with `lock` on the map:
//!
//! ```ignore
//! rax::pod! { pub struct Account { pub lock: RaxLock, pub balance: u32 } }
//! rax::map!(static ACCOUNTS: Array<Account> = Array::with_max_entries(16););
//!
//! if let Ok(guard) = ACCOUNTS.lock(3, |a| &a.lock) {
//!     let mut a = guard.read();
//!     a.balance += 1;
//!     guard.write(a);
//! } // released here
//! ```
//!
//! The runtime owns the lock: one helper call acquires it AND registers its
//! release with the run, and the runtime releases every lock the run still
//! holds when it ends, normally or not (panic, timeout, fault).  Dropping
//! the guard releases earlier; correctness never depends on it.  A run
//! holds at most one lock at a time (taking a second one panics), so locks
//! cannot deadlock.

use crate::abi::MapDef;
use crate::error::Error;
use crate::helpers;
use crate::maps::{Array, HashMap};
use crate::pod::Pod;
use core::ffi::c_void;
use core::marker::PhantomData;
use core::mem::size_of;
use core::ptr::NonNull;

/// A lock word inside a map value (4 bytes, 0 when free).  Userspace sees
/// the value as it is; only the runtime changes it.
#[repr(C)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct RaxLock {
    word: u32,
}

// SAFETY: RaxLock is a #[repr(C)] wrapper of one u32: every bit pattern is
// valid and it has no padding.
unsafe impl Pod for RaxLock {}

/// A held Rax lock and access to the value that contains it.  Not
/// `Send`/`Sync`: it lives only for the run that took it.
pub struct LockGuard<'a, V: Pod> {
    lock: NonNull<RaxLock>,
    value: NonNull<V>,
    live: bool,
    _life: PhantomData<(&'a MapDef, *mut V)>,
}

impl<V: Pod> LockGuard<'_, V> {
    /// A copy of the locked value.
    pub fn read(&self) -> V {
        // SAFETY: value points to a live map value for the whole run (the
        // runtime keeps map values valid until the run ends) and V is Pod.
        unsafe { core::ptr::read_volatile(self.value.as_ptr()) }
    }

    /// Overwrite the locked value.  The lock word inside `value` is left
    /// as it is in the map (the runtime owns it).
    pub fn write(&self, value: V) {
        let off = self.lock.as_ptr() as usize - self.value.as_ptr() as usize;
        let mut bytes = value;
        // SAFETY: off + 4 <= size_of::<V>() was checked when the guard was
        // made; the lock word is written back with the map's own value so
        // the write never changes the lock state.  V is Pod, so writing any
        // u32 into it keeps it valid.
        unsafe {
            let lock_now = core::ptr::read_volatile(self.lock.as_ptr());
            let dst = (&mut bytes as *mut V as *mut u8).add(off) as *mut RaxLock;
            core::ptr::write_unaligned(dst, lock_now);
            core::ptr::write_volatile(self.value.as_ptr(), bytes);
        }
    }

    /// Keep the lock until the run ends: the runtime releases it then.
    /// (The guard is consumed; this is the supported way to "leak" it.)
    pub fn hold_until_exit(mut self) {
        self.live = false;
    }
}

impl<V: Pod> Drop for LockGuard<'_, V> {
    fn drop(&mut self) {
        if self.live {
            // SAFETY: the lock was acquired by this run through this guard
            // and registered with the runtime; releasing it twice is refused
            // by the runtime (it is no longer registered).
            unsafe { helpers::rax_lock_release(self.lock.as_ptr() as *mut c_void) };
        }
    }
}

/// Offset of the lock `field` selects inside a `V`, if it is inside.
fn lock_offset<V: Pod>(field: fn(&V) -> &RaxLock) -> Option<usize> {
    // SAFETY: V is Pod: the all-zero bit pattern is a valid V.
    let probe: V = unsafe { core::mem::zeroed() };
    let base = &probe as *const V as usize;
    let at = field(&probe) as *const RaxLock as usize;
    let off = at.wrapping_sub(base);
    if off <= size_of::<V>().saturating_sub(size_of::<RaxLock>()) && off % 4 == 0 && size_of::<V>() >= 4 {
        Some(off)
    } else {
        None
    }
}

fn lock_at<'a, V: Pod>(def: &'a MapDef, key: *const c_void, field: fn(&V) -> &RaxLock) -> Result<LockGuard<'a, V>, Error> {
    let off = lock_offset(field).ok_or(Error::EINVAL)?;
    // SAFETY: key points to a live key of the definition's key size; the
    // helper checks that def belongs to the running object.
    let value = unsafe { helpers::rax_map_lookup_ptr(def, key) } as *mut V;
    let value = NonNull::new(value).ok_or(Error::ENOENT)?;
    // SAFETY: off + 4 <= size_of::<V>(): the lock word lies inside the value.
    let lock = unsafe { (value.as_ptr() as *mut u8).add(off) } as *mut RaxLock;
    // SAFETY: lock points into a live value of this run's map; the helper
    // acquires and registers it in one call.
    let ret = unsafe { helpers::rax_lock_acquire(def, lock as *mut c_void) };
    Error::from_ret(ret)?;
    Ok(LockGuard {
        // SAFETY: derived from a non-null value pointer plus an in-bounds offset.
        lock: unsafe { NonNull::new_unchecked(lock) },
        value,
        live: true,
        _life: PhantomData,
    })
}

/// The definition at the start of a map static (`Array`/`HashMap` are
/// `#[repr(C)]` with the definition as first field).
fn def_of<M>(map: &M) -> &MapDef {
    // SAFETY: only called with Array<V>/HashMap<K, V>, both #[repr(C)] with
    // `def: MapDef` as their first field, so the map's address is the
    // definition's and the lifetime is the map's.
    unsafe { &*(map as *const M as *const MapDef) }
}

impl<V: Pod> Array<V> {
    /// Take the lock that `field` selects in element `index`.
    /// `Err(ENOENT)` when out of range, `Err(EINVAL)` when `field` does not
    /// return a lock inside the element.
    pub fn lock(&self, index: u32, field: fn(&V) -> &RaxLock) -> Result<LockGuard<'_, V>, Error> {
        lock_at(def_of(self), &index as *const u32 as *const c_void, field)
    }
}

impl<K: Pod, V: Pod> HashMap<K, V> {
    /// Take the lock that `field` selects in the value under `key`.
    pub fn lock(&self, key: &K, field: fn(&V) -> &RaxLock) -> Result<LockGuard<'_, V>, Error> {
        lock_at(def_of(self), key as *const K as *const c_void, field)
    }
}
