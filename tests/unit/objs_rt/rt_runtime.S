/*
 * Programs exercising the in-process runtime: the panic path (XDP and tc),
 * nesting (a syscall program calling back into the test through a
 * function pointer in its context), every helper, map definition checks
 * and RAX_F_RDONLY_PROG/WRONLY_PROG, packet rewriting, and the tracing
 * contexts.
 */
#include "rt_common.S"

#define EPERM 1
#define EINVAL 22

/* ---- Panic -------------------------------------------------------------- */
/* maybe_panic(ctx): panics when the packet's first byte is 0xff, else 7. */
rax_func maybe_panic, .text
	push %rbp
	mov %rsp, %rbp
	incq entered(%rip)
	mov 0(%rdi), %rax
	cmpb $0xff, (%rax)
	jne 1f
	lea panic_msg(%rip), %rdi
	mov $(panic_msg_end - panic_msg), %esi
	call rax_panic@PLT
	ud2
1:
	mov $7, %eax
	pop %rbp
	ret
rax_endfunc maybe_panic, .text, 8

rax_func rt_panic_xdp, xdp
	push %rbp
	mov %rsp, %rbp
	call maybe_panic
	pop %rbp
	ret
rax_endfunc rt_panic_xdp, xdp, 8

rax_func rt_panic_tc, tc
	push %rbp
	mov %rsp, %rbp
	call maybe_panic
	pop %rbp
	ret
rax_endfunc rt_panic_tc, tc, 8

/*
 * A panic with the whole stack budget in use (a 24000-byte frame, every
 * page touched): reporting it must not run into the guard page.
 */
rax_func rt_deep_panic, syscall
	push %rbp
	mov %rsp, %rbp
	sub $24000, %rsp
	lea -8(%rbp), %rax
1:
	movq $0, (%rax)
	sub $4096, %rax
	cmp %rsp, %rax
	ja 1b
	movq $0, (%rsp)
	lea panic_msg(%rip), %rdi
	mov $(panic_msg_end - panic_msg), %esi
	call rax_panic@PLT
	ud2
rax_endfunc rt_deep_panic, syscall, 24008

/* ---- Nesting: return ctx->fn(ctx) + 1 ------------------------------------ */
rax_func rt_nest, syscall
	push %rbp
	mov %rsp, %rbp
	call *0(%rdi)
	add $1, %rax
	pop %rbp
	ret
rax_endfunc rt_nest, syscall, 8

/* ---- Every helper, results stored into the context (struct in the test) -- */
rax_func rt_helpers, syscall
	push %rbp
	mov %rsp, %rbp
	push %rbx
	push %r12
	mov %rdi, %rbx
	.reloc .+2, R_X86_64_GOTPCRELX, rax_ktime_get_ns-4
	call *0(%rip)			/* an import through the GOT */
	mov %rax, 0(%rbx)
	call rax_get_current_pid_tgid@PLT
	mov %rax, 8(%rbx)
	call rax_get_prandom_u32@PLT
	mov %eax, 16(%rbx)
	call rax_get_prandom_u32@PLT
	mov %eax, 20(%rbx)
	call rax_get_smp_processor_id@PLT
	mov %eax, 24(%rbx)
	lea 40(%rbx), %rdi
	mov $8, %esi
	mov %rbx, %rdx
	call rax_probe_read_kernel@PLT
	mov %rax, 32(%rbx)
	lea 48(%rbx), %rdi
	mov $16, %esi
	call rax_get_current_comm@PLT
	mov %rax, 64(%rbx)
	lea 80(%rbx), %rdi
	mov $4, %esi
	call rax_get_current_comm@PLT
	lea hello(%rip), %rdi
	mov $(hello_end - hello), %esi
	call rax_trace_printk@PLT
	mov %rax, 72(%rbx)
	lea locks(%rip), %rdi
	lea 84(%rbx), %rsi
	call rax_lock_acquire@PLT
	mov %rax, 88(%rbx)
	lea locks(%rip), %rdi
	mov $64, %esi
	call rax_output_reserve@PLT
	mov %rax, 96(%rbx)
	mov %rbx, %rdi
	lea locks(%rip), %rsi
	xor %edx, %edx
	mov %rbx, %rcx
	mov $8, %r8d
	call rax_perf_event_output@PLT
	mov %rax, 104(%rbx)
	xor %edi, %edi
	call rax_output_submit@PLT
	mov %rax, 112(%rbx)
	lea 84(%rbx), %rdi
	call rax_lock_release@PLT
	mov %rax, 120(%rbx)
	xor %edi, %edi
	call rax_output_discard@PLT
	mov %rax, 128(%rbx)
	xor %eax, %eax
	pop %r12
	pop %rbx
	pop %rbp
	ret
rax_endfunc rt_helpers, syscall, 24

/*
 * ---- Two output records submitted in the order reserved (not LIFO): 0, or
 * 1/2 when the first/second reservation failed (staging bytes ran out).
 */
rax_func rt_out_fifo, syscall
	push %rbp
	mov %rsp, %rbp
	push %rbx
	push %r12
	lea locks(%rip), %rdi
	mov $8, %esi
	call rax_output_reserve@PLT
	mov %rax, %rbx
	mov $1, %eax
	test %rbx, %rbx
	jz 1f
	lea locks(%rip), %rdi
	mov $8, %esi
	call rax_output_reserve@PLT
	mov %rax, %r12
	mov $2, %eax
	test %r12, %r12
	jz 1f
	mov %rbx, %rdi
	call rax_output_submit@PLT
	mov %r12, %rdi
	call rax_output_submit@PLT
	xor %eax, %eax
