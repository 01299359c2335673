/* Rejected (insn.unreachable): code bytes after the return that no
 * function's control flow reaches. */
#include "rax_obj.inc"
	rax_func xdp, xdp_hidden, 0
	mov $2, %eax
	ret
	/* hidden: nothing branches here */
	xor %eax, %eax
	inc %eax
	ret
	rax_endfunc xdp_hidden
	rax_std_meta
