/* Rejected (elf.prog): data placed in a program section (what a forwarded
 * #[link_section = "xdp"] on a static would give). */
#include "rax_obj.inc"
	.section xdp,"aw",@progbits
	.globl xdp_data
	.type xdp_data,@object
xdp_data:
	.byte 0xfa, 0xc3
	.size xdp_data, .-xdp_data
	rax_std_meta
