/*
 * Programs of the runtime overhead benchmark (hand-written, so the code
 * measured is exactly what is shown): an empty XDP program, and one that
 * takes and releases a Rax lock whose word is the context's first 4 bytes
 * (one acquire-and-register helper call, one release).
 */
#include "rt_common.S"

rax_func bench_empty, xdp
	mov $2, %eax		/* XDP_PASS */
	ret
rax_endfunc bench_empty, xdp, 0

rax_func bench_lock, xdp
	push %rbx
	mov %rdi, %rbx
	lea bench_locks(%rip), %rdi
	mov %rbx, %rsi
	call rax_lock_acquire@PLT
	mov %rbx, %rdi
	call rax_lock_release@PLT
	mov $2, %eax
	pop %rbx
	ret
rax_endfunc bench_lock, xdp, 8

rax_map bench_locks, 2, 4, 8, 1, 0

rax_records
