/* Accepted: a program calling a local function and a helper.
 * Stack bound: xdp_good (24 + 8) + helper_fn (8 + 8) + entry call 8 = 56. */
#include "rax_obj.inc"

	rax_func xdp, xdp_good, 24
	push %rbp
	mov %rsp, %rbp
	sub $16, %rsp
	mov %rax, -8(%rbp)		/* below rbp, inside the frame: fine */
	call helper_fn
	call rax_ktime_get_ns@PLT
	test %rax, %rax
	jz 1f
	mov $2, %eax
1:	leave
	ret
	rax_endfunc xdp_good

	rax_func .text, helper_fn, 8, local
	push %rbp
	mov %rsp, %rbp
	lea table(%rip), %rax
	mov (%rax), %rax
	pop %rbp
	ret
	rax_endfunc helper_fn

	.section .rodata,"a",@progbits
table:	.quad 1, 2, 3

	rax_std_meta
