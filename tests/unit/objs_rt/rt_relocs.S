/*
 * Every relocation type the in-process loader applies, in one XDP program:
 *   PC32       .rodata constant, .bss counter, .data.rel.ro pointer table
 *   64         .data.rel.ro pointers to .data and into .rodata (addend)
 *   PLT32      helper calls (rax_map_update_elem, rax_map_lookup_elem)
 *   GOTPCRELX  indirect call of a local function through the GOT
 *   REX_GOTPCRELX / GOTPCREL  the address of a map definition in .maps
 *
 * rt_relocs(ctx):
 *   value = len * consts[0] + *ptrs[0] + *ptrs[1] + tick()
 *         = len * 1000     + 7        + 3        + 5
 *   results[RT_KEY] = value (update), then read back (lookup);
 *   hits += 1 (.bss);  returns the value read back + hits,
 *   or the helper's negative errno.
 */
#include "rt_common.S"

#define RT_KEY 2

rax_func rt_relocs, xdp
	push %rbp
	mov %rsp, %rbp
	push %rbx
	sub $24, %rsp			/* key -20(%rbp), value -16, out -32 */
	mov %rdi, %rbx
	mov 8(%rbx), %rax		/* data_end */
	sub 0(%rbx), %rax		/* packet length */
	imul consts(%rip), %rax		/* PC32 into .rodata */
	mov ptrs(%rip), %rcx		/* PC32 into .data.rel.ro */
	add (%rcx), %rax		/* ptrs[0] = &bias (R_X86_64_64) */
	mov ptrs+8(%rip), %rcx
	add (%rcx), %rax		/* ptrs[1] = consts + 8 (R_X86_64_64, addend) */
	mov %rax, -16(%rbp)
	.reloc .+2, R_X86_64_GOTPCRELX, tick-4
	call *0(%rip)			/* tick() through its GOT slot */
	add %rax, -16(%rbp)
	incq hits(%rip)			/* PC32 into .bss */
	movl $RT_KEY, -20(%rbp)

	.reloc .+3, R_X86_64_REX_GOTPCRELX, results-4
	movq 0(%rip), %rdi
	lea -20(%rbp), %rsi
	lea -16(%rbp), %rdx
	xor %ecx, %ecx
	call rax_map_update_elem@PLT
	test %rax, %rax
	jnz 1f

	.reloc .+3, R_X86_64_GOTPCREL, results-4
	movq 0(%rip), %rdi
	lea -20(%rbp), %rsi
	lea -32(%rbp), %rdx
	call rax_map_lookup_elem@PLT
	test %rax, %rax
	jnz 1f
	mov -32(%rbp), %rax
	add hits(%rip), %rax
1:
	mov -8(%rbp), %rbx
	leave
	ret
rax_endfunc rt_relocs, xdp, 40

	/* A function that is only reached through the GOT. */
rax_func tick, .text
	mov $5, %eax
	ret
rax_endfunc tick, .text, 0

	.section .rodata,"a",@progbits
	.p2align 3
	.type consts,@object
consts:
	.quad 1000, 3
	.size consts, .-consts

	.data
	.p2align 3
	.type bias,@object
bias:
	.quad 7
	.size bias, .-bias

	.section .data.rel.ro,"aw",@progbits
	.p2align 3
	.type ptrs,@object
ptrs:
	.quad bias
	.quad consts + 8
	.size ptrs, .-ptrs

	.bss
	.p2align 3
	.type hits,@object
hits:
	.zero 8
	.size hits, .-hits

rax_map results, 2, 4, 8, 4, 0		/* array: u32 -> u64, 4 entries */

rax_records
