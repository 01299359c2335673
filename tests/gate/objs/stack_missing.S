/* Rejected (stack.missing): a function without a .stack_sizes entry. */
#include "rax_obj.inc"
	rax_func_nosize xdp, xdp_nosize
	mov $2, %eax
	ret
	rax_endfunc xdp_nosize
	rax_std_meta
