// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The in-process loader: creates an object's maps, lays its loaded
 * sections out in one W^X image, relocates them, binds helper imports
 * through PLT stubs and fills the map definitions' inline_lookup.
 *
 * The image is ONE reservation smaller than 2 GiB, so every PC-relative
 * reference between code, GOT and data fits a signed 32-bit displacement;
 * helpers live in librax, which may be anywhere, hence the stubs.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "librax_internal.h"
#include "runtime_inproc.h"

/*
 * PLT stub: mov slot(%rip), %r11; jmp *thunk_slot(%rip), padded with int3.
 * Every helper call goes through rax_helper_thunk (helper depth and the
 * watchdog's terminate request).  One more stub after the imports jumps
 * to the recursion entry check.
 */
#define RAX_PLT_STUB_SIZE 16u
/* The runtime's GOT slots, after the imports and GOTPCREL targets. */
#define RAX_GOT_RUNTIME_SLOTS 2u
/* The pad -Z patchable-function-entry=5 emits: nopl 0x8(%rax,%rax,1). */
static const __u8 rax_entry_pad[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x08 };
#define RAX_IMAGE_MAX (2ull << 30)

/* Where a section goes. */
enum rax_range {
	RAX_RANGE_NONE,
	RAX_RANGE_TEXT,
	RAX_RANGE_RODATA,
	RAX_RANGE_DATA,
};

struct rax_layout {
	size_t *sec_off;	/* offset of each section in the image */
	enum rax_range *sec_range;
	int *got_idx;		/* by symbol index: GOT slot, or -1 */
	size_t got_cnt;		/* without the runtime's slots */
	size_t plt_off, got_off;
};

static size_t rax_align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static bool rax_is_relro(const char *name)
{
	/* Written only by relocation: read-only afterwards, like RELRO. */
	return name && !strncmp(name, ".data.rel.ro", strlen(".data.rel.ro"));
}

static const char *rax_reloc_name(__u32 type)
{
	switch (type) {
	case R_X86_64_64: return "R_X86_64_64";
	case R_X86_64_PC32: return "R_X86_64_PC32";
	case R_X86_64_PLT32: return "R_X86_64_PLT32";
	case R_X86_64_GOTPCREL: return "R_X86_64_GOTPCREL";
	case R_X86_64_GOTPCRELX: return "R_X86_64_GOTPCRELX";
	case R_X86_64_REX_GOTPCRELX: return "R_X86_64_REX_GOTPCRELX";
	default: return "unsupported relocation";
	}
}

static bool rax_reloc_is_got(__u32 type)
{
	return type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX ||
	       type == R_X86_64_REX_GOTPCRELX;
}

static const char *rax_sym_name(const struct rax_elf *e, const struct rax_elf_symbol *sym)
{
	if (sym->name && sym->name[0])
		return sym->name;
	if (sym->shndx != SHN_UNDEF && sym->shndx < e->sec_cnt && e->secs[sym->shndx].name)
		return e->secs[sym->shndx].name;	/* section symbol */
	return "?";
}

/* ---- Maps ----------------------------------------------------------------------- */
static void rax_inproc_maps_destroy(struct rax_object *obj)
{
	size_t i;

	for (i = 0; i < obj->map_cnt; i++) {
		struct rax_map *map = &obj->maps[i];

		if (map->fd >= 0)
			rax_handle_close(map->fd);
		map->fd = -1;
		rax_umap_free(map->umap);
		map->umap = NULL;
	}
}

static int rax_inproc_maps_create(struct rax_object *obj)
{
	size_t i;
	int err;

	for (i = 0; i < obj->map_cnt; i++) {
		struct rax_map *map = &obj->maps[i];

		map->fd = -1;
		err = 0;
		if (map->def.type == RAX_MAP_TYPE_PERF_EVENT_ARRAY) {
			/* perf rings are the kernel's; a process has none to offer */
			pr_warn("map '%s': perf event arrays need the kernel backend (rax.ko)\n",
				map->name);
			return -EOPNOTSUPP;
		}
		map->umap = rax_umap_create(&map->def, map->name, &err);
		if (!map->umap) {
			err = err ? err : -ENOMEM;
			pr_warn("map '%s': cannot create: %s\n", map->name, strerror(-err));
			return err;
		}
		map->fd = rax_handle_new(RAX_HANDLE_MAP, map, map->name);
		if (map->fd < 0) {
			err = map->fd;
			map->fd = -1;
			pr_warn("map '%s': cannot create a handle: %s\n", map->name,
				strerror(-err));
			return err;
		}
	}
	return 0;
}

