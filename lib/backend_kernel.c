// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel backend: an object's maps become real BPF maps (so their fds
 * work with bpftool and eBPF programs) and the object is loaded into rax.ko
 * with one RAX_IOC_LOAD request built from the parsed ELF.  The kernel
 * hands back an object fd; test runs and statistics are ioctls on it, and
 * closing it unloads the object.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "backend_kernel.h"

/* BPF map names: at most 15 characters of [A-Za-z0-9_.]. */
#define BPF_MAP_NAME_LEN 16

struct rax_kernel_object {
	int obj_fd;		/* rax.ko object fd */
};

/* ---- The load request ------------------------------------------------------ */

static int helper_index(const char *name)
{
	static const char *const names[] = {
#define HELPER_NAME(helper, gpl, since) #helper,
		RAX_HELPERS(HELPER_NAME)
#undef HELPER_NAME
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

static int request_sections(const struct rax_object *obj, struct rax_kernel_request *req)
{
	const struct rax_elf *e = &obj->elf;
	size_t i, cnt = 0;

	req->sec_idx = calloc(e->sec_cnt ? e->sec_cnt : 1, sizeof(*req->sec_idx));
	req->secs = calloc(e->sec_cnt ? e->sec_cnt : 1, sizeof(*req->secs));
	if (!req->sec_idx || !req->secs)
		return -ENOMEM;
	for (i = 0; i < e->sec_cnt; i++) {
		const struct rax_elf_section *sec = &e->secs[i];
		struct rax_ioc_section *s;

		req->sec_idx[i] = -1;
		if (!sec->loaded)
			continue;
		s = &req->secs[cnt];
		s->size = sec->size;
		s->align = sec->align > 1 ? (__u32)sec->align : 1;
		if (sec->flags & SHF_EXECINSTR)
			s->flags |= RAX_SEC_F_EXEC;
		if (sec->flags & SHF_WRITE)
			s->flags |= RAX_SEC_F_WRITE;
		if (sec->type == SHT_NOBITS || !sec->data)
			s->flags |= RAX_SEC_F_NOBITS;
		else
			s->data = (__u64)(uintptr_t)sec->data;
		req->sec_idx[i] = (int)cnt++;
	}
	if (cnt > RAX_LOAD_MAX_SECTIONS) {
		pr_warn("object '%s': %zu loaded sections, rax.ko takes at most %u\n",
			obj->name, cnt, RAX_LOAD_MAX_SECTIONS);
		return -E2BIG;
	}
	req->load.sections = (__u64)(uintptr_t)req->secs;
	req->load.section_cnt = (__u32)cnt;
	req->load.section_rec_size = sizeof(*req->secs);

	/* The maps' definitions as this library will create them (max_entries
	 * may have been changed before load): the kernel checks both agree. */
	if (e->maps_shndx >= 0 && req->sec_idx[e->maps_shndx] >= 0) {
		const struct rax_elf_section *maps_sec = &e->secs[e->maps_shndx];
		struct rax_ioc_section *s = &req->secs[req->sec_idx[e->maps_shndx]];

		if (!maps_sec->data) {
			pr_warn("object '%s': '%s' has no contents\n", obj->name, RAX_SEC_MAPS);
			return -EINVAL;
		}
		req->maps_copy = malloc(maps_sec->size ? maps_sec->size : 1);
		if (!req->maps_copy)
			return -ENOMEM;
		memcpy(req->maps_copy, maps_sec->data, maps_sec->size);
		for (i = 0; i < obj->map_cnt; i++) {
			struct rax_map_def def = obj->maps[i].def;

			def.inline_lookup = 0;
			memcpy(req->maps_copy + obj->maps[i].def_off, &def, sizeof(def));
		}
		s->data = (__u64)(uintptr_t)req->maps_copy;
	}
	return 0;
}

static int request_relocs(const struct rax_object *obj, struct rax_kernel_request *req)
{
	const struct rax_elf *e = &obj->elf;
	size_t i;

	if (e->reloc_cnt > RAX_LOAD_MAX_RELOCS) {
		pr_warn("object '%s': %zu relocations, rax.ko takes at most %u\n",
			obj->name, e->reloc_cnt, RAX_LOAD_MAX_RELOCS);
		return -E2BIG;
	}
	req->relocs = calloc(e->reloc_cnt ? e->reloc_cnt : 1, sizeof(*req->relocs));
	if (!req->relocs)
		return -ENOMEM;
	for (i = 0; i < e->reloc_cnt; i++) {
		const struct rax_elf_reloc *er = &e->relocs[i];
		const struct rax_elf_symbol *sym = &e->syms[er->sym];
		struct rax_ioc_reloc *r = &req->relocs[i];
		int idx;

		r->section = (__u32)req->sec_idx[er->target_shndx];
		r->type = er->type;
		r->offset = er->offset;
		r->addend = er->addend;
		if (sym->shndx == SHN_UNDEF) {
			idx = helper_index(sym->name);
			r->sym_kind = RAX_RELOC_SYM_HELPER;
		} else {
			idx = sym->shndx < e->sec_cnt ? req->sec_idx[sym->shndx] : -1;
			r->sym_kind = RAX_RELOC_SYM_SECTION;
			r->sym_value = sym->value;
		}
		/* The reader only keeps relocations the in-process loader
		 * can apply; anything else here is a reader bug. */
		if (req->sec_idx[er->target_shndx] < 0 || idx < 0) {
			pr_warn("object '%s': relocation %zu refers to '%s', which is not loaded\n",
				obj->name, i, sym->name ? sym->name : "?");
			return -EINVAL;
		}
		r->sym_index = (__u32)idx;
	}
	req->load.relocs = (__u64)(uintptr_t)req->relocs;
	req->load.reloc_cnt = (__u32)e->reloc_cnt;
	req->load.reloc_rec_size = sizeof(*req->relocs);
	return 0;
}

static int request_progs(const struct rax_object *obj, struct rax_kernel_request *req)
{
	size_t i;

	if (!obj->prog_cnt || obj->prog_cnt > RAX_LOAD_MAX_PROGS) {
		pr_warn("object '%s': %zu programs, rax.ko takes 1..%u\n", obj->name,
			obj->prog_cnt, RAX_LOAD_MAX_PROGS);
		return obj->prog_cnt ? -E2BIG : -ENOENT;
	}
	/* time_budget_ms is never 0 here: open resolved the default. */
	if (obj->time_budget_ms > RAX_MAX_TIME_BUDGET_MS) {
		pr_warn("object '%s': time budget of %u ms, rax.ko takes at most %u ms\n",
			obj->name, obj->time_budget_ms, RAX_MAX_TIME_BUDGET_MS);
		return -EINVAL;
	}
	req->progs = calloc(obj->prog_cnt, sizeof(*req->progs));
	if (!req->progs)
		return -ENOMEM;
	for (i = 0; i < obj->prog_cnt; i++) {
		const struct rax_program *prog = &obj->progs[i];
		struct rax_ioc_prog *p = &req->progs[i];

		/* The kernel keeps 15 characters; librax keeps the full name. */
		snprintf(p->name, sizeof(p->name), "%s", prog->name);
		p->type = prog->type;
		p->section = (__u32)req->sec_idx[prog->shndx];
		p->offset = prog->sec_off;
		p->time_budget_ms = obj->time_budget_ms;
		if (req->sec_idx[prog->shndx] < 0)
			return -EINVAL;
	}
	req->load.progs = (__u64)(uintptr_t)req->progs;
	req->load.prog_cnt = (__u32)obj->prog_cnt;
	req->load.prog_rec_size = sizeof(*req->progs);
	return 0;
}

static int request_maps(const struct rax_object *obj, struct rax_kernel_request *req)
{
	const struct rax_elf *e = &obj->elf;
	size_t i;

	if (!obj->map_cnt)
		return 0;
	if (obj->map_cnt > RAX_LOAD_MAX_MAPS) {
		pr_warn("object '%s': %zu maps, rax.ko takes at most %u\n", obj->name,
			obj->map_cnt, RAX_LOAD_MAX_MAPS);
		return -E2BIG;
	}
	if (e->maps_shndx < 0 || req->sec_idx[e->maps_shndx] < 0)
		return -EINVAL;
	req->maps = calloc(obj->map_cnt, sizeof(*req->maps));
	if (!req->maps)
		return -ENOMEM;
	for (i = 0; i < obj->map_cnt; i++) {
		const struct rax_map *map = &obj->maps[i];
		struct rax_ioc_map *m = &req->maps[i];

		snprintf(m->name, sizeof(m->name), "%s", map->name);
		m->fd = map->fd;
		m->section = (__u32)req->sec_idx[e->maps_shndx];
		m->offset = map->def_off;
	}
	req->load.maps = (__u64)(uintptr_t)req->maps;
	req->load.map_cnt = (__u32)obj->map_cnt;
	req->load.map_rec_size = sizeof(*req->maps);
	return 0;
}

/* True when function @name is in a recursive cycle of some program (the gate's verdict). */
static bool func_is_checked(const struct rax_object *obj, const char *name)
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

/* The recursion entry check: rax.ko patches the pads of the checked functions. */
static int request_patches(const struct rax_object *obj, struct rax_kernel_request *req)
{
	const struct rax_elf *e = &obj->elf;
	size_t i, j, cnt = 0;

	req->patches = calloc(e->patch_site_cnt ? e->patch_site_cnt : 1, sizeof(*req->patches));
	if (!req->patches)
		return -ENOMEM;
	for (i = 0; i < e->patch_site_cnt; i++) {
		const struct rax_elf_patch_site *ps = &e->patch_sites[i];
		bool checked = false;

		if (ps->shndx >= e->sec_cnt || req->sec_idx[ps->shndx] < 0)
			continue;
		for (j = 0; j < e->sym_cnt && !checked; j++) {
			const struct rax_elf_symbol *sym = &e->syms[j];

			checked = sym->type == STT_FUNC && sym->shndx == ps->shndx &&
				  sym->value == ps->offset && sym->name && sym->name[0] &&
				  func_is_checked(obj, sym->name);
		}
		if (!checked)
			continue;
		req->patches[cnt].section = (__u32)req->sec_idx[ps->shndx];
		req->patches[cnt].offset = ps->offset;
		cnt++;
	}
	req->load.patches = (__u64)(uintptr_t)req->patches;
	req->load.patch_cnt = (__u32)cnt;
	req->load.patch_rec_size = sizeof(*req->patches);
	return 0;
}

int rax_kernel_request_build(const struct rax_object *obj, struct rax_kernel_request *req)
{
	int err;

	memset(req, 0, sizeof(*req));
	req->load.size = sizeof(req->load);
	snprintf(req->load.name, sizeof(req->load.name), "%s", obj->name);
	req->load.license = (__u64)(uintptr_t)obj->elf.license;
	req->load.abi_version = RAX_ABI_VERSION;

	err = request_sections(obj, req);
	if (!err)
		err = request_relocs(obj, req);
	if (!err)
		err = request_progs(obj, req);
	if (!err)
		err = request_maps(obj, req);
	if (!err)
		err = request_patches(obj, req);
	if (err)
		rax_kernel_request_free(req);
	return err;
}

void rax_kernel_request_free(struct rax_kernel_request *req)
{
	free(req->secs);
	free(req->sec_idx);
	free(req->relocs);
	free(req->progs);
	free(req->maps);
	free(req->maps_copy);
	free(req->patches);
	memset(req, 0, sizeof(*req));
}

/* ---- Maps ---------------------------------------------------------------- */

static void bpf_map_name(const char *name, char out[BPF_MAP_NAME_LEN])
{
	size_t i;

	/* bpf(2) accepts only these characters; others would fail the create. */
	for (i = 0; i < BPF_MAP_NAME_LEN - 1 && name[i]; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '.';

		out[i] = ok ? c : '_';
	}
	out[i] = '\0';
}

static void maps_destroy(struct rax_object *obj)
{
	size_t i;

	for (i = 0; i < obj->map_cnt; i++) {
		if (obj->maps[i].fd >= 0)
			close(obj->maps[i].fd);
		obj->maps[i].fd = -1;
	}
}

static int maps_create(struct rax_object *obj)
{
	size_t i;

	for (i = 0; i < obj->map_cnt; i++) {
		struct rax_map *map = &obj->maps[i];
		const struct rax_map_def *d = &map->def;
		LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = d->map_flags);
		char name[BPF_MAP_NAME_LEN];
		__u32 max_entries = d->max_entries;
		int fd;

		if (d->type == RAX_MAP_TYPE_PERF_EVENT_ARRAY && !max_entries) {
			/* one ring per possible CPU, as libbpf sizes them */
			int cpus = libbpf_num_possible_cpus();

			if (cpus <= 0) {
				pr_warn("map '%s': cannot count the possible CPUs\n", map->name);
				maps_destroy(obj);
				return cpus < 0 ? cpus : -EINVAL;
			}
			max_entries = (__u32)cpus;
		}
		if (d->type != RAX_MAP_TYPE_HASH && d->type != RAX_MAP_TYPE_ARRAY &&
		    d->type != RAX_MAP_TYPE_PERF_EVENT_ARRAY) {
			pr_warn("map '%s': type %u is not supported by the kernel backend\n",
				map->name, d->type);
			maps_destroy(obj);
			return -EINVAL;
		}
		bpf_map_name(map->name, name);
		fd = bpf_map_create(d->type, name, d->key_size, d->value_size,
				    max_entries, &opts);
		if (fd < 0) {
			fd = -errno;
			pr_warn("map '%s': cannot create the BPF map: %s\n", map->name,
				strerror(-fd));
			maps_destroy(obj);
			return fd;
		}
		map->fd = fd;
		/* What the map really has, as libbpf's bpf_map__max_entries says. */
		map->def.max_entries = max_entries;
	}
	return 0;
}

/* ---- Load and unload ----------------------------------------------------------- */

static const char *load_error_hint(int err)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		return " (loading needs CAP_SYS_ADMIN; GPL-only helpers need a GPL license)";
	case -ENOSPC:
		return " (rax.ko's code or data arena is full)";
	case -E2BIG:
		return " (the object exceeds one of rax.ko's limits)";
	case -ENOTTY:
		return " (/dev/rax does not speak this ioctl ABI)";
	default:
		return "";
	}
}

