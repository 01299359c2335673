/* Rejected (elf.ctors): a constructor in .init_array. */
#include "rax_obj.inc"
	rax_func xdp, xdp_ctor, 0
	mov $2, %eax
	ret
	rax_endfunc xdp_ctor
	.section .init_array,"aw",@init_array
	.p2align 3
	.quad xdp_ctor
	rax_std_meta
