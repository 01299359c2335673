/* A program that imports a kernel function that is not a Rax helper. */
	.section xdp,"ax",@progbits
	.globl xdp_escalate
	.type xdp_escalate,@function
xdp_escalate:
	xor %edi, %edi
	call commit_creds@PLT
	mov $2, %eax
	ret
	.size xdp_escalate, .-xdp_escalate

	.section license,"a",@progbits
	.asciz "GPL"
	.section .note.GNU-stack,"",@progbits