int rax_kernel_load(struct rax_object *obj)
{
	struct rax_kernel_request req;
	struct rax_kernel_object *ko;
	int dev, fd, err;

	ko = calloc(1, sizeof(*ko));
	if (!ko)
		return -ENOMEM;
	dev = open(RAX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		err = -errno;
		free(ko);
		/* No device: this system has no kernel backend at all. */
		if (err == -ENOENT || err == -ENODEV || err == -ENXIO) {
			pr_warn("object '%s': the kernel backend needs rax.ko, but %s is missing (%s); use the in-process backend (RAX_BACKEND=inproc)\n",
				obj->name, RAX_DEVICE_PATH, strerror(-err));
			return -EOPNOTSUPP;
		}
		pr_warn("object '%s': the kernel backend cannot open %s: %s\n", obj->name,
			RAX_DEVICE_PATH, strerror(-err));
		return err;
	}
	err = maps_create(obj);
	if (err)
		goto out_dev;
	err = rax_kernel_request_build(obj, &req);
	if (err) {
		maps_destroy(obj);
		goto out_dev;
	}
	fd = ioctl(dev, RAX_IOC_LOAD, &req.load);
	err = fd < 0 ? -errno : 0;
	rax_kernel_request_free(&req);
	if (err) {
		pr_warn("object '%s': rax.ko refused the object: %s%s\n", obj->name,
			strerror(-err), load_error_hint(err));
		maps_destroy(obj);
		goto out_dev;
	}
	ko->obj_fd = fd;
	obj->kernel = ko;
	ko = NULL;
	pr_debug("object '%s': loaded into rax.ko (object fd %d)\n", obj->name, fd);
out_dev:
	close(dev);
	free(ko);
	return err;
}

