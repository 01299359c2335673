/* Rejected (insn.redzone): stores below the stack pointer. */
#include "rax_obj.inc"
	rax_func xdp, xdp_redzone, 0
	mov %rdi, -8(%rsp)
	mov -8(%rsp), %rax
	ret
	rax_endfunc xdp_redzone
	rax_std_meta
