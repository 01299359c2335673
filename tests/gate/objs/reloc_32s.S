/* Rejected (elf.reloc): an absolute 32-bit address (R_X86_64_32S), as
 * non-PIC code has; it cannot be relocated anywhere in the address space. */
#include "rax_obj.inc"
	rax_func xdp, xdp_abs, 0
	movq $table, %rax
	mov (%rax), %eax
	ret
	rax_endfunc xdp_abs
	.section .rodata,"a",@progbits
table:	.quad 2
	rax_std_meta
