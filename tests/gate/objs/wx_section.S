/* Rejected (elf.wx): a program section that is writable and executable. */
#include "rax_obj.inc"
	.section xdp,"awx",@progbits
	.globl xdp_wx
	.type xdp_wx,@function
	.p2align 4
xdp_wx:
	.pushsection .stack_sizes,"o",@progbits,xdp
	.quad xdp_wx
	.uleb128 0
	.popsection
	nopl 8(%rax,%rax,1)
	mov $2, %eax
	ret
	.size xdp_wx, .-xdp_wx
	rax_std_meta