void rax_kernel_unload(struct rax_object *obj)
{
	if (obj->kernel) {
		close(obj->kernel->obj_fd);
		free(obj->kernel);
		obj->kernel = NULL;
	}
	maps_destroy(obj);
}

int rax_kernel_object_fd(const struct rax_object *obj)
{
	return obj && obj->kernel ? obj->kernel->obj_fd : -EINVAL;
}

__u32 rax_kernel_prog_index(const struct rax_program *prog)
{
	return (__u32)(prog - prog->obj->progs);
}

/* ---- Test runs and statistics ---------------------------------------------------- */

int rax_kernel_test_run(struct rax_program *prog, struct rax_test_run_opts *opts)
{
	struct rax_ioc_test_run tr;
	int obj_fd = rax_kernel_object_fd(prog->obj);
	__u32 size_in = OPTS_GET(opts, data_size_in, 0);
	__u32 size_out = OPTS_GET(opts, data_size_out, 0);
	void *data_out = OPTS_GET(opts, data_out, NULL);
	int repeat = OPTS_GET(opts, repeat, 0);

	if (obj_fd < 0) {
		pr_warn("prog '%s': test run: not loaded in rax.ko\n", prog->name);
		return -EINVAL;
	}
	if (OPTS_GET(opts, flags, 0) || OPTS_GET(opts, cpu, 0) ||
	    OPTS_GET(opts, batch_size, 0) || repeat < 0) {
		pr_warn("prog '%s': test run: flags, cpu and batch_size must be 0, repeat >= 0\n",
			prog->name);
		return -EINVAL;
	}

	memset(&tr, 0, sizeof(tr));
	tr.size = sizeof(tr);
	tr.prog = rax_kernel_prog_index(prog);
	tr.data_in = (__u64)(uintptr_t)OPTS_GET(opts, data_in, NULL);
	tr.data_size_in = size_in;
	tr.data_out = (__u64)(uintptr_t)data_out;
	tr.data_size_out = data_out ? size_out : 0;
	tr.ctx_in = (__u64)(uintptr_t)OPTS_GET(opts, ctx_in, NULL);
	tr.ctx_size_in = OPTS_GET(opts, ctx_size_in, 0);
	tr.repeat = (__u32)repeat;
	tr.ctx_out = (__u64)(uintptr_t)OPTS_GET(opts, ctx_out, NULL);
	tr.ctx_size_out = tr.ctx_out ? OPTS_GET(opts, ctx_size_out, 0) : 0;
	if (ioctl(obj_fd, RAX_IOC_TEST_RUN, &tr)) {
		int err = -errno;

		pr_debug("prog '%s': RAX_IOC_TEST_RUN: %s\n", prog->name, strerror(-err));
		return err;
	}
	OPTS_SET(opts, retval, (__u32)tr.retval);
	OPTS_SET(opts, duration, tr.duration_ns > UINT32_MAX ? UINT32_MAX :
				 (__u32)tr.duration_ns);
	if (tr.ctx_out) {
		/* rax.ko reports the full size: -ENOSPC if cut, as in-process. */
		__u32 ctx_room = OPTS_GET(opts, ctx_size_out, 0);

		OPTS_SET(opts, ctx_size_out, tr.ctx_size_out);
		if (ctx_room < tr.ctx_size_out)
			return -ENOSPC;
	}
	if (data_out) {
		/* Like the in-process runtime: the full size, -ENOSPC if cut. */
		OPTS_SET(opts, data_size_out, size_in);
		if (size_out < size_in)
			return -ENOSPC;
	}
	return 0;
}

