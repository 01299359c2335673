/* Rejected (insn.privileged): disables interrupts. */
#include "rax_obj.inc"
	rax_func xdp, xdp_cli, 0
	cli
	mov $2, %eax
	ret
	rax_endfunc xdp_cli
	rax_std_meta
