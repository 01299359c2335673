/*
 * Assembler macros shared by the runtime test objects (included by them,
 * assembles to nothing on its own): functions laid out the way
 * `raxtool build` emits them (patchable entry pad, .stack_sizes entry)
 * and the records every Rax object carries.
 */

/* rax_func name, section: start a global function with its 5-byte pad. */
.macro rax_func name, sec
	.section "\sec","ax",@progbits
	.globl \name
	.type \name,@function
	.p2align 4
\name:
	nopl 8(%rax,%rax,1)
.endm

/*
 * rax_endfunc name, section, frame: size, patch site (linked to the
 * function's section through its symbol) and stack size (frame = pushes +
 * the prologue's "sub rsp", without the return address; the gate checks it).
 */
.macro rax_endfunc name, sec, frame
	.size \name, .-\name
	.section __patchable_function_entries,"awo",@progbits,\name
	.quad \name
	/* one section, as after `ld -r` (the reader wants a single one) */
	.section .stack_sizes,"",@progbits
	.quad \name
	.uleb128 \frame
.endm

/* rax_map name, type, key_size, value_size, max_entries, flags */
.macro rax_map name, type, key, value, max, flags
	.section .maps,"aw",@progbits
	.p2align 3
	.globl \name
	.type \name,@object
\name:
	.long \type, \key, \value, \max, \flags, 0
	.quad 0
	.size \name, .-\name
.endm

/* License, ABI layout record (offsets from abi.h) and metadata. */
.macro rax_records
	.section license,"a",@progbits
	.asciz "GPL"

	.section .rax.abi,"a",@progbits
	.p2align 2
	.long 0x58415241	/* magic */
	.long 1			/* abi_version */
	.long 96		/* size */
	.long 32, 0, 4, 8, 12, 16, 20, 24	/* map def size and field offsets */
	.long 24, 0, 8, 16, 20	/* xdp ctx size and offsets */
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
1:	.asciz "crate=rt_test"
	.asciz "crate_version=0.1.0"
	.asciz "rustc=1.96.0"
	.asciz "flags_id=test"
	.asciz "policy=test"
2:
	.section .note.GNU-stack,"",@progbits
.endm
