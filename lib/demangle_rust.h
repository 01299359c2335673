/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Readable names for Rust symbols (v0 "_R..." and legacy "_ZN...E"), for
 * the gate's findings: users read `core::panicking::panic_bounds_check`,
 * not `_RNvNtCs7PXTxerKpZx_4core9panicking18panic_bounds_check`.
 */
#ifndef RAX_DEMANGLE_RUST_H
#define RAX_DEMANGLE_RUST_H

/*
 * Demangle one symbol.  Returns a new string (free() it), or NULL when
 * @sym is not a well-formed Rust symbol (errno EINVAL) or on allocation
 * failure (errno ENOMEM).  Crate disambiguator hashes, the legacy hash
 * component and vendor suffixes (".llvm.123") are left out.
 */
char *demangle_rust(const char *sym);

/*
 * Copy @text with every Rust symbol in it demangled (symbols are maximal
 * runs of [A-Za-z0-9_$.] starting with "_R" or "_ZN").  Returns a new
 * string, or NULL on allocation failure.
 */
char *demangle_rust_text(const char *text);

#endif /* RAX_DEMANGLE_RUST_H */