/* ---- Layout ---------------------------------------------------------------------- */
static size_t rax_place(struct rax_layout *l, const struct rax_elf *e, enum rax_range range,
			size_t off, bool (*want)(const struct rax_elf_section *))
{
	size_t i;

	for (i = 0; i < e->sec_cnt; i++) {
		const struct rax_elf_section *s = &e->secs[i];

		if (!s->loaded || !want(s))
			continue;
		off = rax_align_up(off, s->align > 1 ? s->align : 1);
		l->sec_off[i] = off;
		l->sec_range[i] = range;
		off += s->size;
	}
	return off;
}

static bool rax_want_text(const struct rax_elf_section *s)
{
	return s->flags & SHF_EXECINSTR;
}

static bool rax_want_rodata(const struct rax_elf_section *s)
{
	return !(s->flags & SHF_EXECINSTR) &&
	       (!(s->flags & SHF_WRITE) || rax_is_relro(s->name));
}

static bool rax_want_data(const struct rax_elf_section *s)
{
	return !(s->flags & SHF_EXECINSTR) && (s->flags & SHF_WRITE) && !rax_is_relro(s->name);
}

static int rax_layout_check_sections(const struct rax_elf *e)
{
	size_t i;

	for (i = 0; i < e->sec_cnt; i++) {
		const struct rax_elf_section *s = &e->secs[i];

		if (!s->loaded)
			continue;
		if ((s->flags & SHF_EXECINSTR) && (s->flags & SHF_WRITE)) {
			pr_warn("section '%s': writable and executable\n", s->name);
			return -EINVAL;
		}
		if (s->align & (s->align - 1)) {
			pr_warn("section '%s': alignment %llu is not a power of two\n",
				s->name, (unsigned long long)s->align);
			return -EINVAL;
		}
		if (s->align > 4096) {
			pr_warn("section '%s': alignment %llu exceeds a page\n",
				s->name, (unsigned long long)s->align);
			return -EINVAL;
		}
		if (s->size >= RAX_IMAGE_MAX) {
			pr_warn("section '%s': too large\n", s->name);
			return -E2BIG;
		}
	}
	return 0;
}

/* One GOT slot per import (also the PLT stub's slot), then per GOTPCREL target. */
static int rax_layout_got(struct rax_layout *l, const struct rax_elf *e)
{
	size_t i;

	for (i = 0; i < e->sym_cnt; i++)
		l->got_idx[i] = e->syms[i].shndx == SHN_UNDEF ? e->syms[i].import_idx : -1;
	l->got_cnt = e->import_cnt;
	for (i = 0; i < e->reloc_cnt; i++) {
		const struct rax_elf_reloc *r = &e->relocs[i];

		if (!rax_reloc_is_got(r->type) || r->sym >= e->sym_cnt)
			continue;
		if (l->got_idx[r->sym] < 0)
			l->got_idx[r->sym] = (int)l->got_cnt++;
	}
	return 0;
}

static int rax_layout_compute(struct rax_layout *l, struct rax_inproc_image *img,
			      const struct rax_elf *e, size_t page)
{
	size_t off;
	int err;

	err = rax_layout_check_sections(e);
	if (err)
		return err;
	err = rax_layout_got(l, e);
	if (err)
		return err;

	off = rax_place(l, e, RAX_RANGE_TEXT, 0, rax_want_text);
	l->plt_off = rax_align_up(off, 16);
	off = l->plt_off + (e->import_cnt + 1) * RAX_PLT_STUB_SIZE;
	img->text_size = rax_align_up(off, page);

	img->rodata_off = img->text_size;
	off = rax_place(l, e, RAX_RANGE_RODATA, img->rodata_off, rax_want_rodata);
	l->got_off = rax_align_up(off, 8);
	off = l->got_off + (l->got_cnt + RAX_GOT_RUNTIME_SLOTS) * sizeof(__u64);
	img->rodata_size = rax_align_up(off, page) - img->rodata_off;

	img->data_off = img->rodata_off + img->rodata_size;
	off = rax_place(l, e, RAX_RANGE_DATA, img->data_off, rax_want_data);
	img->data_size = rax_align_up(off, page) - img->data_off;

	img->size = img->data_off + img->data_size;
	if (img->size >= RAX_IMAGE_MAX) {
		pr_warn("image of %zu bytes exceeds the 2 GiB a PC32 reach allows\n", img->size);
		return -E2BIG;
	}
	return 0;
}

