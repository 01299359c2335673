/* Rejected (meta.abi_version): built for ABI version 2. */
#include "rax_obj.inc"
	rax_func xdp, xdp_future, 0
	mov $2, %eax
	ret
	rax_endfunc xdp_future
	rax_meta 2
	rax_abi 2
	rax_license
