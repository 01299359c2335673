// SPDX-License-Identifier: GPL-2.0
/*
 * Per-object lookup stubs: machine code placed after an object's code that
 * answers the lookup helpers for the object's own maps without entering
 * rax.ko, as JITed eBPF inlines its map lookups.  The loader points the
 * object's calls of rax_map_lookup_ptr and rax_map_lookup_raw at the stub's
 * two entries; a definition the stub does not know goes on to the helper,
 * which checks it as always.
 *
 * Each entry compares the definition pointer with the object's own
 * definitions (so it only ever resolves the running object's maps):
 *   rax_map_lookup_raw, for hash maps the loader gave a value offset (abi.h,
 *     inline_lookup): tail jump to the hash maps' element search with the
 *     map, which returns straight to the program (it adds the offset);
 *   rax_map_lookup_ptr, for maps programs may read and write:
 *     ARRAY: bounds check, then the index mask, as the kernel's array lookup;
 *     HASH:  call of the element search, NULL test, value offset; only for
 *            objects that do not take Rax locks (a hash value a lock is
 *            taken in must be one the helper remembered).
 * The raw entry is first, with room for a compare per map, so both entries
 * are known from the map count alone (relocation comes before maps bind).
 * The stub holds no kernel state: it lies in the text arena, so the watchdog
 * and the fault handler treat it as program code and may end the run there.
 */
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/static_call.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#include "rax_internal.h"

/* cmp $imm32, %rdi; je rel32 */
#define RAX_STUB_CMP 13u
/* Cases: ARRAY and HASH of the pointer entry, HASH of the raw entry. */
#define RAX_STUB_ARRAY_CASE 39u
#define RAX_STUB_HASH_CASE 27u
#define RAX_STUB_RAW_CASE 15u
/* Per map: a compare in each entry, its largest pointer case, a raw case. */
#define RAX_STUB_PER_MAP (2 * RAX_STUB_CMP + RAX_STUB_ARRAY_CASE + RAX_STUB_RAW_CASE)
/* The jumps to the two helpers and the NULL return. */
#define RAX_STUB_FIXED (5u + 5u + 3u)

struct rax_stub_buf {
	u8 *p;
	unsigned long at;	/* final address of p */
	u8 *end;
};

/* Offset of the pointer entry: after the raw entry's compares and jump. */
static size_t rax_stub_ptr_entry_off(u32 map_cnt)
{
	return (size_t)map_cnt * RAX_STUB_CMP + 5;
}

void rax_stub_entries(unsigned long at, u32 map_cnt, struct rax_stub_entries *out)
{
	out->lookup_raw = at;
	out->lookup_ptr = at + rax_stub_ptr_entry_off(map_cnt);
}

size_t rax_stub_size(u32 map_cnt)
{
	if (!map_cnt || map_cnt > RAX_STUB_MAX_MAPS)
		return 0;
	return ALIGN(map_cnt * RAX_STUB_PER_MAP + RAX_STUB_FIXED, 16);
}

static void rax_stub_bytes(struct rax_stub_buf *b, const void *bytes, size_t n)
{
	if (WARN_ON_ONCE(b->end - b->p < (long)n))
		return;
	memcpy(b->p, bytes, n);
	b->p += n;
	b->at += n;
}

static void rax_stub_u32(struct rax_stub_buf *b, u32 v)
{
	rax_stub_bytes(b, &v, sizeof(v));
}

/* A rel32 at from can reach target. */
static bool rax_stub_reach(unsigned long from, unsigned long target)
{
	s64 d = (s64)(target - from);

	return d >= S32_MIN && d <= S32_MAX;
}

static void rax_stub_rel32(struct rax_stub_buf *b, unsigned long target)
{
	rax_stub_u32(b, (u32)(s32)(s64)(target - (b->at + 4)));
}

/* An address usable as a sign-extended 32-bit immediate. */
static bool rax_stub_imm32_ok(unsigned long addr)
{
	return (long)addr == (long)(s32)addr;
}

