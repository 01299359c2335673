/*
 * Hardware exceptions raised by program code (safe Rust cannot write
 * these, so they are hand-written): ud2 (SIGILL), a division by zero
 * (SIGFPE) and a load from address 0 (SIGSEGV).  Each is a syscall-type
 * program whose context's first __u64 counts runs that got to the fault.
 */
#include "rt_common.S"

rax_func adv_fault_ud2, syscall
	incq (%rdi)
	ud2
rax_endfunc adv_fault_ud2, syscall, 0

rax_func adv_fault_div, syscall
	incq (%rdi)
	xor %ecx, %ecx
	mov $7, %eax
	xor %edx, %edx
	div %rcx
	ret
rax_endfunc adv_fault_div, syscall, 0

rax_func adv_fault_null, syscall
	incq (%rdi)
	xor %eax, %eax
	mov (%rax), %rax
	ret
rax_endfunc adv_fault_null, syscall, 0

rax_func adv_fault_ok, syscall
	incq (%rdi)
	mov $42, %eax
	ret
rax_endfunc adv_fault_ok, syscall, 0

rax_records
