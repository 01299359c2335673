/* Rejected (insn.privileged): reads a control register. */
#include "rax_obj.inc"
	rax_func xdp, xdp_cr3, 0
	mov %cr3, %rax
	ret
	rax_endfunc xdp_cr3
	rax_std_meta
