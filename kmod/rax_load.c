// SPDX-License-Identifier: GPL-2.0
/*
 * RAX_IOC_LOAD: copy a load request in, lay its sections out in the arenas,
 * relocate staging copies, bind the maps, then publish the bytes and hand
 * back an object fd.  Nothing reaches the arenas before every check passed.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/license.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "rax_internal.h"

#define RAX_LICENSE_MAX 128
/* -Z patchable-function-entry=5 */
#define RAX_ENTRY_PAD_LEN 5
#define RAX_SEC_F_ALL (RAX_SEC_F_EXEC | RAX_SEC_F_WRITE | RAX_SEC_F_NOBITS)

struct rax_load_ctx {
	struct rax_ioc_load req;
	struct rax_ioc_section *secs;
	struct rax_ioc_reloc *relocs;
	struct rax_ioc_prog *progs;
	struct rax_ioc_map *maps;
	struct rax_ioc_patch *patches;
	struct rax_placed_section *placed;
	u8 *text_stage;
	u8 *data_stage;
	u64 *got_stage;
	struct rax_object *obj;
	/* The lookup stub (rax_stub.c) at the end of the text, if any. */
	size_t stub_off;
	size_t stub_size;
	struct rax_stub_entries stub;
	bool stub_hash_ok;		/* no Rax lock taken: hash lookups may skip the helper */
	/* The programs' run loops (rax_run_loop.c), after the stub. */
	size_t loops_off;
};

/* Copy cnt records of urec bytes each into an array of krec-byte records. */
static void *rax_copy_records(u64 uptr, u32 cnt, u32 urec, size_t krec)
{
	void __user *src = u64_to_user_ptr(uptr);
	u8 *dst;
	u32 i;
	int err;

	if (!cnt)
		return NULL;
	if (!urec || urec > PAGE_SIZE)
		return ERR_PTR(-EINVAL);
	dst = kvcalloc(cnt, krec, GFP_KERNEL);
	if (!dst)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < cnt; i++) {
		err = copy_struct_from_user(dst + i * krec, krec, src + (size_t)i * urec, urec);
		if (err) {
			kvfree(dst);
			return ERR_PTR(err);
		}
	}
	return dst;
}

static bool rax_name_ok(const char *name)
{
	return memchr(name, '\0', RAX_OBJ_NAME_LEN) != NULL;
}

static int rax_load_copy_in(struct rax_load_ctx *lc, void __user *uarg)
{
	struct rax_ioc_load *req = &lc->req;
	u32 usize;
	void *p;
	int err;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	err = copy_struct_from_user(req, sizeof(*req), uarg, usize);
	if (err)
		return err;
	if (req->flags || req->reserved || req->abi_version != RAX_ABI_VERSION ||
	    !rax_name_ok(req->name))
		return -EINVAL;
	if (!req->section_cnt || req->section_cnt > RAX_LOAD_MAX_SECTIONS ||
	    !req->prog_cnt || req->prog_cnt > RAX_LOAD_MAX_PROGS ||
	    req->reloc_cnt > RAX_LOAD_MAX_RELOCS || req->map_cnt > RAX_LOAD_MAX_MAPS ||
	    req->patch_cnt > RAX_LOAD_MAX_PATCHES)
		return -E2BIG;

	/* One at a time: lc must never hold an error pointer (freed later). */
	p = rax_copy_records(req->sections, req->section_cnt, req->section_rec_size,
			     sizeof(*lc->secs));
	if (IS_ERR(p))
		return PTR_ERR(p);
	lc->secs = p;
	p = rax_copy_records(req->relocs, req->reloc_cnt, req->reloc_rec_size,
			     sizeof(*lc->relocs));
	if (IS_ERR(p))
		return PTR_ERR(p);
	lc->relocs = p;
	p = rax_copy_records(req->progs, req->prog_cnt, req->prog_rec_size, sizeof(*lc->progs));
	if (IS_ERR(p))
		return PTR_ERR(p);
	lc->progs = p;
	p = rax_copy_records(req->maps, req->map_cnt, req->map_rec_size, sizeof(*lc->maps));
	if (IS_ERR(p))
		return PTR_ERR(p);
	lc->maps = p;
	p = rax_copy_records(req->patches, req->patch_cnt, req->patch_rec_size,
			     sizeof(*lc->patches));
	if (IS_ERR(p))
		return PTR_ERR(p);
	lc->patches = p;
	return 0;
}