int rax_kernel_prog_stats(const struct rax_program *prog, struct rax_ioc_stats *st)
{
	int obj_fd = rax_kernel_object_fd(prog->obj);

	if (obj_fd < 0)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->prog = rax_kernel_prog_index(prog);
	if (ioctl(obj_fd, RAX_IOC_STATS, st))
		return -errno;
	return 0;
}

int rax_kernel_budget_request(const struct rax_program *prog, __u32 ms,
			      struct rax_ioc_set_budget *req)
{
	if (ms > RAX_MAX_TIME_BUDGET_MS) {
		pr_warn("prog '%s': time budget of %u ms, rax.ko takes at most %u ms\n",
			prog->name, ms, RAX_MAX_TIME_BUDGET_MS);
		return -EINVAL;
	}
	memset(req, 0, sizeof(*req));
	req->size = sizeof(*req);
	req->prog = rax_kernel_prog_index(prog);
	req->time_budget_ms = ms;
	return 0;
}

int rax_kernel_prog_set_budget(const struct rax_program *prog, __u32 ms)
{
	struct rax_ioc_set_budget req;
	int obj_fd = rax_kernel_object_fd(prog->obj), err;

	if (obj_fd < 0)
		return -EINVAL;
	err = rax_kernel_budget_request(prog, ms, &req);
	if (err)
		return err;
	if (!ioctl(obj_fd, RAX_IOC_SET_BUDGET, &req))
		return 0;
	err = -errno;
	if (err == -ENOTTY) {
		/* rax.ko of ioctl version 1: one fixed budget. */
		pr_warn("prog '%s': this rax.ko cannot change time budgets\n", prog->name);
		return -EOPNOTSUPP;
	}
	pr_debug("prog '%s': RAX_IOC_SET_BUDGET: %s\n", prog->name, strerror(-err));
	return err;
}