/* ---- Relocation ------------------------------------------------------------------- */
static int rax_sym_addr(const struct rax_elf *e, const struct rax_inproc_image *img,
			__u32 idx, __u64 *addr)
{
	const struct rax_elf_symbol *sym = &e->syms[idx];

	if (sym->shndx == SHN_UNDEF) {
		if (sym->import_idx < 0 || (size_t)sym->import_idx >= e->import_cnt) {
			pr_warn("symbol '%s': undefined and not a helper import\n",
				rax_sym_name(e, sym));
			return -EINVAL;
		}
		*addr = (__u64)(uintptr_t)img->plt + (__u64)sym->import_idx * RAX_PLT_STUB_SIZE;
		return 0;
	}
	if (sym->shndx >= e->sec_cnt || !img->sec_addr[sym->shndx]) {
		pr_warn("symbol '%s': not in a loaded section\n", rax_sym_name(e, sym));
		return -EINVAL;
	}
	if (sym->value > e->secs[sym->shndx].size) {
		pr_warn("symbol '%s': outside its section\n", rax_sym_name(e, sym));
		return -EINVAL;
	}
	*addr = img->sec_addr[sym->shndx] + sym->value;
	return 0;
}

static int rax_reloc_apply(const struct rax_elf *e, const struct rax_inproc_image *img,
			   const struct rax_layout *l, size_t idx)
{
	const struct rax_elf_reloc *r = &e->relocs[idx];
	const struct rax_elf_section *s;
	size_t width = r->type == R_X86_64_64 ? 8 : 4;
	__u64 S, P, val;
	__s64 disp;
	int32_t disp32;
	int err;

	if (r->target_shndx >= e->sec_cnt || !img->sec_addr[r->target_shndx] ||
	    r->sym >= e->sym_cnt) {
		pr_warn("relocation %zu: target section or symbol out of range\n", idx);
		return -EINVAL;
	}
	s = &e->secs[r->target_shndx];
	if (!s->data || r->offset > s->size || s->size - r->offset < width) {
		pr_warn("relocation %zu (%s at %s+0x%llx): outside its section\n", idx,
			rax_reloc_name(r->type), s->name, (unsigned long long)r->offset);
		return -EINVAL;
	}
	P = img->sec_addr[r->target_shndx] + r->offset;

	switch (r->type) {
	case R_X86_64_64:
		err = rax_sym_addr(e, img, r->sym, &S);
		if (err)
			return err;
		val = S + (__u64)r->addend;
		memcpy((void *)(uintptr_t)P, &val, sizeof(val));
		return 0;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		err = rax_sym_addr(e, img, r->sym, &S);
		if (err)
			return err;
		disp = (__s64)(S + (__u64)r->addend - P);
		break;
	case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX:
	case R_X86_64_REX_GOTPCRELX:
		if (l->got_idx[r->sym] < 0)
			return -EINVAL;	/* cannot happen: rax_layout_got() saw it */
		S = (__u64)(uintptr_t)&img->got[l->got_idx[r->sym]];
		disp = (__s64)(S + (__u64)r->addend - P);
		break;
	default:
		pr_warn("relocation %zu at %s+0x%llx: type %u is not allowed\n", idx, s->name,
			(unsigned long long)r->offset, r->type);
		return -EINVAL;
	}
	if (disp < INT32_MIN || disp > INT32_MAX) {
		pr_warn("relocation %zu (%s at %s+0x%llx against '%s'): displacement %lld does not fit 32 bits\n",
			idx, rax_reloc_name(r->type), s->name, (unsigned long long)r->offset,
			rax_sym_name(e, &e->syms[r->sym]), (long long)disp);
		return -ERANGE;
	}
	disp32 = (int32_t)disp;
	memcpy((void *)(uintptr_t)P, &disp32, sizeof(disp32));
	return 0;
}

/* GOT slots hold absolute addresses: helpers for imports, the symbol otherwise. */
static int rax_got_fill(const struct rax_elf *e, struct rax_inproc_image *img,
			const struct rax_layout *l)
{
	size_t i;
	int err;

	for (i = 0; i < e->import_cnt; i++) {
		void *fn = rax_inproc_helper_addr(e->imports[i]);

		if (!fn) {
			pr_warn("import '%s': no such helper in the in-process runtime\n",
				e->imports[i]);
			return -ENOENT;
		}
		img->got[i] = (__u64)(uintptr_t)fn;
	}
	for (i = 0; i < e->sym_cnt; i++) {
		__u64 addr;

		if (l->got_idx[i] < 0 || e->syms[i].shndx == SHN_UNDEF)
			continue;
		err = rax_sym_addr(e, img, (__u32)i, &addr);
		if (err)
			return err;
		img->got[l->got_idx[i]] = addr;
	}
	img->got[l->got_cnt] = (__u64)(uintptr_t)rax_helper_thunk;
	img->got[l->got_cnt + 1] = (__u64)(uintptr_t)rax_stack_check;
	return 0;
}