static int rax_load_license(struct rax_load_ctx *lc)
{
	char *lic;
	long n;

	if (!lc->req.license) {
		lc->obj->gpl = false;
		return 0;
	}
	lic = kmalloc(RAX_LICENSE_MAX, GFP_KERNEL);
	if (!lic)
		return -ENOMEM;
	n = strncpy_from_user(lic, u64_to_user_ptr(lc->req.license), RAX_LICENSE_MAX);
	if (n < 0 || n >= RAX_LICENSE_MAX) {
		kfree(lic);
		return n < 0 ? n : -EINVAL;
	}
	lc->obj->gpl = license_is_gpl_compatible(lic);
	kfree(lic);
	return 0;
}

static bool rax_sec_in_text(const struct rax_ioc_section *s)
{
	/* Code and read-only data: the arena is never writable. */
	return !(s->flags & RAX_SEC_F_WRITE);
}

/* Validate sections, compute each one's offset in its arena and the sizes. */
static int rax_load_layout(struct rax_load_ctx *lc, u32 got_slots, size_t *text_size,
			   size_t *data_size, size_t *text_align, size_t *data_align)
{
	u64 text_off = 0, data_off = 0;
	u32 i;

	lc->placed = kvcalloc(lc->req.section_cnt, sizeof(*lc->placed), GFP_KERNEL);
	if (!lc->placed)
		return -ENOMEM;
	*text_align = RAX_ARENA_GRAIN;
	*data_align = RAX_ARENA_GRAIN;
	for (i = 0; i < lc->req.section_cnt; i++) {
		const struct rax_ioc_section *s = &lc->secs[i];
		u64 align = s->align ? s->align : 1;
		u64 *off;

		if ((s->flags & ~RAX_SEC_F_ALL) ||
		    ((s->flags & RAX_SEC_F_EXEC) && (s->flags & RAX_SEC_F_WRITE)) ||
		    ((s->flags & RAX_SEC_F_NOBITS) && s->data) ||
		    (!(s->flags & RAX_SEC_F_NOBITS) && s->size && !s->data) ||
		    !is_power_of_2(align) || align > PAGE_SIZE)
			return -EINVAL;
		if (s->size > max(RAX_TEXT_ARENA_SIZE, RAX_DATA_ARENA_SIZE))
			return -E2BIG;
		if (rax_sec_in_text(s)) {
			off = &text_off;
			*text_align = max_t(size_t, *text_align, align);
		} else {
			off = &data_off;
			*data_align = max_t(size_t, *data_align, align);
		}
		*off = ALIGN(*off, align);
		lc->placed[i].addr = *off;	/* an offset until the arenas are known */
		lc->placed[i].size = s->size;
		lc->placed[i].flags = s->flags;
		*off += s->size;
		if (text_off > RAX_TEXT_ARENA_SIZE || data_off > RAX_DATA_ARENA_SIZE)
			return -E2BIG;
	}
	text_off = ALIGN(text_off, 8);
	*text_size = text_off + (u64)got_slots * 8;
	*data_size = data_off;
	return 0;
}

