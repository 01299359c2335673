//! Tracing programs: kprobes, kretprobes and raw tracepoints.
//!
//! Contexts are Rax's own structs (abi.rs), filled by the runtime from the
//! hook's registers or raw tracepoint arguments; programs read them by value.

use crate::abi::{KprobeCtx, RawTpCtx};

/// Registers at a kprobe (function entry) or kretprobe (function return).
pub struct KprobeContext<'a> {
    raw: &'a KprobeCtx,
}

impl KprobeContext<'_> {
    /// Argument `n` (0..6) of the probed function at entry (System V
    /// registers di, si, dx, cx, r8, r9); `None` for n >= 6.
    pub fn arg(&self, n: usize) -> Option<u64> {
        self.raw.args.get(n).copied()
    }
    /// The return value (kretprobe).
    pub fn ret(&self) -> u64 {
        self.raw.ret
    }
    /// The probed instruction address.
    pub fn ip(&self) -> u64 {
        self.raw.ip
    }
}

/// The raw arguments (TP_PROTO) of a tracepoint.
pub struct RawTpContext<'a> {
    raw: &'a RawTpCtx,
}

impl RawTpContext<'_> {
    /// Argument `n`, if the tracepoint has that many.
    pub fn arg(&self, n: usize) -> Option<u64> {
        if n < self.raw.nr_args as usize {
            self.raw.args.get(n).copied()
        } else {
            None
        }
    }
    /// Number of arguments the tracepoint passes.
    pub fn nr_args(&self) -> usize {
        self.raw.nr_args as usize
    }
}

/// Entry glue used by [`kprobe!`](crate::kprobe!); not for extension code.
///
/// # Safety
/// `ctx` must point to a valid `rax_kprobe_ctx` for the whole run (the
/// runtime that calls the program guarantees it).
#[doc(hidden)]
#[inline(always)]
pub unsafe fn __run_kprobe(ctx: *const KprobeCtx, prog: fn(&KprobeContext<'_>) -> u64) -> u64 {
    // SAFETY: guaranteed by the caller (see above).
    let raw = unsafe { &*ctx };
    prog(&KprobeContext { raw })
}

/// Entry glue used by [`raw_tp!`](crate::raw_tp!); not for extension code.
///
/// # Safety
/// `ctx` must point to a valid `rax_raw_tp_ctx` for the whole run.
#[doc(hidden)]
#[inline(always)]
pub unsafe fn __run_raw_tp(ctx: *const RawTpCtx, prog: fn(&RawTpContext<'_>) -> u64) -> u64 {
    // SAFETY: guaranteed by the caller (see above).
    let raw = unsafe { &*ctx };
    prog(&RawTpContext { raw })
}

/// Define a kprobe program on kernel function `FUNC` (section `kprobe/FUNC`):
///
/// ```ignore
/// rax::kprobe! {
///     "__x64_sys_getpid",
///     fn on_getpid(ctx: &KprobeContext) -> u64 { 0 }
/// }
/// ```
#[macro_export]
macro_rules! kprobe {
    ($func:literal, fn $name:ident ( $($params:tt)* ) -> $ret:ty $body:block) => {
        $crate::__tracing_prog!("kprobe/", $func, $name, __run_kprobe, KprobeCtx,
                                ($($params)*) -> $ret $body);
    };
}

/// Define a kretprobe program on kernel function `FUNC` (section `kretprobe/FUNC`).
#[macro_export]
macro_rules! kretprobe {
    ($func:literal, fn $name:ident ( $($params:tt)* ) -> $ret:ty $body:block) => {
        $crate::__tracing_prog!("kretprobe/", $func, $name, __run_kprobe, KprobeCtx,
                                ($($params)*) -> $ret $body);
    };
}

/// Define a raw tracepoint program on `EVENT` (section `raw_tp/EVENT`); it
/// receives the tracepoint's raw TP_PROTO arguments.
#[macro_export]
macro_rules! raw_tp {
    ($event:literal, fn $name:ident ( $($params:tt)* ) -> $ret:ty $body:block) => {
        $crate::__tracing_prog!("raw_tp/", $event, $name, __run_raw_tp, RawTpCtx,
                                ($($params)*) -> $ret $body);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __tracing_prog {
    ($prefix:literal, $target:literal, $name:ident, $run:ident, $ctx:ident,
     ($($params:tt)*) -> $ret:ty $body:block) => {
        #[no_mangle]
        #[link_section = concat!($prefix, $target)]
        pub unsafe extern "C" fn $name(ctx: *const $crate::abi::$ctx) -> u64 {
            fn __rax_prog($($params)*) -> $ret $body
            // Keeps the entry alive through `ld --gc-sections`; raxtool
            // build drops this section after linking.
            #[used]
            #[link_section = ".rax.progs"]
            static __RAX_PROG: unsafe extern "C" fn(*const $crate::abi::$ctx) -> u64 = $name;
            // SAFETY: the runtime calls program entries only with a valid
            // context for the program's type.
            unsafe { $crate::trace::$run(ctx, __rax_prog) }
        }
    };
}
