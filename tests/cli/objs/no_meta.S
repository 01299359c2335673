/*
 * An XDP program that opens fine but that the gate must reject: it was not
 * built by `raxtool build`, so it lacks the metadata record, and it uses SSE.
 */
	.section xdp,"ax",@progbits
	.globl xdp_no_meta
	.type xdp_no_meta,@function
xdp_no_meta:
	movaps %xmm0, %xmm1
	mov $2, %eax
	ret
	.size xdp_no_meta, .-xdp_no_meta

	.section license,"a",@progbits
	.asciz "GPL"
	.section .note.GNU-stack,"",@progbits
