/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Programs around the Rax lock for the VM tests.  accounts (array, 1 x
 * {u32 lock, u32 balance}).  Each program takes the lock of entry 0 and
 * then: bumps the balance and returns WITHOUT releasing (the runtime must
 * release it), loops forever (timeout with interrupts off), panics, takes
 * it a second time (a panic), or passes a word outside the value (-EINVAL).
 * lock_and_call calls rax_get_prandom_u32 holding the lock; nested_lock,
 * attached there as a kprobe, runs nested into it and must get -EBUSY at
 * once (any other result is a panic) instead of waiting for the lock.
 */
	.section .maps, "aw", @progbits
	.balign 8
	.globl accounts
	.type accounts, @object
accounts:
	.long 2, 4, 8, 1, 0, 0		/* ARRAY, key 4, value 8, 1 entry */
	.quad 0
	.size accounts, . - accounts

	.section .rodata, "a", @progbits
panic_msg:
	.ascii "panic holding the lock"
	.set panic_msg_len, . - panic_msg

nested_msg:
	.ascii "nested lock: not EBUSY"
	.set nested_msg_len, . - nested_msg

	.section license, "", @progbits
	.asciz "GPL"

	.section syscall, "ax", @progbits
/* %rax = pointer to accounts[0], %rbx = the same (callee-saved). */
value0:
	push	%rbp
	mov	%rsp, %rbp
	sub	$16, %rsp
	movl	$0, (%rsp)
	movq	accounts@GOTPCREL(%rip), %rdi
	mov	%rsp, %rsi
	call	rax_map_lookup_ptr@PLT
	leave
	ret

/* Take the lock of accounts[0] at %rbx + %rsi offset; result in %rax. */
take:
	push	%rbp
	mov	%rsp, %rbp
	movq	accounts@GOTPCREL(%rip), %rdi
	add	%rbx, %rsi
	call	rax_lock_acquire@PLT
	pop	%rbp
	ret

	.macro prologue
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	push	%rbx
	call	value0
	mov	%rax, %rbx
	.endm

	.globl lock_bump
	.type lock_bump, @function
lock_bump:
	prologue
	xor	%esi, %esi
	call	take
	test	%rax, %rax
	jnz	1f
	incl	4(%rbx)
1:	mov	-8(%rbp), %rbx
	leave
	ret
	.size lock_bump, . - lock_bump

	.globl lock_spin
	.type lock_spin, @function
lock_spin:
	prologue
	xor	%esi, %esi
	call	take
1:	jmp	1b
	.size lock_spin, . - lock_spin

	.globl lock_panic
	.type lock_panic, @function
lock_panic:
	prologue
	xor	%esi, %esi
	call	take
	lea	panic_msg(%rip), %rdi
	mov	$panic_msg_len, %esi
	call	rax_panic@PLT
	ud2
	.size lock_panic, . - lock_panic

	.globl lock_twice
	.type lock_twice, @function
lock_twice:
	prologue
	xor	%esi, %esi
	call	take
	xor	%esi, %esi
	call	take
	mov	-8(%rbp), %rbx
	leave
	ret
	.size lock_twice, . - lock_twice

	.globl lock_outside
	.type lock_outside, @function
lock_outside:
	prologue
	mov	$8, %esi
	call	take
	mov	-8(%rbp), %rbx
	leave
	ret
	.size lock_outside, . - lock_outside

	.globl lock_and_call
	.type lock_and_call, @function
lock_and_call:
	prologue
	xor	%esi, %esi
	call	take
	test	%rax, %rax
	jnz	1f
	call	rax_get_prandom_u32@PLT
	incl	4(%rbx)
	xor	%eax, %eax
1:	mov	-8(%rbp), %rbx
	leave
	ret
	.size lock_and_call, . - lock_and_call

	.section kprobe/rax_get_prandom_u32, "ax", @progbits
	.globl nested_lock
	.type nested_lock, @function
nested_lock:
	prologue
	xor	%esi, %esi
	call	take
	cmp	$-16, %rax		/* -EBUSY */
	jne	1f
	mov	-8(%rbp), %rbx
	leave
	ret
1:	lea	nested_msg(%rip), %rdi
	mov	$nested_msg_len, %esi
	call	rax_panic@PLT
	ud2
	.size nested_lock, . - nested_lock
