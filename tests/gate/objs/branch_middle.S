/* Rejected (insn.branch): a conditional jump into the middle of an
 * instruction that is also executed, so the bytes hide a second
 * instruction stream (here: cli; ret inside the movabs immediate). */
#include "rax_obj.inc"
	rax_func xdp, xdp_overlap, 0
	test %edi, %edi
	jz 1f + 2
1:	movabs $0x90c3fa90c3fa90fa, %rax
	ret
	rax_endfunc xdp_overlap
	rax_std_meta