static void rax_stub_jmp_slot(__u8 *at, const __u64 *slot)
{
	/* the whole image is < 2 GiB: the displacement fits */
	int32_t disp = (int32_t)((intptr_t)slot - (intptr_t)(at + 6));

	at[0] = 0xff;		/* jmp *disp32(%rip) */
	at[1] = 0x25;
	memcpy(at + 2, &disp, sizeof(disp));
}

static __u8 *rax_stack_check_stub(const struct rax_elf *e, const struct rax_inproc_image *img)
{
	return img->plt + e->import_cnt * RAX_PLT_STUB_SIZE;
}

static void rax_plt_fill(const struct rax_elf *e, struct rax_inproc_image *img,
			 const struct rax_layout *l)
{
	const __u64 *thunk_slot = &img->got[l->got_cnt];
	__u8 *stub;
	size_t i;

	for (i = 0; i < e->import_cnt; i++) {
		int32_t disp;

		stub = img->plt + i * RAX_PLT_STUB_SIZE;
		memset(stub, 0xcc, RAX_PLT_STUB_SIZE);	/* int3 padding */
		disp = (int32_t)((intptr_t)&img->got[i] - (intptr_t)(stub + 7));
		stub[0] = 0x4c;		/* mov disp32(%rip), %r11 */
		stub[1] = 0x8b;
		stub[2] = 0x1d;
		memcpy(stub + 3, &disp, sizeof(disp));
		rax_stub_jmp_slot(stub + 7, thunk_slot);
	}
	stub = rax_stack_check_stub(e, img);
	memset(stub, 0xcc, RAX_PLT_STUB_SIZE);
	rax_stub_jmp_slot(stub, &img->got[l->got_cnt + 1]);
}

/* True when some program of @obj has function @name in a recursive cycle. */
static bool rax_func_is_checked(const struct rax_object *obj, const char *name)
{
	size_t i, j;

	for (i = 0; i < obj->prog_cnt; i++) {
		size_t cnt = rax_program__checked_func_cnt(&obj->progs[i]);

		for (j = 0; j < cnt; j++) {
			const char *f = rax_program__checked_func(&obj->progs[i], j);

			if (f && !strcmp(f, name))
				return true;
		}
	}
	return false;
}

static const char *rax_func_at(const struct rax_elf *e, __u32 shndx, __u64 off)
{
	size_t i;

	for (i = 0; i < e->sym_cnt; i++) {
		const struct rax_elf_symbol *sym = &e->syms[i];

		if (sym->type == STT_FUNC && sym->shndx == shndx && sym->value == off &&
		    sym->name && sym->name[0])
			return sym->name;
	}
	return NULL;
}

/*
 * The recursion entry check: write "call <stack-check stub>" over the
 * entry pad of every function the gate found in a recursive cycle.
 */
static int rax_patch_entries(struct rax_object *obj, struct rax_inproc_image *img)
{
	const struct rax_elf *e = &obj->elf;
	__u8 *stub = rax_stack_check_stub(e, img);
	size_t i;

	for (i = 0; i < e->patch_site_cnt; i++) {
		const struct rax_elf_patch_site *ps = &e->patch_sites[i];
		const char *name;
		int32_t disp;
		__u8 *at;

		if (ps->shndx >= e->sec_cnt || !img->sec_addr[ps->shndx] ||
		    ps->offset > e->secs[ps->shndx].size ||
		    e->secs[ps->shndx].size - ps->offset < sizeof(rax_entry_pad))
			continue;
		name = rax_func_at(e, ps->shndx, ps->offset);
		if (!name || !rax_func_is_checked(obj, name))
			continue;
		at = (__u8 *)(uintptr_t)(img->sec_addr[ps->shndx] + ps->offset);
		if (memcmp(at, rax_entry_pad, sizeof(rax_entry_pad))) {
			pr_warn("object '%s': function '%s' needs the recursion check but its entry pad was changed\n",
				obj->name, name);
			return -EINVAL;
		}
		disp = (int32_t)((intptr_t)stub - (intptr_t)(at + 5));
		at[0] = 0xe8;	/* call rel32 */
		memcpy(at + 1, &disp, sizeof(disp));
		img->patched_cnt++;
	}
	return 0;
}

