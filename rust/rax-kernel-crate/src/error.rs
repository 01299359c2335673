//! Errors returned by helpers: a negative errno, as in the kernel.

/// A helper failed with `-errno`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error(i64);

impl Error {
    pub const ENOENT: Error = Error(-2);
    pub const EEXIST: Error = Error(-17);
    pub const E2BIG: Error = Error(-7);
    pub const EINVAL: Error = Error(-22);
    pub const EPERM: Error = Error(-1);

    pub(crate) fn from_ret(ret: i64) -> Result<(), Error> {
        if ret < 0 { Err(Error(ret)) } else { Ok(()) }
    }

    /// The negative errno value.
    pub fn errno(self) -> i64 {
        self.0
    }
}
