//! A dependency whose macros hand their caller what the lints cannot see:
//! rustc does not report lints inside another crate's macro expansion.
#![no_std]

/// Reads any address: wraps the caller's expression in `unsafe`.
#[macro_export]
macro_rules! peek {
    ($addr:expr) => {
        unsafe { core::ptr::read_volatile($addr as *const u8) }
    };
}

/// Puts caller data into a program section: a "program" made of data.
#[macro_export]
macro_rules! fake_program {
    ($name:ident = $bytes:expr) => {
        #[no_mangle]
        #[link_section = "xdp"]
        pub static $name: [u8; 4] = $bytes;
    };
}
