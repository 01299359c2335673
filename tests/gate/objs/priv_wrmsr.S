/* Rejected (insn.privileged): writes a model-specific register. */
#include "rax_obj.inc"
	rax_func xdp, xdp_wrmsr, 0
	mov $0xc0000082, %ecx
	xor %eax, %eax
	xor %edx, %edx
	wrmsr
	mov $2, %eax
	ret
	rax_endfunc xdp_wrmsr
	rax_std_meta
