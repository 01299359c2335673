/* Rejected (insn.sse): an SSE register move. */
#include "rax_obj.inc"
	rax_func xdp, xdp_sse, 0
	movaps %xmm1, %xmm0
	mov $2, %eax
	ret
	rax_endfunc xdp_sse
	rax_std_meta
