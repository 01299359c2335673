/* Rejected (meta.license): no license section. */
#include "rax_obj.inc"
	rax_func xdp, xdp_nolicense, 0
	mov $2, %eax
	ret
	rax_endfunc xdp_nolicense
	rax_meta
	rax_abi