/* Give every section its final address and its bytes in the staging copy. */
static int rax_load_stage(struct rax_load_ctx *lc, size_t got_off)
{
	struct rax_object *obj = lc->obj;
	u32 i;

	if (obj->text_size) {
		lc->text_stage = kvmalloc(obj->text_size, GFP_KERNEL);
		if (!lc->text_stage)
			return -ENOMEM;
		memset(lc->text_stage, 0xcc, obj->text_size);
	}
	if (obj->data_size) {
		lc->data_stage = kvzalloc(obj->data_size, GFP_KERNEL);
		if (!lc->data_stage)
			return -ENOMEM;
	}
	lc->got_stage = (u64 *)(lc->text_stage + got_off);

	for (i = 0; i < lc->req.section_cnt; i++) {
		const struct rax_ioc_section *s = &lc->secs[i];
		struct rax_placed_section *p = &lc->placed[i];
		bool text = rax_sec_in_text(s);
		u8 *stage = (text ? lc->text_stage : lc->data_stage) + p->addr;

		p->addr += text ? obj->text_addr : obj->data_addr;
		if (s->flags & RAX_SEC_F_NOBITS) {
			if (s->size)
				memset(stage, 0, s->size);
			continue;
		}
		p->stage = stage;
		if (s->size && copy_from_user(stage, u64_to_user_ptr(s->data), s->size))
			return -EFAULT;
	}
	return 0;
}

