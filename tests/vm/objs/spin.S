/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Programs that never return, for the watchdog tests: a bare loop, a loop
 * that spends most of its time in a helper, and a kprobe program that
 * loops (run from an int3 kprobe, that is with interrupts off).  ret_seven
 * shows that runs after an abort are fine.
 */
	.section license, "", @progbits
	.asciz "GPL"

	.section syscall, "ax", @progbits
	.globl spin_forever
	.type spin_forever, @function
spin_forever:
1:	jmp	1b
	.size spin_forever, . - spin_forever

	.globl spin_in_helper
	.type spin_in_helper, @function
spin_in_helper:
	push	%rbp
	mov	%rsp, %rbp
1:	call	rax_ktime_get_ns@PLT
	jmp	1b
	.size spin_in_helper, . - spin_in_helper

	.globl ret_seven
	.type ret_seven, @function
ret_seven:
	mov	$7, %eax
	ret
	.size ret_seven, . - ret_seven

	.section kprobe/__x64_sys_getppid, "ax", @progbits
	.globl spin_kprobe
	.type spin_kprobe, @function
spin_kprobe:
1:	pause
	jmp	1b
	.size spin_kprobe, . - spin_kprobe
