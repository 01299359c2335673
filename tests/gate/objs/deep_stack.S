/* Rejected (stack.depth): a 30 KiB frame, over RAX_STACK_BUDGET (24 KiB). */
#include "rax_obj.inc"
	rax_func xdp, xdp_big, 30728
	push %rbp
	mov %rsp, %rbp
	sub $30720, %rsp
	movq $0, (%rsp)
	leave
	ret
	rax_endfunc xdp_big
	rax_std_meta
