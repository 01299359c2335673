/* Rejected (import.gpl): a GPL-only helper under a proprietary license. */
#include "rax_obj.inc"
	rax_func xdp, xdp_printk, 0
	call rax_trace_printk@PLT
	mov $2, %eax
	ret
	rax_endfunc xdp_printk
	rax_meta
	rax_abi
	rax_license "Proprietary"
