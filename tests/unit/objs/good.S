/*
 * A valid Rax object, written the way `raxtool build` lays one out: two
 * programs (xdp, kprobe/...), an internal function, helper calls through
 * the PLT, map definitions reached through the GOT, data with absolute
 * pointers, the metadata sections, patchable entries, stack sizes and
 * debug info with relocations that are never applied.
 */
	.section xdp,"ax",@progbits
	.globl xdp_count
	.type xdp_count,@function
	.p2align 4
xdp_count:
	nopl 8(%rax,%rax,1)		/* patchable entry pad */
	push %rbp
	mov %rsp, %rbp
	sub $16, %rsp
	/* Written as .reloc: gas would add an undefined
	 * _GLOBAL_OFFSET_TABLE_ for "counts@GOTPCREL", LLVM does not. */
	.reloc .+3, R_X86_64_REX_GOTPCRELX, counts-4
	movq 0(%rip), %rdi		/* relaxable GOT load */
	lea -8(%rbp), %rsi
	lea -16(%rbp), %rdx
	call rax_map_lookup_elem@PLT
	call inner_helper@PLT
	call rax_map_lookup_elem@PLT
	mov $2, %eax
	leave
	ret
	.size xdp_count, .-xdp_count

	.section "kprobe/do_sys_open","ax",@progbits
	.globl kprobe_open
	.type kprobe_open,@function
	.p2align 4
kprobe_open:
	nopl 8(%rax,%rax,1)
	push %rbp
	mov %rsp, %rbp
	.reloc .+3, R_X86_64_GOTPCREL, events-4	/* plain GOTPCREL */
	movq 0(%rip), %rdi
	lea table(%rip), %rsi		/* PC32 into .rodata */
	incq hits(%rip)			/* PC32 into .bss */
	call rax_ktime_get_ns@PLT
	xor %eax, %eax
	pop %rbp
	ret
	.size kprobe_open, .-kprobe_open

	.text
	.type inner_helper,@function
	.p2align 4
inner_helper:
	nopl 8(%rax,%rax,1)
	mov ops(%rip), %rax		/* PC32 into .data.rel.ro */
	ret
	.size inner_helper, .-inner_helper

	.section .rodata,"a",@progbits
	.type table,@object
table:
	.quad 1, 2, 3, 4
	.size table, .-table

	.section .data.rel.ro,"aw",@progbits
	.p2align 3
	.type ops,@object
ops:
	.quad inner_helper		/* R_X86_64_64 */
	.quad xdp_count + 16
	.size ops, .-ops

	.bss
	.p2align 3
	.type hits,@object
hits:
	.zero 8
	.size hits, .-hits

	.section .maps,"aw",@progbits
	.p2align 3
	.globl counts
	.type counts,@object
counts:
	.long 2			/* RAX_MAP_TYPE_ARRAY */
	.long 4			/* key_size */
	.long 8			/* value_size */
	.long 64		/* max_entries */
	.long 0			/* map_flags */
	.long 0			/* pinning */
	.quad 0			/* inline_lookup */
	.size counts, .-counts
	.globl events
	.type events,@object
events:
	.long 1			/* RAX_MAP_TYPE_HASH */
	.long 8
	.long 16
	.long 1024
	.long 1			/* RAX_F_NO_PREALLOC */
	.long 0
	.quad 0
	.size events, .-events

	.section license,"a",@progbits
	.asciz "GPL"

	/* struct rax_abi_layout, offsets computed by hand from abi.h */
	.section .rax.abi,"a",@progbits
	.p2align 2
	.long 0x58415241	/* magic */
	.long 1			/* abi_version */
	.long 96		/* size */
	.long 32, 0, 4, 8, 12, 16, 20, 24	/* map def size and offsets */
	.long 24, 0, 8, 16, 20	/* xdp ctx */
	.long 72, 48		/* kprobe ctx size, ret */
	.long 104, 96		/* raw_tp ctx size, nr_args */
	.long 19		/* helper_count */
	.long 32768		/* stack_size */
	.long 24576		/* stack_budget */
	.long 0			/* reserved */

	.section .rax.meta,"",@progbits
	.ascii "RAXMETA\0"
	.long 1			/* abi_version */
	.long 24		/* hdr_size */
	.long 2f - 1f		/* strings_size */
	.long 0			/* flags */
1:	.asciz "crate=demo"
	.asciz "crate_version=0.1.0"
	.asciz "rustc=1.96.0"
	.asciz "flags_id=test"
	.asciz "policy=test"
2:

	.section __patchable_function_entries,"awo",@progbits,xdp
	.quad xdp_count
	.section __patchable_function_entries,"awo",@progbits,kprobe_open
	.quad kprobe_open
	.section __patchable_function_entries,"awo",@progbits,.text
	.quad inner_helper

	.section .stack_sizes,"o",@progbits,xdp
	.quad xdp_count
	.uleb128 24

	.section .debug_info,"",@progbits
	.long xdp_count		/* R_X86_64_32: ignored, never applied */
	.quad kprobe_open

	.ident "rax test object"
	.section .note.GNU-stack,"",@progbits
