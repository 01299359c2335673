/* Code built with the static relocation model: R_X86_64_32S in .text. */
	.section xdp,"ax",@progbits
	.globl xdp_static
	.type xdp_static,@function
xdp_static:
	call static_helper
	mov $2, %eax
	ret
	.size xdp_static, .-xdp_static

	.text
	.type static_helper,@function
static_helper:
	movq $table, %rax		/* R_X86_64_32S */
	mov (%rax), %rax
	ret
	.size static_helper, .-static_helper

	.section .rodata,"a",@progbits
table:
	.quad 7
	.section .note.GNU-stack,"",@progbits
