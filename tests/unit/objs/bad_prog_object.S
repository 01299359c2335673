/* A global data object in a program section: not a program. */
	.section xdp,"ax",@progbits
	.globl xdp_pass
	.type xdp_pass,@function
xdp_pass:
	mov $2, %eax
	ret
	.size xdp_pass, .-xdp_pass

	.globl xdp_table
	.type xdp_table,@object
xdp_table:
	.quad 0
	.size xdp_table, .-xdp_table
	.section .note.GNU-stack,"",@progbits
