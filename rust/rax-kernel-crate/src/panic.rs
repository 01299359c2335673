//! The panic handler: hands "file:line: message" to the runtime, which
//! releases the run's resources and returns the program's aborted result.
//! Nothing unwinds and no user `Drop` runs (the runtime does not rely on it).

use crate::abi::RAX_PANIC_MSG_LEN;
use crate::helpers;
use core::fmt::{self, Write};

/// A fixed buffer that keeps the first RAX_PANIC_MSG_LEN bytes written.
struct MessageBuffer {
    bytes: [u8; RAX_PANIC_MSG_LEN],
    len: usize,
}

impl Write for MessageBuffer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if self.len == self.bytes.len() {
                break;
            }
            self.bytes[self.len] = b;
            self.len += 1;
        }
        Ok(())
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut msg = MessageBuffer { bytes: [0; RAX_PANIC_MSG_LEN], len: 0 };
    if let Some(location) = info.location() {
        let _ = write!(msg, "{}:{}: ", location.file(), location.line());
    }
    let _ = write!(msg, "{}", info.message());
    // SAFETY: msg.bytes[..msg.len] is initialised; rax_panic never returns
    // (the runtime leaves the run through its landing pad).
    unsafe { helpers::rax_panic(msg.bytes.as_ptr(), msg.len as u32) }
}
