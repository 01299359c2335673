/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A hand-written Rax object for the VM tests, laid out like raxtool's
 * output: programs in "xdp", map definitions in ".maps", helpers called
 * through the PLT (R_X86_64_PLT32), map definitions reached through the
 * GOT (R_X86_64_REX_GOTPCRELX), data and read-only data by PC32.
 *
 * counters (array, 2 x u64): [0] += 1 and [1] += packet length per run.
 */
	.section .maps, "aw", @progbits
	.balign 8
	.globl counters
	.type counters, @object
counters:
	.long 2, 4, 8, 2, 0, 0		/* ARRAY, key 4, value 8, 2 entries */
	.quad 0				/* inline_lookup */
	.size counters, . - counters

	.data
	.balign 4
	.globl run_count
	.type run_count, @object
run_count:
	.long 0
	.size run_count, 4

	.section .rodata, "a", @progbits
panic_msg:
	.ascii "explicit panic from xdp_panic"
	.set panic_msg_len, . - panic_msg

	.section license, "", @progbits
	.asciz "GPL"

	.section xdp, "ax", @progbits

/* Add %rbx to counters[%esi]: lookup, add, update. Clobbers caller-saved. */
add_counter:
	push	%rbp
	mov	%rsp, %rbp
	sub	$16, %rsp
	movl	%esi, (%rsp)
	movq	$0, 8(%rsp)
	movq	counters@GOTPCREL(%rip), %rdi
	mov	%rsp, %rsi
	lea	8(%rsp), %rdx
	call	rax_map_lookup_elem@PLT
	test	%rax, %rax
	jnz	1f
	add	%rbx, 8(%rsp)
	movq	counters@GOTPCREL(%rip), %rdi
	mov	%rsp, %rsi
	lea	8(%rsp), %rdx
	xor	%ecx, %ecx
	call	rax_map_update_elem@PLT
1:	leave
	ret
	.size add_counter, . - add_counter

	.globl xdp_count
	.type xdp_count, @function
xdp_count:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	sub	$8, %rsp
	mov	8(%rdi), %rax		/* data_end */
	sub	(%rdi), %rax		/* - data */
	push	%rax
	sub	$8, %rsp
	mov	$1, %ebx
	xor	%esi, %esi
	call	add_counter
	mov	8(%rsp), %rbx
	mov	$1, %esi
	call	add_counter
	incl	run_count(%rip)
	mov	$2, %eax		/* XDP_PASS */
	mov	-8(%rbp), %rbx
	leave
	ret
	.size xdp_count, . - xdp_count

/*
 * rax_map_lookup_raw on definitions the loader gave no value offset (an
 * array, then the object's own data, no definition at all): both must
 * answer NULL.  Returns how many did.
 */
	.globl xdp_raw_refused
	.type xdp_raw_refused, @function
xdp_raw_refused:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	sub	$8, %rsp
	movl	$0, (%rsp)
	xor	%ebx, %ebx
	movq	counters@GOTPCREL(%rip), %rdi
	mov	%rsp, %rsi
	call	rax_map_lookup_raw@PLT
	test	%rax, %rax
	jnz	1f
	inc	%ebx
1:	lea	run_count(%rip), %rdi
	mov	%rsp, %rsi
	call	rax_map_lookup_raw@PLT
	test	%rax, %rax
	jnz	2f
	inc	%ebx
2:	mov	%ebx, %eax
	mov	-8(%rbp), %rbx
	leave
	ret
	.size xdp_raw_refused, . - xdp_raw_refused

/* Returns how many times xdp_count ran (the object's writable data). */
	.globl xdp_runs
	.type xdp_runs, @function
xdp_runs:
	movl	run_count(%rip), %eax
	ret
	.size xdp_runs, . - xdp_runs

	.globl xdp_panic
	.type xdp_panic, @function
xdp_panic:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx			/* the landing pad must restore it */
	push	%r12
	mov	$0x1234, %rbx
	mov	$0x5678, %r12
	lea	panic_msg(%rip), %rdi
	mov	$panic_msg_len, %esi
	call	rax_panic@PLT
	ud2
	.size xdp_panic, . - xdp_panic

/*
 * Touches 24 KiB of stack: more than a whole kernel stack (16 KiB), so it
 * only survives on the runtime's dedicated 32 KiB stack.
 */
	.globl xdp_deep_stack
	.type xdp_deep_stack, @function
xdp_deep_stack:
	push	%rbp
	mov	%rsp, %rbp
	sub	$24576, %rsp
	mov	%rsp, %rcx
1:	movq	$0x5a, (%rcx)
	add	$4096, %rcx
	cmp	%rbp, %rcx
	jb	1b
	mov	(%rsp), %rax		/* 0x5a */
	leave
	ret
	.size xdp_deep_stack, . - xdp_deep_stack

/* Returns the CPU it runs on, through a helper called via the PLT. */
	.globl xdp_cpu
	.type xdp_cpu, @function
xdp_cpu:
	sub	$8, %rsp
	call	rax_get_smp_processor_id@PLT
	add	$8, %rsp
	ret
	.size xdp_cpu, . - xdp_cpu

/* Faults in program code, each contained by the runtime (RAX_ABORT_FAULT). */
	.globl xdp_ud2
	.type xdp_ud2, @function
xdp_ud2:
	ud2
	.size xdp_ud2, . - xdp_ud2

	.globl xdp_div0
	.type xdp_div0, @function
xdp_div0:
	push	%rbx			/* the landing pad must restore it */
	mov	$0x77, %rbx
	xor	%ecx, %ecx
	mov	$1, %eax
	xor	%edx, %edx
	div	%ecx			/* #DE */
	pop	%rbx
	ret
	.size xdp_div0, . - xdp_div0

	.globl xdp_gp
	.type xdp_gp, @function
xdp_gp:
	movabs	$0x8000000000000000, %rax	/* non-canonical: #GP, not #PF */
	mov	(%rax), %rax
	ret
	.size xdp_gp, . - xdp_gp
