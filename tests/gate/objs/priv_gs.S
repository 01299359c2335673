/* Rejected (insn.privileged): reads kernel per-CPU data through gs:. */
#include "rax_obj.inc"
	rax_func xdp, xdp_percpu, 0
	mov %gs:0x10, %rax
	ret
	rax_endfunc xdp_percpu
	rax_std_meta
