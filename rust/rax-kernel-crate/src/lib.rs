//! `rax`: the safe API Rax extensions are written in.
//!
//! An extension is a `#![no_std]` crate (crate-type `staticlib`) that uses
//! only safe Rust and this crate, built with `raxtool build`:
//!
//! ```ignore
//! #![no_std]
//! use rax::maps::Array;
//! use rax::xdp::{XdpAction, XdpContext};
//!
//! rax::license!("GPL");
//! rax::map!(static PACKETS: Array<u64> = Array::with_max_entries(1););
//!
//! rax::xdp! {
//!     fn count(ctx: &mut XdpContext) -> XdpAction {
//!         if let Some(n) = PACKETS.get_ref(0) { n.fetch_add(1); }
//!         XdpAction::Pass
//!     }
//! }
//! ```
//!
//! This crate is the trusted part of an extension: it holds every `unsafe`
//! block (each with a `// SAFETY:` comment) and its macros never wrap the
//! caller's tokens in `unsafe` nor forward the caller's attributes.
#![no_std]

pub mod abi;
pub mod error;
mod helpers;
pub mod maps;
pub mod net;
pub mod output;
mod panic;
pub mod perf;
pub mod pod;
pub mod sync;
pub mod task;
pub mod trace;
pub mod xdp;

pub use error::Error;
pub use pod::Pod;

/// This crate's ABI record, checked by librax against include/rax/abi.h.
#[used]
#[no_mangle]
#[link_section = ".rax.abi"]
static RAX_ABI_RECORD: abi::AbiLayout = abi::LAYOUT;

/// This crate's version, moved into the metadata record by `raxtool build`.
#[used]
#[link_section = ".rax.crate"]
static RAX_CRATE_VERSION: [u8; env!("CARGO_PKG_VERSION").len() + 1] =
    __private::nul_terminated(env!("CARGO_PKG_VERSION"));

#[doc(hidden)]
pub mod __private {
    /// `s` followed by a NUL byte, as a fixed array (for `license!`).
    pub const fn nul_terminated<const N: usize>(s: &str) -> [u8; N] {
        let bytes = s.as_bytes();
        let mut out = [0u8; N];
        let mut i = 0;
        while i < bytes.len() {
            out[i] = bytes[i];
            i += 1;
        }
        out
    }
}

/// Declare the extension's license (the `license` section, as in libbpf).
/// GPL-only helpers need a GPL-compatible license.
#[macro_export]
macro_rules! license {
    ($license:literal) => {
        #[used]
        #[link_section = "license"]
        static _RAX_LICENSE: [u8; $license.len() + 1] = $crate::__private::nul_terminated($license);
    };
}
