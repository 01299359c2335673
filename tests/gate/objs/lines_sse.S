/*
 * Rejected (insn.sse) twice, with DWARF line information: the findings
 * must name the source lines the .loc directives give, and the Rust v0
 * symbol of the helper must read as gate_test::helper.  Assembled once
 * with DWARF 4 and once with DWARF 5 line tables (tests/gate/meson.build).
 */
#include "rax_obj.inc"
	.file 1 "src/lib.rs"
	.file 2 "rax/src/xdp.rs"

	rax_func .text, _RNvCsaB3_9gate_test6helper, 0, local
	.loc 1 41
	mov $1, %eax
	.loc 1 42
	movaps %xmm1, %xmm0
	.loc 1 43
	ret
	rax_endfunc _RNvCsaB3_9gate_test6helper

	rax_func xdp, xdp_lines, 0
	.loc 2 6
	call _RNvCsaB3_9gate_test6helper
	.loc 2 7
	fld1
	.loc 2 8
	fstp %st(0)
	mov $2, %eax
	ret
	rax_endfunc xdp_lines
	rax_std_meta