static int rax_load_relocate(struct rax_load_ctx *lc, u32 got_slots, size_t got_off)
{
	struct rax_got got = {
		.addr = lc->obj->text_addr + got_off,
		.stage = lc->got_stage,
		.cap = got_slots,
	};
	u32 i;
	int err;

	for (i = 0; i < lc->req.reloc_cnt; i++) {
		const struct rax_ioc_reloc *r = &lc->relocs[i];

		if (r->sym_kind == RAX_RELOC_SYM_HELPER &&
		    rax_helper_gpl_only(r->sym_index) && !lc->obj->gpl)
			return -EPERM;
		err = rax_reloc_apply(r, lc->placed, lc->req.section_cnt, &got, &lc->stub);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The recursion entry check: "call rax_stack_check" over the entry pad of
 * each function the request names.  Only an intact pad is patched: a
 * request pointing anywhere else is refused.
 */
static int rax_load_patch_entries(struct rax_load_ctx *lc)
{
	static const u8 pad[RAX_ENTRY_PAD_LEN] = { 0x0f, 0x1f, 0x44, 0x00, 0x08 };
	u32 i;

	for (i = 0; i < lc->req.patch_cnt; i++) {
		const struct rax_ioc_patch *pt = &lc->patches[i];
		const struct rax_placed_section *p;
		unsigned long at;
		s64 disp;
		s32 rel;
		u8 *stage;

		if (pt->reserved || pt->section >= lc->req.section_cnt)
			return -EINVAL;
		p = &lc->placed[pt->section];
		if (!(p->flags & RAX_SEC_F_EXEC) || !p->stage || p->size < RAX_ENTRY_PAD_LEN ||
		    pt->offset > p->size - RAX_ENTRY_PAD_LEN)
			return -EINVAL;
		stage = p->stage + pt->offset;
		if (memcmp(stage, pad, sizeof(pad)))
			return -EINVAL;
		at = p->addr + pt->offset;
		disp = (s64)((unsigned long)rax_stack_check - (at + RAX_ENTRY_PAD_LEN));
		if (disp != (s32)disp)
			return -ERANGE;
		rel = (s32)disp;
		stage[0] = 0xe8;	/* call rel32 */
		memcpy(stage + 1, &rel, sizeof(rel));
	}
	return 0;
}

static int rax_load_progs(struct rax_load_ctx *lc)
{
	struct rax_object *obj = lc->obj;
	u32 i;

	obj->progs = kcalloc(lc->req.prog_cnt, sizeof(*obj->progs), GFP_KERNEL);
	if (!obj->progs)
		return -ENOMEM;
	obj->prog_cnt = lc->req.prog_cnt;
	for (i = 0; i < obj->prog_cnt; i++) {
		const struct rax_ioc_prog *up = &lc->progs[i];
		const struct rax_placed_section *p;

		if (!rax_name_ok(up->name) || up->type == RAX_PROG_TYPE_UNSPEC ||
		    up->type >= RAX_PROG_TYPE_MAX || up->section >= lc->req.section_cnt ||
		    up->time_budget_ms > RAX_MAX_TIME_BUDGET_MS || up->reserved)
			return -EINVAL;
		p = &lc->placed[up->section];
		if (!(p->flags & RAX_SEC_F_EXEC) || !p->stage || up->offset >= p->size)
			return -EINVAL;
		strscpy(obj->progs[i].name, up->name, RAX_OBJ_NAME_LEN);
		obj->progs[i].type = up->type;
		obj->progs[i].entry = p->addr + up->offset;
		raw_spin_lock_init(&obj->progs[i].msg_lock);
		/* Undone by rax_object_free, like everything the object holds. */
		rax_watchdog_prog_budget(&obj->progs[i], up->time_budget_ms);
	}
	return 0;
}

/* What programs may look up without a helper call (abi.h, inline_lookup). */
static u64 rax_inline_lookup(const struct rax_map_ref *ref)
{
	if (ref->array_value)
		return ref->prog_rw && ref->elem_size == round_up(ref->value_size, 8) ?
		       (u64)(unsigned long)ref->array_value : 0;
	return ref->hash_inline ? ref->hash_value_off : 0;
}

static int rax_load_maps(struct rax_load_ctx *lc)
{
	struct rax_object *obj = lc->obj;
	u32 i, j;
	int err;

	if (!lc->req.map_cnt)
		return 0;
	obj->maps = kcalloc(lc->req.map_cnt, sizeof(*obj->maps), GFP_KERNEL);
	if (!obj->maps)
		return -ENOMEM;
	obj->map_cnt = lc->req.map_cnt;
	for (i = 0; i < obj->map_cnt; i++) {
		const struct rax_ioc_map *um = &lc->maps[i];
		struct rax_map_ref *ref = &obj->maps[i];
		const struct rax_placed_section *p;
		struct rax_map_def *def;

		if (!rax_name_ok(um->name) || um->section >= lc->req.section_cnt)
			return -EINVAL;
		p = &lc->placed[um->section];
		if (!(p->flags & RAX_SEC_F_WRITE) || !p->stage || p->size < sizeof(*def) ||
		    um->offset > p->size - sizeof(*def) || um->offset % 8)
			return -EINVAL;
		ref->def_addr = p->addr + um->offset;
		for (j = 0; j < i; j++)
			if (obj->maps[j].def_addr == ref->def_addr)
				return -EINVAL;
		strscpy(ref->name, um->name, RAX_OBJ_NAME_LEN);
		def = (struct rax_map_def *)(p->stage + um->offset);
		err = rax_map_bind(ref, um->fd, def);
		if (err)
			return err;
		/* A hash value a lock is taken in must come from the helper. */
		ref->hash_inline = ref->hash_direct && ref->prog_rw && ref->hash_value_off &&
				   lc->stub_hash_ok;
		/* Written for every definition: the file's value is never kept. */
		def->inline_lookup = rax_inline_lookup(ref);
	}
	return rax_object_index_maps(obj);
}

/*
 * Whether the object gets a lookup stub: it must call rax_map_lookup_ptr;
 * hash lookups skip the helper only when it never takes a Rax lock.
 */
static void rax_load_plan_stub(struct rax_load_ctx *lc)
{
	bool lookups = false, locks = false;
	u32 i;

	for (i = 0; i < lc->req.reloc_cnt; i++) {
		unsigned long addr;

		if (lc->relocs[i].sym_kind != RAX_RELOC_SYM_HELPER)
			continue;
		addr = rax_helper_addr(lc->relocs[i].sym_index);
		lookups |= addr == (unsigned long)rax_map_lookup_ptr ||
			   addr == (unsigned long)rax_map_lookup_raw;
		locks |= addr == (unsigned long)rax_lock_acquire;
	}
	lc->stub_size = lookups ? rax_stub_size(lc->req.map_cnt) : 0;
	lc->stub_hash_ok = !locks;
}

/* Each program's run loop, in the text after the stub. */
static int rax_load_run_loops(struct rax_load_ctx *lc)
{
	struct rax_object *obj = lc->obj;
	size_t off = lc->loops_off;
	u32 i;

	for (i = 0; i < obj->prog_cnt; i++, off += rax_run_loop_size()) {
		unsigned long at = obj->text_addr + off;

		if (!rax_run_loop_emit(lc->text_stage + off, at, obj->progs[i].entry))
			return -ERANGE;
		obj->progs[i].run_loop = at;
	}
	return 0;
}

static void rax_load_ctx_free(struct rax_load_ctx *lc)
{
	kvfree(lc->secs);
	kvfree(lc->relocs);
	kvfree(lc->progs);
	kvfree(lc->maps);
	kvfree(lc->patches);
	kvfree(lc->placed);
	kvfree(lc->text_stage);
	kvfree(lc->data_stage);
}

static int rax_load(struct rax_load_ctx *lc, void __user *uarg)
{
	size_t text_size, data_size, text_align, data_align, got_off;
	struct rax_object *obj;
	u32 i, got_slots = 0;
	int err;

	err = rax_load_copy_in(lc, uarg);
	if (err)
		return err;
	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	lc->obj = obj;
	refcount_set(&obj->refs, 1);
	strscpy(obj->name, lc->req.name, RAX_OBJ_NAME_LEN);
	atomic64_inc(&rax_counters.objects);
	rax_watchdog_get();

	err = rax_load_license(lc);
	if (err)
		return err;
	for (i = 0; i < lc->req.reloc_cnt; i++)
		got_slots += !!rax_reloc_needs_got(lc->relocs[i].type);
	err = rax_load_layout(lc, got_slots, &text_size, &data_size, &text_align, &data_align);
	if (err)
		return err;
	got_off = text_size - (size_t)got_slots * 8;
	rax_load_plan_stub(lc);
	lc->stub_off = text_size;
	text_size += lc->stub_size;
	/*
	 * The run loops get a page of their own: under TCG, blocks entered by
	 * lookup (return targets) on one page share few jump-cache slots, and
	 * the loops' hot return target then never evicts the program's.
	 */
	text_align = max_t(size_t, text_align, PAGE_SIZE);
	lc->loops_off = ALIGN(text_size, PAGE_SIZE);
	text_size = lc->loops_off + (size_t)lc->req.prog_cnt * rax_run_loop_size();

	if (text_size) {
		obj->text_addr = rax_arena_alloc(&rax_text, text_size, text_align);
		if (!obj->text_addr)
			return -ENOSPC;
		obj->text_size = text_size;
		if (lc->stub_size)
			rax_stub_entries(obj->text_addr + lc->stub_off, lc->req.map_cnt, &lc->stub);
	}
	if (data_size) {
		obj->data_addr = rax_arena_alloc(&rax_data, data_size, data_align);
		if (!obj->data_addr)
			return -ENOSPC;
		obj->data_size = data_size;
	}

	err = rax_load_stage(lc, got_off);
	if (!err)
		err = rax_load_relocate(lc, got_slots, got_off);
	if (!err)
		err = rax_load_patch_entries(lc);
	if (!err)
		err = rax_load_progs(lc);
	if (!err)
		err = rax_load_maps(lc);
	if (err)
		return err;
	if (lc->stub_size)
		rax_stub_emit(lc->text_stage + lc->stub_off, lc->stub_size,
			      obj->text_addr + lc->stub_off, obj, lc->stub_hash_ok);
	err = rax_load_run_loops(lc);
	if (err)
		return err;

	/* Publish: data first, the code that refers to it last. */
	if (obj->data_size)
		memcpy((void *)obj->data_addr, lc->data_stage, obj->data_size);
	if (obj->text_size) {
		err = rax_text_write(obj->text_addr, lc->text_stage, obj->text_size);
		if (err)
			return err;
	}
	return 0;
}

long rax_ioctl_load(void __user *uarg)
{
	struct rax_load_ctx lc = {};
	int err, fd;

	err = rax_load(&lc, uarg);
	if (!err) {
		/*
		 * Counted before the fd exists: it may be closed at once, and
		 * loads_total - frees_total must never undercount objects.
		 */
		lc.obj->loaded = true;
		atomic64_inc(&rax_counters.loads_total);
		fd = rax_object_install_fd(lc.obj);
		if (fd < 0)
			err = fd;
	}
	if (err && lc.obj)
		rax_object_free(lc.obj);
	rax_load_ctx_free(&lc);
	return err ? err : fd;
}
