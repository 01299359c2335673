/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory Rax programs live in, reserved inside rax.ko itself so that it
 * lies in the module area, within +-2 GiB of kernel text (PC32/PLT32 to the
 * helpers and thunks work) and is executable without set_memory_*() (not
 * exported).  The text arena is written only through a temporary RW alias
 * (rax_arena.c); the data arena is ordinary module data.
 */
	.section .rax_arena, "ax", @nobits
	.balign 4096
	.globl rax_text_arena
rax_text_arena:
	.skip RAX_TEXT_ARENA_SIZE

	.section .rax_data_arena, "aw", @nobits
	.balign 4096
	.globl rax_data_arena
rax_data_arena:
	.skip RAX_DATA_ARENA_SIZE
