/* Rejected (import.unknown): calls the kernel's commit_creds. */
#include "rax_obj.inc"
	rax_func xdp, xdp_escalate, 0
	xor %edi, %edi
	call commit_creds@PLT
	mov $2, %eax
	ret
	rax_endfunc xdp_escalate
	rax_std_meta
