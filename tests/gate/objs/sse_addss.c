/* Rejected (insn.sse): C float arithmetic compiles to addss/mulss.  Built
 * with clang -O2 -fPIE -mno-red-zone -fstack-size-section, like a Rax
 * object apart from the floating point. */
float scale(float a, float b);

__attribute__((section("xdp"))) unsigned long xdp_float(void *ctx)
{
	return (unsigned long)scale((float)(unsigned long)ctx, 1.5f);
}

__attribute__((noinline)) float scale(float a, float b)
{
	return a * b + b;
}

__asm__(".pushsection .rax.meta,\"\",@progbits\n"
	".ascii \"RAXMETA\\0\"\n"
	".long 1, 24, 2f - 1f, 0\n"
	"1: .asciz \"rustc=clang\"\n.asciz \"flags_id=test\"\n.asciz \"policy=bypassed\"\n2:\n"
	".popsection\n"
	".pushsection .rax.abi,\"a\",@progbits\n"
	".p2align 2\n"
	".long 0x58415241, 1, 96, 32, 0, 4, 8, 12, 16, 20, 24, 24, 0, 8, 16, 20, 72, 48, 104, 96, 19, 32768, 24576, 0\n"
	".popsection\n"
	".pushsection license,\"a\",@progbits\n.asciz \"GPL\"\n.popsection\n");