static bool rax_stub_wanted(const struct rax_map_ref *ref, bool hash_ok)
{
	if (!ref->prog_rw || !rax_stub_imm32_ok(ref->def_addr))
		return false;
	return ref->array_value || (hash_ok && ref->hash_direct);
}

static void rax_stub_array(struct rax_stub_buf *b, const struct rax_map_ref *ref,
			   unsigned long null_at)
{
	static const u8 load_index[] = { 0x8b, 0x06 };		/* mov (%rsi), %eax */
	static const u8 cmp_eax[] = { 0x3d };			/* cmp $imm32, %eax */
	static const u8 jae[] = { 0x0f, 0x83 };			/* jae rel32 */
	static const u8 and_eax[] = { 0x25 };			/* and $imm32, %eax */
	static const u8 imul[] = { 0x48, 0x69, 0xc0 };		/* imul $imm32, %rax, %rax */
	static const u8 movabs_rdx[] = { 0x48, 0xba };		/* movabs $imm64, %rdx */
	static const u8 add_ret[] = { 0x48, 0x01, 0xd0, 0xc3 };	/* add %rdx, %rax; ret */
	u64 base = (u64)(unsigned long)ref->array_value;

	rax_stub_bytes(b, load_index, sizeof(load_index));
	rax_stub_bytes(b, cmp_eax, sizeof(cmp_eax));
	rax_stub_u32(b, ref->max_entries);
	rax_stub_bytes(b, jae, sizeof(jae));
	rax_stub_rel32(b, null_at);
	rax_stub_bytes(b, and_eax, sizeof(and_eax));
	rax_stub_u32(b, ref->index_mask);
	rax_stub_bytes(b, imul, sizeof(imul));
	rax_stub_u32(b, ref->elem_size);
	rax_stub_bytes(b, movabs_rdx, sizeof(movabs_rdx));
	rax_stub_bytes(b, &base, sizeof(base));
	rax_stub_bytes(b, add_ret, sizeof(add_ret));
}

static void rax_stub_hash(struct rax_stub_buf *b, const struct rax_map_ref *ref,
			  unsigned long search)
{
	static const u8 movabs_rdi[] = { 0x48, 0xbf };		/* movabs $imm64, %rdi */
	static const u8 call[] = { 0xe8 };			/* call rel32 */
	/* test %rax, %rax; je +6; add $imm32, %rax */
	static const u8 test_je_add[] = { 0x48, 0x85, 0xc0, 0x74, 0x06, 0x48, 0x05 };
	static const u8 ret[] = { 0xc3 };
	u64 map = (u64)(unsigned long)ref->map;

	rax_stub_bytes(b, movabs_rdi, sizeof(movabs_rdi));
	rax_stub_bytes(b, &map, sizeof(map));
	rax_stub_bytes(b, call, sizeof(call));
	rax_stub_rel32(b, search);
	rax_stub_bytes(b, test_je_add, sizeof(test_je_add));
	rax_stub_u32(b, ref->hash_value_off);
	rax_stub_bytes(b, ret, sizeof(ret));
}

/* The raw entry's case: the element search returns to the program. */
static void rax_stub_raw(struct rax_stub_buf *b, const struct rax_map_ref *ref,
			 unsigned long search)
{
	static const u8 movabs_rdi[] = { 0x48, 0xbf };		/* movabs $imm64, %rdi */
	static const u8 jmp[] = { 0xe9 };			/* jmp rel32 */
	u64 map = (u64)(unsigned long)ref->map;

	rax_stub_bytes(b, movabs_rdi, sizeof(movabs_rdi));
	rax_stub_bytes(b, &map, sizeof(map));
	rax_stub_bytes(b, jmp, sizeof(jmp));
	rax_stub_rel32(b, search);
}

static void rax_stub_cmp(struct rax_stub_buf *b, const struct rax_map_ref *ref,
			 unsigned long case_at)
{
	static const u8 cmp_rdi[] = { 0x48, 0x81, 0xff };	/* cmp $imm32, %rdi */
	static const u8 je[] = { 0x0f, 0x84 };			/* je rel32 */

	rax_stub_bytes(b, cmp_rdi, sizeof(cmp_rdi));
	rax_stub_u32(b, (u32)ref->def_addr);
	rax_stub_bytes(b, je, sizeof(je));
	rax_stub_rel32(b, case_at);
}