1:
	pop %r12
	pop %rbx
	pop %rbp
	ret
rax_endfunc rt_out_fifo, syscall, 24

/* ---- Map definition checks: returns a bit mask, all 9 bits expected ------- */
.macro expect_rax value, bit
	cmp $\value, %rax
	jne 9f
	or $(1 << \bit), %r12d
9:
.endm

rax_func rt_mapcheck, xdp
	push %rbp
	mov %rsp, %rbp
	push %rbx
	push %r12
	sub $32, %rsp			/* key -24(%rbp), value -32, out -40 */
	xor %r12d, %r12d
	movl $0, -24(%rbp)
	movq $42, -32(%rbp)

	/* bit 0: a definition outside .maps is refused (lookup_ptr) */
	lea fake_def(%rip), %rdi
	lea -24(%rbp), %rsi
	call rax_map_lookup_ptr@PLT
	expect_rax 0, 0
	/* bit 1: a pointer into .maps that is not a definition */
	lea wo+8(%rip), %rdi
	lea -24(%rbp), %rsi
	lea -32(%rbp), %rdx
	xor %ecx, %ecx
	call rax_map_update_elem@PLT
	expect_rax -EINVAL, 1
	/* bit 2: RDONLY_PROG map: update refused */
	lea ro(%rip), %rdi
	lea -24(%rbp), %rsi
	lea -32(%rbp), %rdx
	xor %ecx, %ecx
	call rax_map_update_elem@PLT
	expect_rax -EPERM, 2
	/* bit 3: WRONLY_PROG map: lookup refused */
	lea wo(%rip), %rdi
	lea -24(%rbp), %rsi
	lea -40(%rbp), %rdx
	call rax_map_lookup_elem@PLT
	expect_rax -EPERM, 3
	/* bit 4: RDONLY_PROG map: lookup_ptr allowed */
	lea ro(%rip), %rdi
	lea -24(%rbp), %rsi
	call rax_map_lookup_ptr@PLT
	test %rax, %rax
	jz 9f
	or $(1 << 4), %r12d
9:
	/* bit 5: WRONLY_PROG map: update allowed (value 42) */
	lea wo(%rip), %rdi
	lea -24(%rbp), %rsi
	lea -32(%rbp), %rdx
	xor %ecx, %ecx
	call rax_map_update_elem@PLT
	expect_rax 0, 5
	/* bit 6: RDONLY_PROG map: delete refused */
	lea ro(%rip), %rdi
	lea -24(%rbp), %rsi
	call rax_map_delete_elem@PLT
	expect_rax -EPERM, 6
	/* bit 7: WRONLY_PROG map: lookup_ptr refused */
	lea wo(%rip), %rdi
	lea -24(%rbp), %rsi
	call rax_map_lookup_ptr@PLT
	expect_rax 0, 7
	/* bit 8: a definition outside .maps is refused (update) */
	lea fake_def(%rip), %rdi
	lea -24(%rbp), %rsi
	lea -32(%rbp), %rdx
	xor %ecx, %ecx
	call rax_map_update_elem@PLT
	expect_rax -EINVAL, 8

	mov %r12d, %eax
	mov -16(%rbp), %r12
	mov -8(%rbp), %rbx
	leave
	ret
rax_endfunc rt_mapcheck, xdp, 56

/* ---- Packet rewrite: swap the MAC addresses, XDP_TX ---------------------- */
rax_func rt_rewrite, xdp
	mov 0(%rdi), %rsi
	mov 8(%rdi), %rdx
	lea 12(%rsi), %rax
	cmp %rdx, %rax
	ja 1f
	mov 0(%rsi), %eax
	mov 6(%rsi), %ecx
	mov %ecx, 0(%rsi)
	mov %eax, 6(%rsi)
	movzwl 4(%rsi), %eax
	movzwl 10(%rsi), %ecx
	mov %cx, 4(%rsi)
	mov %ax, 10(%rsi)
	mov $3, %eax			/* XDP_TX */
	ret
1:
	mov $2, %eax			/* XDP_PASS */
	ret
rax_endfunc rt_rewrite, xdp, 0

/* ---- Tracing contexts ---------------------------------------------------- */
/* args[0] + args[1] + ret */
rax_func rt_kprobe, kprobe/rt_target
	mov 0(%rdi), %rax
	add 8(%rdi), %rax
	add 48(%rdi), %rax
	ret
rax_endfunc rt_kprobe, kprobe/rt_target, 0

/* nr_args * 1000 + args[nr_args - 1] (nr_args >= 1) */
rax_func rt_rawtp, raw_tp/rt_event
	mov 96(%rdi), %ecx
	imul $1000, %rcx, %rax
	add -8(%rdi,%rcx,8), %rax
	ret
rax_endfunc rt_rawtp, raw_tp/rt_event, 0

	.section .rodata,"a",@progbits
panic_msg:
	.ascii "rt: boom at byte 0"
panic_msg_end:
hello:
	.ascii "hello from rt_helpers"
hello_end:

	.data
	.p2align 3
	.type entered,@object
entered:
	.quad 0
	.size entered, .-entered
	/* Same layout as a map definition, but outside .maps: no slot. */
	.type fake_def,@object
fake_def:
	.long 2, 4, 8, 1, 0, 0
	.quad 0
	.size fake_def, .-fake_def

rax_map ro, 2, 4, 8, 1, 0x80		/* RAX_F_RDONLY_PROG */
rax_map wo, 2, 4, 8, 1, 0x100		/* RAX_F_WRONLY_PROG */
rax_map locks, 2, 4, 8, 1, 0

rax_records
