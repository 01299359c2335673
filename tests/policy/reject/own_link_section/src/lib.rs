#![no_std]
// Written directly: both the lint and the scan refuse it.
rax::license!("GPL");
#[no_mangle]
#[link_section = "xdp"]
pub static FAKE: [u8; 2] = [0x0f, 0x0b];
