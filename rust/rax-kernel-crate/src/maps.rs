//! Maps: `HashMap<K, V>` and `Array<V>`, declared as statics with
//! [`map!`](crate::map!) so that their definitions land in `.maps`.
//!
//! Access model (docs/abi.md, "Map access"): map memory is shared with
//! userspace, eBPF programs and other CPUs, so this API never hands out
//! `&V`/`&mut V` into it.  `get` copies a value out; `get_ref` returns a
//! [`MapValue`] accessor whose reads and writes are volatile and whose
//! integer updates are atomic.  A `MapValue` cannot leave the run: it is
//! neither `Send` nor `Sync`, so it cannot be stored in a static.

use crate::abi::{MapDef, RAX_ANY, RAX_EXIST, RAX_MAP_TYPE_ARRAY, RAX_MAP_TYPE_HASH, RAX_NOEXIST};
use crate::error::Error;
use crate::helpers;
use crate::pod::Pod;
use core::ffi::c_void;
use core::marker::PhantomData;
use core::mem::{size_of, MaybeUninit};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicI32, AtomicI64, AtomicU32, AtomicU64, Ordering};

/// How `insert`/`set` treat an existing element (BPF_ANY/NOEXIST/EXIST).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateFlags {
    /// Create or replace.
    Any,
    /// Only create: fails with `EEXIST` if the key exists.
    NoExist,
    /// Only replace: fails with `ENOENT` if the key is absent.
    Exist,
}

impl UpdateFlags {
    fn bits(self) -> u64 {
        match self {
            UpdateFlags::Any => RAX_ANY,
            UpdateFlags::NoExist => RAX_NOEXIST,
            UpdateFlags::Exist => RAX_EXIST,
        }
    }
}

/// Map flags a definition may carry (BPF's values).
pub mod flags {
    /// Programs may only read the map.
    pub const RDONLY_PROG: u32 = 1 << 7;
    /// Programs may only write the map.
    pub const WRONLY_PROG: u32 = 1 << 8;
}

const fn def(type_: u32, key_size: usize, value_size: usize, max_entries: u32, map_flags: u32) -> MapDef {
    MapDef {
        type_,
        key_size: key_size as u32,
        value_size: value_size as u32,
        max_entries,
        map_flags,
        pinning: 0,
        inline_lookup: AtomicU64::new(0),
    }
}

fn lookup_copy<K: Pod, V: Pod>(def: &MapDef, key: &K) -> Option<V> {
    let mut value = MaybeUninit::<V>::uninit();
    // SAFETY: key points to a live K of key_size bytes; value to V-sized
    // writable storage.  The helper checks def belongs to the running object.
    let ret = unsafe {
        helpers::rax_map_lookup_elem(
            def,
            key as *const K as *const c_void,
            value.as_mut_ptr() as *mut c_void,
        )
    };
    if ret == 0 {
        // SAFETY: the helper filled all value_size bytes, and V is Pod: every
        // bit pattern is a valid V.
        Some(unsafe { value.assume_init() })
    } else {
        None
    }
}

fn lookup_ref<'a, K: Pod, V: Pod>(def: &'a MapDef, key: &K) -> Option<MapValue<'a, V>> {
    // SAFETY: key points to a live K; the helper checks def.
    let ptr = unsafe { helpers::rax_map_lookup_ptr(def, key as *const K as *const c_void) };
    NonNull::new(ptr as *mut V).map(|ptr| MapValue { ptr, _life: PhantomData })
}

fn update<K: Pod, V: Pod>(def: &MapDef, key: &K, value: &V, flags: UpdateFlags) -> Result<(), Error> {
    // SAFETY: key and value point to live Pod values of the definition's sizes.
    let ret = unsafe {
        helpers::rax_map_update_elem(
            def,
            key as *const K as *const c_void,
            value as *const V as *const c_void,
            flags.bits(),
        )
    };
    Error::from_ret(ret)
}

fn delete<K: Pod>(def: &MapDef, key: &K) -> Result<(), Error> {
    // SAFETY: key points to a live K of key_size bytes.
    let ret = unsafe { helpers::rax_map_delete_elem(def, key as *const K as *const c_void) };
    Error::from_ret(ret)
}

