/* Rejected (insn.privileged): a system call and int $0x80. */
#include "rax_obj.inc"
	rax_func xdp, xdp_syscall, 0
	mov $60, %eax
	syscall
	int $0x80
	ret
	rax_endfunc xdp_syscall
	rax_std_meta
