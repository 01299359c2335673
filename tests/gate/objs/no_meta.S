/* Rejected (meta.missing): no .rax.meta and no .rax.abi. */
#include "rax_obj.inc"
	rax_func xdp, xdp_nometa, 0
	mov $2, %eax
	ret
	rax_endfunc xdp_nometa
	rax_license
