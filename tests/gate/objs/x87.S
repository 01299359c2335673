/* Rejected (insn.sse): an x87 floating-point instruction. */
#include "rax_obj.inc"
	rax_func xdp, xdp_x87, 0
	fldz
	fstp %st(0)
	mov $2, %eax
	ret
	rax_endfunc xdp_x87
	rax_std_meta
