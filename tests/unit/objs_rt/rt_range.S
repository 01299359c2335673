/*
 * A PC32 relocation whose displacement cannot fit 32 bits (its addend puts
 * the target 4 GiB past the symbol): the loader must refuse it with
 * -ERANGE and name the relocation instead of truncating it.
 */
#include "rt_common.S"

rax_func rt_far, xdp
	.reloc .+3, R_X86_64_PC32, far_target+0x100000000
	lea 0(%rip), %rax
	xor %eax, %eax
	ret
rax_endfunc rt_far, xdp, 0

	.section .rodata,"a",@progbits
	.type far_target,@object
far_target:
	.quad 1
	.size far_target, .-far_target

rax_records
