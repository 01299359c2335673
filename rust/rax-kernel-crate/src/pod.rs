//! Plain-old-data: the only types allowed as map keys and values.
//!
//! Map memory is shared with userspace, eBPF programs and other CPUs, so a
//! value read from it may hold any bit pattern.  `Pod` types are those for
//! which every bit pattern is a valid value (no `bool`, `char`, enums,
//! references or pointers) and that have no padding.  The trait is `unsafe`
//! to implement, and extension crates are built with `unsafe_code`
//! forbidden: they get `Pod` only for the primitives below, arrays of them,
//! and structs declared with [`pod!`](crate::pod!), which checks both rules
//! at compile time.

/// # Safety
/// Every bit pattern of `size_of::<Self>()` bytes is a valid `Self`, and
/// `Self` has no padding bytes.
pub unsafe trait Pod: Copy + 'static {}

macro_rules! impl_pod {
    ($($t:ty),*) => { $(
        // SAFETY: primitive integers accept every bit pattern and have no padding.
        unsafe impl Pod for $t {}
    )* };
}
impl_pod!(u8, u16, u32, u64, i8, i16, i32, i64);

// SAFETY: an array of Pod elements has no padding between elements (size is a
// multiple of alignment) and each element accepts every bit pattern.
unsafe impl<T: Pod, const N: usize> Pod for [T; N] {}

/// Declare a `#[repr(C)]` struct usable as a map key or value.
///
/// ```ignore
/// rax::pod! {
///     pub struct FlowKey { pub saddr: u32, pub daddr: u32, pub sport: u16, pub dport: u16 }
/// }
/// ```
/// Every field must be `Pod` and the struct must have no padding (add
/// explicit `_pad` fields); both are compile-time errors otherwise.
#[macro_export]
macro_rules! pod {
    ($vis:vis struct $name:ident { $($fvis:vis $field:ident : $fty:ty),* $(,)? }) => {
        #[repr(C)]
        #[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
        $vis struct $name { $($fvis $field: $fty),* }

        const _: () = {
            #[allow(dead_code)]
            fn __rax_fields_are_pod() {
                fn is_pod<T: $crate::Pod>() {}
                $(is_pod::<$fty>();)*
            }
            assert!(
                ::core::mem::size_of::<$name>() == 0 $(+ ::core::mem::size_of::<$fty>())*,
                "rax::pod! struct has padding: add explicit padding fields"
            );
        };

        // SAFETY: all fields are Pod (checked above by is_pod) and the
        // struct has no padding (size assertion above).
        unsafe impl $crate::Pod for $name {}
    };
}
