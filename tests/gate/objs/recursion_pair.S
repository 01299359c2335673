/* Mutual recursion (is_even <-> is_odd): marked for the entry check, or
 * stack.recursion with reject_recursion.  Bound: xdp_parity (8 + 8) + one
 * pass through the cycle max(24, 8) + 8 + entry call 8 = 56. */
#include "rax_obj.inc"
	rax_func xdp, xdp_parity, 8
	push %rbp
	mov %rsp, %rbp
	call is_even
	pop %rbp
	ret
	rax_endfunc xdp_parity

	rax_func .text, is_even, 24, local
	push %rbp
	mov %rsp, %rbp
	sub $16, %rsp
	test %edi, %edi
	jz 1f
	dec %edi
	call is_odd
1:	leave
	ret
	rax_endfunc is_even

	rax_func .text, is_odd, 8, local
	push %rbp
	mov %rsp, %rbp
	dec %edi
	call is_even
	pop %rbp
	ret
	rax_endfunc is_odd
	rax_std_meta
