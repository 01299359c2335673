// SPDX-License-Identifier: GPL-2.0
/*
 * Relocation of a load request against the final addresses of its sections
 * and of the helpers.  Everything is checked again here although librax
 * checked it already: a malformed request must fail, never patch memory
 * outside the object's own staging copies.
 */
#include <linux/elf.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#include "rax_internal.h"

#ifndef R_X86_64_GOTPCRELX
#define R_X86_64_GOTPCRELX 41
#endif
#ifndef R_X86_64_REX_GOTPCRELX
#define R_X86_64_REX_GOTPCRELX 42
#endif

/* Non-zero when a relocation of this type needs a GOT slot. */
u32 rax_reloc_needs_got(u32 type)
{
	return type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX ||
	       type == R_X86_64_REX_GOTPCRELX;
}

static int rax_reloc_symbol(const struct rax_ioc_reloc *r,
			    const struct rax_placed_section *secs, u32 sec_cnt,
			    const struct rax_stub_entries *stub, unsigned long *out)
{
	switch (r->sym_kind) {
	case RAX_RELOC_SYM_SECTION:
		if (r->sym_index >= sec_cnt || r->sym_value > secs[r->sym_index].size)
			return -EINVAL;
		*out = secs[r->sym_index].addr + r->sym_value;
		return 0;
	case RAX_RELOC_SYM_HELPER:
		if (r->sym_value)
			return -EINVAL;
		*out = rax_helper_addr(r->sym_index);
		if (stub->lookup_ptr && *out == (unsigned long)rax_map_lookup_ptr)
			*out = stub->lookup_ptr;
		else if (stub->lookup_raw && *out == (unsigned long)rax_map_lookup_raw)
			*out = stub->lookup_raw;
		return *out ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

static int rax_put_pcrel32(u8 *field, s64 value)
{
	if (value < S32_MIN || value > S32_MAX)
		return -ERANGE;
	put_unaligned((s32)value, (s32 *)field);
	return 0;
}

/*
 * "mov sym@GOTPCREL(%rip), %reg64" (R_X86_64_REX_GOTPCRELX) becomes
 * "lea sym(%rip), %reg64" when sym is in reach, as linkers relax it: one
 * load and the GOT's page less per use (programs reach map definitions
 * this way).  Only that exact form; anything else keeps its GOT slot.
 */
static bool rax_reloc_relax_mov(const struct rax_ioc_reloc *r, u8 *field, unsigned long sym,
				unsigned long place)
{
	s64 disp = (s64)(sym - place) + r->addend;
	u8 *insn = field - 3;	/* REX.W, opcode, ModRM */

	if (r->type != R_X86_64_REX_GOTPCRELX || r->offset < 3)
		return false;
	if ((insn[0] & 0xf8) != 0x48 || insn[1] != 0x8b || (insn[2] & 0xc7) != 0x05)
		return false;
	if (disp < S32_MIN || disp > S32_MAX)
		return false;
	insn[1] = 0x8d;
	put_unaligned((s32)disp, (s32 *)field);
	return true;
}

int rax_reloc_apply(const struct rax_ioc_reloc *r, struct rax_placed_section *secs,
		    u32 sec_cnt, struct rax_got *got, const struct rax_stub_entries *stub)
{
	const struct rax_placed_section *t;
	unsigned long sym, place;
	u32 width;
	u8 *field;
	int err;

	if (r->section >= sec_cnt)
		return -EINVAL;
	t = &secs[r->section];
	if (!t->stage)		/* NOBITS: nothing to patch */
		return -EINVAL;

	switch (r->type) {
	case R_X86_64_64:
		width = 8;
		break;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
	case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX:
	case R_X86_64_REX_GOTPCRELX:
		width = 4;
		break;
	default:
		return -EINVAL;
	}
	if (t->size < width || r->offset > t->size - width)
		return -EINVAL;

	err = rax_reloc_symbol(r, secs, sec_cnt, stub, &sym);
	if (err)
		return err;
	field = t->stage + r->offset;
	place = t->addr + r->offset;

	switch (r->type) {
	case R_X86_64_64:
		put_unaligned((u64)(sym + r->addend), (u64 *)field);
		return 0;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		return rax_put_pcrel32(field, (s64)(sym - place) + r->addend);
	default:
		if (rax_reloc_relax_mov(r, field, sym, place))
			return 0;
		/* One GOT slot per relocation: GOT relocations are rare. */
		if (got->used >= got->cap)
			return -EINVAL;
		got->stage[got->used] = sym;
		err = rax_put_pcrel32(field, (s64)(got->addr + got->used * 8 - place) +
					     r->addend);
		got->used++;
		return err;
	}
}