/// A hash map from `K` to `V` (a BPF_MAP_TYPE_HASH in the kernel).
#[repr(C)]
pub struct HashMap<K: Pod, V: Pod> {
    def: MapDef,
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K: Pod, V: Pod> HashMap<K, V> {
    /// A definition for a map holding at most `max_entries` elements.
    pub const fn with_max_entries(max_entries: u32) -> Self {
        Self::with_flags(max_entries, 0)
    }

    /// As `with_max_entries`, with map flags from [`flags`].
    pub const fn with_flags(max_entries: u32, map_flags: u32) -> Self {
        HashMap {
            def: def(RAX_MAP_TYPE_HASH, size_of::<K>(), size_of::<V>(), max_entries, map_flags),
            _types: PhantomData,
        }
    }

    /// A copy of the value stored under `key`.
    pub fn get(&self, key: &K) -> Option<V> {
        match self.element(key) {
            Some(found) => found.map(|value| value.read()),
            None => lookup_copy(&self.def, key),
        }
    }

    /// An accessor to the value stored under `key`, for in-place updates.
    pub fn get_ref(&self, key: &K) -> Option<MapValue<'_, V>> {
        match self.element(key) {
            Some(found) => found,
            None => lookup_ref(&self.def, key),
        }
    }

    /// The value under `key` found through the runtime's element search,
    /// the value offset added here, as JITed eBPF calls the hash search and
    /// adds the offset inline: `Some(None)` when absent, `None` when the
    /// runtime gave no value offset (`rax_map_lookup_ptr` decides).
    #[inline(always)]
    fn element(&self, key: &K) -> Option<Option<MapValue<'_, V>>> {
        let value_off = self.def.inline_lookup.load(Ordering::Relaxed) as usize;
        if value_off == 0 || core::mem::align_of::<V>() > 8 {
            return None;
        }
        // SAFETY: key points to a live K of key_size bytes; the runtime
        // checks def and answers NULL unless it set value_off for it.
        let elem = unsafe { helpers::rax_map_lookup_raw(&self.def, key as *const K as *const c_void) };
        if elem.is_null() {
            return Some(None);
        }
        // SAFETY: the loader set value_off for this map (program code cannot
        // reach `self.def`): the element's V-sized, 8-aligned value lies
        // value_off bytes into it (abi.h), and the sum is not 0.
        let ptr = unsafe { NonNull::new_unchecked((elem as usize + value_off) as *mut V) };
        Some(Some(MapValue { ptr, _life: PhantomData }))
    }

    /// Store `value` under `key`.
    pub fn insert(&self, key: &K, value: &V, flags: UpdateFlags) -> Result<(), Error> {
        update(&self.def, key, value, flags)
    }

    /// Remove `key`; `Err(Error::ENOENT)` if absent.
    pub fn remove(&self, key: &K) -> Result<(), Error> {
        delete(&self.def, key)
    }
}

/// An array of `V` indexed by `u32` (a BPF_MAP_TYPE_ARRAY in the kernel):
/// every element exists and starts zeroed.
#[repr(C)]
pub struct Array<V: Pod> {
    def: MapDef,
    _types: PhantomData<fn() -> V>,
}

impl<V: Pod> Array<V> {
    /// A definition for an array of `max_entries` elements.
    pub const fn with_max_entries(max_entries: u32) -> Self {
        Self::with_flags(max_entries, 0)
    }

    /// As `with_max_entries`, with map flags from [`flags`].
    pub const fn with_flags(max_entries: u32, map_flags: u32) -> Self {
        Array {
            def: def(RAX_MAP_TYPE_ARRAY, size_of::<u32>(), size_of::<V>(), max_entries, map_flags),
            _types: PhantomData,
        }
    }

    /// A copy of element `index`; `None` when out of range.
    pub fn get(&self, index: u32) -> Option<V> {
        match self.element(index) {
            Some(found) => found.map(|value| value.read()),
            None => lookup_copy(&self.def, &index),
        }
    }

