/* Rejected (insn.branch): a call whose target is data, not code. */
#include "rax_obj.inc"
	rax_func xdp, xdp_calldata, 0
	call payload
	ret
	rax_endfunc xdp_calldata
	.section .rodata,"a",@progbits
payload: .byte 0xc3
	rax_std_meta