void rax_stub_emit(u8 *buf, size_t size, unsigned long at, const struct rax_object *obj,
		   bool hash_ok)
{
	static const u8 jmp[] = { 0xe9 };			/* jmp rel32 */
	static const u8 null_ret[] = { 0x31, 0xc0, 0xc3 };	/* xor %eax, %eax; ret */
	unsigned long search = (unsigned long)static_call_query(rax_hash_lookup);
	unsigned long case_at[RAX_STUB_MAX_MAPS], raw_at[RAX_STUB_MAX_MAPS];
	unsigned long null_at, cases_at, ptr_entry;
	struct rax_stub_buf b = { .p = buf, .at = at, .end = buf + size };
	bool use[RAX_STUB_MAX_MAPS], raw[RAX_STUB_MAX_MAPS];
	u32 i, pass, n = 0;

	/* Unused room is int3 filler: size comes from rax_stub_size. */
	memset(buf, 0xcc, size);
	if (WARN_ON_ONCE(obj->map_cnt > RAX_STUB_MAX_MAPS))
		return;
	for (i = 0; i < obj->map_cnt; i++) {
		const struct rax_map_ref *ref = &obj->maps[i];
		/* A jump from anywhere in the stub must reach the search. */
		bool search_ok = search && rax_stub_reach(at, search) &&
				 rax_stub_reach(at + size, search);

		use[i] = rax_stub_wanted(ref, hash_ok) && (ref->array_value || search_ok);
		raw[i] = ref->hash_inline && rax_stub_imm32_ok(ref->def_addr) && search_ok;
		n += use[i];
	}
	ptr_entry = at + rax_stub_ptr_entry_off(obj->map_cnt);
	/* Cases follow the pointer entry's compares, its jump and the NULL return. */
	cases_at = ptr_entry + n * RAX_STUB_CMP + sizeof(jmp) + 4 + sizeof(null_ret);
	null_at = cases_at - sizeof(null_ret);
	for (i = 0; i < obj->map_cnt; i++) {
		if (use[i]) {
			case_at[i] = cases_at;
			cases_at += obj->maps[i].array_value ? RAX_STUB_ARRAY_CASE
							     : RAX_STUB_HASH_CASE;
		}
		if (raw[i]) {
			raw_at[i] = cases_at;
			cases_at += RAX_STUB_RAW_CASE;
		}
	}

	/* The raw entry. */
	for (i = 0; i < obj->map_cnt; i++)
		if (raw[i])
			rax_stub_cmp(&b, &obj->maps[i], raw_at[i]);
	rax_stub_bytes(&b, jmp, sizeof(jmp));
	rax_stub_rel32(&b, (unsigned long)rax_map_lookup_raw);

	/*
	 * The pointer entry.  Hash maps compared first: code built with the
	 * rax crate indexes read-write arrays itself (abi.h, inline_lookup).
	 */
	b.p = buf + (ptr_entry - at);
	b.at = ptr_entry;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < obj->map_cnt; i++) {
			bool is_array = obj->maps[i].array_value;

			if (use[i] && is_array == (pass == 1))
				rax_stub_cmp(&b, &obj->maps[i], case_at[i]);
		}
	}
	rax_stub_bytes(&b, jmp, sizeof(jmp));
	rax_stub_rel32(&b, (unsigned long)rax_map_lookup_ptr);
	rax_stub_bytes(&b, null_ret, sizeof(null_ret));

	for (i = 0; i < obj->map_cnt; i++) {
		if (use[i]) {
			WARN_ON_ONCE(b.at != case_at[i]);
			if (obj->maps[i].array_value)
				rax_stub_array(&b, &obj->maps[i], null_at);
			else
				rax_stub_hash(&b, &obj->maps[i], search);
		}
		if (raw[i]) {
			WARN_ON_ONCE(b.at != raw_at[i]);
			rax_stub_raw(&b, &obj->maps[i], search);
		}
	}
}