/*
 * What the crate may look up without a helper (abi.h, inline_lookup):
 * element 0 of an ARRAY map programs may read and write; 0 for the rest
 * (in-process hash maps always take the helper).
 */
static __u64 rax_inline_lookup_of(const struct rax_map *map)
{
	const __u32 index = 0;

	if (map->def.type != RAX_MAP_TYPE_ARRAY ||
	    (map->def.map_flags & (RAX_F_RDONLY_PROG | RAX_F_WRONLY_PROG)))
		return 0;
	return (__u64)(uintptr_t)rax_umap_lookup_ptr(map->umap, &index);
}

static int rax_map_slots_fill(struct rax_object *obj, struct rax_inproc_image *img)
{
	const struct rax_elf *e = &obj->elf;
	size_t i;

	if (!obj->map_cnt)
		return 0;
	if (e->maps_shndx < 0 || !img->sec_addr[e->maps_shndx]) {
		pr_warn("object '%s': maps without a loaded \"%s\" section\n", obj->name,
			RAX_SEC_MAPS);
		return -EINVAL;
	}
	img->maps_base = (__u8 *)(uintptr_t)img->sec_addr[e->maps_shndx];
	img->maps_size = e->secs[e->maps_shndx].size;
	for (i = 0; i < obj->map_cnt; i++) {
		struct rax_map *map = &obj->maps[i];
		__u64 values = rax_inline_lookup_of(map);

		if (map->def_off > img->maps_size ||
		    img->maps_size - map->def_off < sizeof(struct rax_map_def)) {
			pr_warn("map '%s': definition outside \"%s\"\n", map->name, RAX_SEC_MAPS);
			return -EINVAL;
		}
		memcpy(img->maps_base + map->def_off + offsetof(struct rax_map_def, inline_lookup),
		       &values, sizeof(values));
	}
	return 0;
}

static int rax_prog_entries_fill(struct rax_object *obj, struct rax_inproc_image *img)
{
	const struct rax_elf *e = &obj->elf;
	size_t i;

	for (i = 0; i < obj->prog_cnt; i++) {
		struct rax_program *prog = &obj->progs[i];

		if (prog->shndx >= e->sec_cnt || !img->sec_addr[prog->shndx] ||
		    !(e->secs[prog->shndx].flags & SHF_EXECINSTR) ||
		    prog->sec_off >= e->secs[prog->shndx].size) {
			pr_warn("prog '%s': entry is not in loaded code\n", prog->name);
			return -EINVAL;
		}
		prog->entry = (void *)(uintptr_t)(img->sec_addr[prog->shndx] + prog->sec_off);
	}
	return 0;
}

/* ---- Image --------------------------------------------------------------------------- */
static int rax_protect(struct rax_inproc_image *img, size_t off, size_t size, int prot)
{
	if (!size)
		return 0;
	if (mprotect(img->base + off, size, prot)) {
		int err = -errno;

		pr_warn("image: mprotect failed: %s\n", strerror(-err));
		return err;
	}
	return 0;
}

static void rax_image_free(struct rax_inproc_image *img)
{
	size_t i;

	if (!img)
		return;
	if (img->base)
		munmap(img->base, img->size);
	for (i = 0; i < img->prog_cnt; i++)
		rax_inproc_prog_fini(&img->progs[i]);
	free(img->progs);
	free(img->out_seq);
	free(img->sec_addr);
	free(img);
}