    /// An accessor to element `index`, for in-place updates.
    pub fn get_ref(&self, index: u32) -> Option<MapValue<'_, V>> {
        match self.element(index) {
            Some(found) => found,
            None => lookup_ref(&self.def, &index),
        }
    }

    /// Element `index` found without a helper call, as JITed eBPF inlines
    /// array lookups: `Some(None)` when out of range, `None` when the
    /// runtime gave no element address (the helper decides).
    #[inline(always)]
    fn element(&self, index: u32) -> Option<Option<MapValue<'_, V>>> {
        const STRIDE_ALIGN: usize = 8;
        let values = self.def.inline_lookup.load(Ordering::Relaxed) as usize;
        if values == 0 || core::mem::align_of::<V>() > STRIDE_ALIGN {
            return None;
        }
        if index >= self.def.max_entries {
            return Some(None);
        }
        let stride = (size_of::<V>() + STRIDE_ALIGN - 1) & !(STRIDE_ALIGN - 1);
        // Not an unsafe operation, but what MapValue dereferences: the
        // loader wrote `values` (program code cannot reach `self.def`) as
        // element 0 of this map, whose max_entries and value size equal
        // this definition's and whose elements lie `stride` bytes apart
        // (abi.h); index < max_entries was checked above.
        let ptr = (values + index as usize * stride) as *mut V;
        // SAFETY: values is not 0 and element addresses do not wrap.
        let ptr = unsafe { NonNull::new_unchecked(ptr) };
        Some(Some(MapValue { ptr, _life: PhantomData }))
    }

    /// Replace element `index`.
    pub fn set(&self, index: u32, value: &V) -> Result<(), Error> {
        update(&self.def, &index, value, UpdateFlags::Any)
    }
}

/// Access to one value inside a map.  Reads and writes are volatile (the
/// compiler never caches or re-reads shared memory behind your back) and
/// the integer `fetch_add`s are atomic.  Not `Send`/`Sync`: it lives only
/// for the run that looked it up.
pub struct MapValue<'a, V: Pod> {
    ptr: NonNull<V>,
    _life: PhantomData<(&'a MapDef, *mut V)>,
}

impl<V: Pod> MapValue<'_, V> {
    /// A copy of the current value.
    pub fn read(&self) -> V {
        // SAFETY: ptr is a live map value for the duration of the run (the
        // runtime keeps values valid until the run ends) and V is Pod.
        unsafe { core::ptr::read_volatile(self.ptr.as_ptr()) }
    }

    /// Overwrite the value.
    pub fn write(&self, value: V) {
        // SAFETY: as in read; map values are writable unless the definition
        // is RDONLY_PROG, in which case the runtime refuses the lookup.
        unsafe { core::ptr::write_volatile(self.ptr.as_ptr(), value) }
    }
}

macro_rules! atomic_ops {
    ($($t:ty => $atomic:ty),*) => { $(
        impl MapValue<'_, $t> {
            /// Atomically add `delta`; returns the previous value.
            pub fn fetch_add(&self, delta: $t) -> $t {
                // SAFETY: map values are aligned to 8 bytes by both runtimes
                // (and by the kernel's BPF maps) and live for the run.
                let atomic = unsafe { <$atomic>::from_ptr(self.ptr.as_ptr()) };
                atomic.fetch_add(delta, Ordering::Relaxed)
            }
        }
    )* };
}
atomic_ops!(u64 => AtomicU64, i64 => AtomicI64, u32 => AtomicU32, i32 => AtomicI32);

/// Declare a map: a static whose definition goes to `.maps`, named by the
/// static's identifier (at most 15 bytes, as BPF map names).
///
/// ```ignore
/// rax::map!(static COUNTS: HashMap<u32, u64> = HashMap::with_max_entries(256););
/// rax::map!(static STATS: Array<u64> = Array::with_max_entries(4););
/// ```
#[macro_export]
macro_rules! map {
    ($vis:vis static $name:ident : HashMap<$k:ty, $v:ty> = $init:expr ;) => {
        #[no_mangle]
        #[link_section = ".maps"]
        $vis static $name: $crate::maps::HashMap<$k, $v> = $init;
        const _: () = assert!(stringify!($name).len() < 16, "map names are at most 15 bytes");
    };
    ($vis:vis static $name:ident : Array<$v:ty> = $init:expr ;) => {
        #[no_mangle]
        #[link_section = ".maps"]
        $vis static $name: $crate::maps::Array<$v> = $init;
        const _: () = assert!(stringify!($name).len() < 16, "map names are at most 15 bytes");
    };
    ($vis:vis static $name:ident : PerfEventArray<$v:ty> = $init:expr ;) => {
        #[no_mangle]
        #[link_section = ".maps"]
        $vis static $name: $crate::perf::PerfEventArray<$v> = $init;
        const _: () = assert!(stringify!($name).len() < 16, "map names are at most 15 bytes");
    };
}
