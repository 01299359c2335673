/* Unbounded self-recursion: stack.recursion with reject_recursion, else
 * accepted with countdown marked for the runtime's entry check. */
#include "rax_obj.inc"
	rax_func xdp, xdp_recurse, 8
	push %rbp
	mov %rsp, %rbp
	mov $100, %edi
	call countdown
	pop %rbp
	ret
	rax_endfunc xdp_recurse

	rax_func .text, countdown, 8, local
	push %rbp
	mov %rsp, %rbp
	test %edi, %edi
	jz 1f
	dec %edi
	call countdown
1:	pop %rbp
	ret
	rax_endfunc countdown
	rax_std_meta