static int rax_image_build(struct rax_object *obj, struct rax_inproc_image *img)
{
	const struct rax_elf *e = &obj->elf;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct rax_layout l = { 0 };
	void *base;
	size_t i;
	int err;

	l.sec_off = calloc(e->sec_cnt ? e->sec_cnt : 1, sizeof(*l.sec_off));
	l.sec_range = calloc(e->sec_cnt ? e->sec_cnt : 1, sizeof(*l.sec_range));
	l.got_idx = calloc(e->sym_cnt ? e->sym_cnt : 1, sizeof(*l.got_idx));
	img->sec_addr = calloc(e->sec_cnt ? e->sec_cnt : 1, sizeof(*img->sec_addr));
	img->sec_cnt = e->sec_cnt;
	if (!l.sec_off || !l.sec_range || !l.got_idx || !img->sec_addr) {
		err = -ENOMEM;
		goto out;
	}
	err = rax_layout_compute(&l, img, e, page);
	if (err)
		goto out;

	/* Reserve the whole image first, then open each range for writing. */
	base = mmap(NULL, img->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		err = -errno;
		pr_warn("object '%s': cannot reserve %zu bytes for the image: %s\n",
			obj->name, img->size, strerror(-err));
		goto out;
	}
	img->base = base;
	err = rax_protect(img, 0, img->size, PROT_READ | PROT_WRITE);
	if (err)
		goto out;

	img->plt = img->base + l.plt_off;
	img->got = (__u64 *)(void *)(img->base + l.got_off);
	img->got_cnt = l.got_cnt;
	for (i = 0; i < e->sec_cnt; i++) {
		const struct rax_elf_section *s = &e->secs[i];

		if (l.sec_range[i] == RAX_RANGE_NONE)
			continue;
		img->sec_addr[i] = (__u64)(uintptr_t)(img->base + l.sec_off[i]);
		/* NOBITS sections stay as mmap zeroed them */
		if (s->type != SHT_NOBITS && s->data)
			memcpy(img->base + l.sec_off[i], s->data, s->size);
	}

	err = rax_got_fill(e, img, &l);
	if (err)
		goto out;
	rax_plt_fill(e, img, &l);
	for (i = 0; i < e->reloc_cnt; i++) {
		err = rax_reloc_apply(e, img, &l, i);
		if (err)
			goto out;
	}
	err = rax_map_slots_fill(obj, img);
	if (err)
		goto out;
	err = rax_prog_entries_fill(obj, img);
	if (err)
		goto out;
	/* after relocation: a relocation never targets a pad */
	err = rax_patch_entries(obj, img);
	if (err)
		goto out;

	/* W^X: code becomes executable only once it is no longer writable. */
	err = rax_protect(img, 0, img->text_size, PROT_READ | PROT_EXEC);
	if (!err)
		err = rax_protect(img, img->rodata_off, img->rodata_size, PROT_READ);
out:
	free(l.sec_off);
	free(l.sec_range);
	free(l.got_idx);
	return err;
}

int rax_inproc_load(struct rax_object *obj)
{
	struct rax_inproc_image *img;
	size_t i;
	int err;

	if (obj->inproc)
		return -EBUSY;
	img = calloc(1, sizeof(*img));
	if (!img)
		return -ENOMEM;
	img->progs = calloc(obj->prog_cnt ? obj->prog_cnt : 1, sizeof(*img->progs));
	img->out_seq = calloc(obj->map_cnt ? obj->map_cnt : 1, sizeof(*img->out_seq));
	if (!img->progs || !img->out_seq) {
		free(img->progs);
		free(img->out_seq);
		free(img);
		return -ENOMEM;
	}
	for (; img->prog_cnt < obj->prog_cnt; img->prog_cnt++) {
		err = rax_inproc_prog_init(&img->progs[img->prog_cnt], obj->time_budget_ms);
		if (err) {
			rax_image_free(img);
			return err;
		}
	}

	err = rax_inproc_maps_create(obj);
	if (!err)
		err = rax_image_build(obj, img);
	/* Runs of this object are watched for time and faults from now on. */
	if (!err)
		err = rax_watchdog_arm();
	if (err) {
		for (i = 0; i < obj->prog_cnt; i++)
			obj->progs[i].entry = NULL;
		rax_inproc_maps_destroy(obj);
		rax_image_free(img);
		return err;
	}
	obj->inproc = img;
	for (i = 0; i < img->prog_cnt; i++)
		rax_watchdog_budget_hint(img->progs[i].budget_ns);
	pr_debug("object '%s': loaded in-process at %p (%zu bytes: text %zu, rodata %zu, data %zu; %zu entries checked)\n",
		 obj->name, (void *)img->base, img->size, img->text_size, img->rodata_size,
		 img->data_size, img->patched_cnt);
	return 0;
}

void rax_inproc_unload(struct rax_object *obj)
{
	size_t i;

	if (!obj->inproc)
		return;
	for (i = 0; i < obj->prog_cnt; i++)
		obj->progs[i].entry = NULL;
	/* Waits for a watchdog scan that may read this object's programs. */
	rax_watchdog_disarm();
	rax_inproc_maps_destroy(obj);
	rax_image_free(obj->inproc);
	obj->inproc = NULL;
}
