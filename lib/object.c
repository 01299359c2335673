// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The object model: rax_object, its programs and maps, built from a parsed
 * Rax object (elf_reader.c), and the public open/load/close life cycle.
 */
#include <fcntl.h>
#include <gelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "librax_internal.h"
#include "backend_kernel.h"

/* Largest object file read; real objects are a few hundred KiB. */
#define MAX_OBJECT_FILE_SIZE (256u << 20)
#define KERNEL_DEVICE "/dev/rax"

/* ---- Program types from section names ----------------------------------- */

struct sec_def {
	const char *prefix;
	enum rax_prog_type type;
	bool needs_target;	/* "prefix/<target>" is required */
};

static const struct sec_def sec_defs[] = {
	{ "xdp", RAX_PROG_TYPE_XDP, false },
	{ "kprobe", RAX_PROG_TYPE_KPROBE, true },
	{ "kretprobe", RAX_PROG_TYPE_KPROBE, true },
	{ "raw_tp", RAX_PROG_TYPE_RAW_TRACEPOINT, true },
	{ "raw_tracepoint", RAX_PROG_TYPE_RAW_TRACEPOINT, true },
	{ "tc", RAX_PROG_TYPE_SCHED_CLS, false },
	{ "classifier", RAX_PROG_TYPE_SCHED_CLS, false },
	{ "syscall", RAX_PROG_TYPE_SYSCALL, false },
};

enum rax_prog_type rax_prog_type_from_section(const char *sec_name)
{
	size_t i;

	if (!sec_name)
		return RAX_PROG_TYPE_UNSPEC;
	for (i = 0; i < sizeof(sec_defs) / sizeof(sec_defs[0]); i++) {
		const struct sec_def *d = &sec_defs[i];
		size_t len = strlen(d->prefix);

		if (strncmp(sec_name, d->prefix, len) != 0)
			continue;
		if (sec_name[len] == '\0' && !d->needs_target)
			return d->type;
		if (sec_name[len] == '/' && sec_name[len + 1] != '\0')
			return d->type;
	}
	return RAX_PROG_TYPE_UNSPEC;
}

/* ---- Building programs and maps ------------------------------------------ */

static bool symbol_is_named_global(const struct rax_elf_symbol *s)
{
	return (s->bind == STB_GLOBAL || s->bind == STB_WEAK) &&
	       s->type != STT_SECTION && s->type != STT_FILE && s->name[0];
}

static int compare_progs(const void *a, const void *b)
{
	const struct rax_program *pa = a, *pb = b;

	if (pa->shndx != pb->shndx)
		return pa->shndx < pb->shndx ? -1 : 1;
	if (pa->sec_off != pb->sec_off)
		return pa->sec_off < pb->sec_off ? -1 : 1;
	return strcmp(pa->name, pb->name);
}

static int compare_maps(const void *a, const void *b)
{
	const struct rax_map *ma = a, *mb = b;

	if (ma->def_off != mb->def_off)
		return ma->def_off < mb->def_off ? -1 : 1;
	return strcmp(ma->name, mb->name);
}

static int collect_programs(struct rax_object *obj)
{
	const struct rax_elf *e = &obj->elf;
	size_t i, cnt = 0;

	obj->progs = calloc(e->sym_cnt ? e->sym_cnt : 1, sizeof(*obj->progs));
	if (!obj->progs)
		return -ENOMEM;

	for (i = 1; i < e->sym_cnt; i++) {
		const struct rax_elf_symbol *s = &e->syms[i];
		const struct rax_elf_section *sec;
		struct rax_program *prog;
		enum rax_prog_type type;

		if (s->shndx == SHN_UNDEF || s->shndx >= e->sec_cnt ||
		    !symbol_is_named_global(s))
			continue;
		sec = &e->secs[s->shndx];
		type = rax_prog_type_from_section(sec->name);
		if (type == RAX_PROG_TYPE_UNSPEC)
			continue;
		if (s->type != STT_FUNC || !(sec->flags & SHF_EXECINSTR) ||
		    !sec->loaded || !sec->data) {
			pr_warn("object '%s': prog '%s' in section '%s' is not a function in an executable section\n",
				obj->name, s->name, sec->name);
			return -EINVAL;
		}

		prog = &obj->progs[cnt++];
		prog->obj = obj;
		prog->type = type;
		prog->sym_idx = i;
		prog->shndx = s->shndx;
		prog->sec_off = s->value;
		prog->size = s->size;
		prog->fd = -1;
		prog->name = strdup(s->name);
		prog->sec_name = strdup(sec->name);
		obj->prog_cnt = cnt;
		if (!prog->name || !prog->sec_name)
			return -ENOMEM;
	}
	qsort(obj->progs, obj->prog_cnt, sizeof(*obj->progs), compare_progs);
	if (!obj->prog_cnt)
		pr_warn("object '%s': no programs found\n", obj->name);
	return 0;
}

static int collect_maps(struct rax_object *obj)
{
	const struct rax_elf *e = &obj->elf;
	const struct rax_elf_section *maps_sec;
	size_t i, j, cnt = 0;

	if (e->maps_shndx < 0)
		return 0;
	maps_sec = &e->secs[e->maps_shndx];

	obj->maps = calloc(e->sym_cnt ? e->sym_cnt : 1, sizeof(*obj->maps));
	if (!obj->maps)
		return -ENOMEM;

	for (i = 1; i < e->sym_cnt; i++) {
		const struct rax_elf_symbol *s = &e->syms[i];
		struct rax_map *map;

		if (s->shndx != (__u32)e->maps_shndx ||
		    !symbol_is_named_global(s))
			continue;
		if (s->type != STT_OBJECT ||
		    s->size != sizeof(struct rax_map_def)) {
			pr_warn("object '%s': map '%s': not a %zu-byte map definition\n",
				obj->name, s->name, sizeof(struct rax_map_def));
			return -EINVAL;
		}
		if (strlen(s->name) >= RAX_OBJ_NAME_LEN) {
			pr_warn("object '%s': map '%s': name longer than %d bytes\n",
				obj->name, s->name, RAX_OBJ_NAME_LEN - 1);
			return -EINVAL;
		}
		for (j = 0; j < cnt; j++) {
			if (obj->maps[j].def_off == s->value) {
				pr_warn("object '%s': maps '%s' and '%s' share one definition\n",
					obj->name, obj->maps[j].name, s->name);
				return -EINVAL;
			}
		}

		map = &obj->maps[cnt++];
		map->obj = obj;
		map->sym_idx = i;
		map->def_off = s->value;
		map->fd = -1;
		/* The reader checked that the symbol lies inside the section. */
		memcpy(&map->def, maps_sec->data + s->value, sizeof(map->def));
		map->name = strdup(s->name);
		obj->map_cnt = cnt;
		if (!map->name)
			return -ENOMEM;
	}
	qsort(obj->maps, obj->map_cnt, sizeof(*obj->maps), compare_maps);
	return 0;
}

/* ---- Open ---------------------------------------------------------------- */

static int backend_from_env(enum rax_backend *out)
{
	const char *env = getenv("RAX_BACKEND");

	*out = RAX_BACKEND_AUTO;
	if (!env || !*env || strcmp(env, "auto") == 0)
		return 0;
	if (strcmp(env, "inproc") == 0) {
		*out = RAX_BACKEND_INPROC;
		return 0;
	}
	if (strcmp(env, "kernel") == 0) {
		*out = RAX_BACKEND_KERNEL;
		return 0;
	}
	pr_warn("RAX_BACKEND='%s' is not one of inproc, kernel, auto\n", env);
	return -EINVAL;
}

static int resolve_backend(const struct rax_object_open_opts *opts,
			   enum rax_backend *out)
{
	enum rax_backend backend = OPTS_GET(opts, backend, RAX_BACKEND_AUTO);
	int err;

	if (backend != RAX_BACKEND_AUTO && backend != RAX_BACKEND_INPROC &&
	    backend != RAX_BACKEND_KERNEL) {
		pr_warn("rax_object_open_opts: unknown backend %d\n", backend);
		return -EINVAL;
	}
	if (backend == RAX_BACKEND_AUTO) {
		err = backend_from_env(&backend);
		if (err)
			return err;
	}
	if (backend == RAX_BACKEND_AUTO)
		backend = access(KERNEL_DEVICE, F_OK) == 0 ? RAX_BACKEND_KERNEL :
							     RAX_BACKEND_INPROC;
	*out = backend;
	return 0;
}

static void object_free(struct rax_object *obj)
{
	size_t i;

	if (!obj)
		return;
	for (i = 0; i < obj->prog_cnt; i++) {
		free(obj->progs[i].name);
		free(obj->progs[i].sec_name);
	}
	free(obj->progs);
	for (i = 0; i < obj->map_cnt; i++)
		free(obj->maps[i].name);
	free(obj->maps);
	if (obj->gate)
		rax_gate_report_free(obj->gate);
	rax_elf_close(&obj->elf);
	free(obj->name);
	free(obj);
}

/* default_name is used when opts carry no object_name. */
static int object_open(const void *buf, size_t size, const char *default_name,
		       const struct rax_object_open_opts *opts,
		       struct rax_object **out)
{
	const char *name;
	struct rax_object *obj;
	int err;

	if (!OPTS_VALID(opts, rax_object_open_opts))
		return -EINVAL;
	name = OPTS_GET(opts, object_name, NULL);
	if (!name || !*name)
		name = default_name;

	obj = calloc(1, sizeof(*obj));
	if (!obj)
		return -ENOMEM;
	obj->elf.maps_shndx = -1;
	obj->elf.stack_sizes_shndx = -1;
	obj->name = strdup(name);
	if (!obj->name) {
		err = -ENOMEM;
		goto fail;
	}
	err = resolve_backend(opts, &obj->backend);
	if (err)
		goto fail;
	obj->time_budget_ms = OPTS_GET(opts, time_budget_ms, 0);
	if (!obj->time_budget_ms)
		obj->time_budget_ms = RAX_DEFAULT_TIME_BUDGET_MS;

	err = rax_elf_open(&obj->elf, buf, size);
	if (err) {
		pr_warn("object '%s': cannot read the object: %s\n", obj->name,
			strerror(-err));
		goto fail;
	}
	err = collect_programs(obj);
	if (!err)
		err = collect_maps(obj);
	if (err)
		goto fail;
	pr_debug("object '%s': %zu programs, %zu maps, %zu imports\n",
		 obj->name, obj->prog_cnt, obj->map_cnt, obj->elf.import_cnt);
	*out = obj;
	return 0;

fail:
	object_free(obj);
	return err;
}

/* Reads a whole file; lseek() refuses pipes and sockets, read() directories. */
static int read_file(const char *path, void **buf_out, size_t *size_out)
{
	size_t done = 0;
	off_t size;
	void *buf;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_warn("object '%s': cannot open: %s\n", path, strerror(errno));
		return err;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		pr_warn("object '%s': not a regular file\n", path);
		err = -EINVAL;
		goto out_close;
	}
	if ((unsigned long long)size > MAX_OBJECT_FILE_SIZE) {
		pr_warn("object '%s': %lld bytes is too large for an object\n",
			path, (long long)size);
		err = -EFBIG;
		goto out_close;
	}
	buf = malloc(size ? size : 1);
	if (!buf) {
		err = -ENOMEM;
		goto out_close;
	}
	while (done < (size_t)size) {
		ssize_t n = read(fd, (char *)buf + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* EISDIR for a directory; 0 if the file shrank. */
			err = n < 0 ? -errno : -EIO;
			pr_warn("object '%s': read failed: %s\n", path,
				strerror(-err));
			free(buf);
			goto out_close;
		}
		done += n;
	}
	*buf_out = buf;
	*size_out = done;
	err = 0;
out_close:
	close(fd);
	return err;
}

/**
 * @brief Open a Rax object (ELF) from a file and parse its programs, maps
 * and metadata.  Nothing is loaded yet.
 * @param path the object file
 * @param opts options, or NULL
 * @return the object, or NULL with errno set
 */
struct rax_object *rax_object__open_file(const char *path,
					 const struct rax_object_open_opts *opts)
{
	struct rax_object *obj = NULL;
	const char *base;
	void *buf = NULL;
	size_t size = 0;
	int err;

	if (!path)
		return librax_err_ptr(-ENOENT);
	if (!OPTS_VALID(opts, rax_object_open_opts))
		return librax_err_ptr(-EINVAL);
	err = read_file(path, &buf, &size);
	if (err)
		return librax_err_ptr(err);
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	err = object_open(buf, size, base, opts, &obj);
	free(buf);
	if (err)
		return librax_err_ptr(err);
	return obj;
}

/**
 * @brief Open a Rax object from an in-memory image (the bytes are copied).
 * @param obj_buf the object bytes
 * @param obj_buf_sz their size
 * @param opts options, or NULL
 * @return the object, or NULL with errno set
 */
struct rax_object *rax_object__open_mem(const void *obj_buf, size_t obj_buf_sz,
					const struct rax_object_open_opts *opts)
{
	struct rax_object *obj = NULL;
	char name[32];
	int err;

	if (!obj_buf || !obj_buf_sz)
		return librax_err_ptr(-EINVAL);
	snprintf(name, sizeof(name), "mem-%lx", (unsigned long)(uintptr_t)obj_buf);
	err = object_open(obj_buf, obj_buf_sz, name, opts, &obj);
	if (err)
		return librax_err_ptr(err);
	return obj;
}

/* ---- Load and close ------------------------------------------------------ */

static void close_prog_handles(struct rax_object *obj)
{
	size_t i;

	for (i = 0; i < obj->prog_cnt; i++) {
		if (obj->progs[i].fd >= 0)
			rax_handle_close(obj->progs[i].fd);
		obj->progs[i].fd = -1;
	}
}

static void backend_unload(struct rax_object *obj)
{
	if (obj->backend == RAX_BACKEND_KERNEL)
		rax_kernel_unload(obj);
	else
		rax_inproc_unload(obj);
}

static int object_load(struct rax_object *obj)
{
	size_t i;
	int err;

	if (obj->loaded) {
		pr_warn("object '%s': already loaded\n", obj->name);
		return -EINVAL;
	}

	/* Fail before the gate's work when the kernel backend cannot be reached. */
	if (obj->backend == RAX_BACKEND_KERNEL && access("/dev/rax", F_OK)) {
		pr_warn("object '%s': the kernel backend needs rax.ko (/dev/rax: %s)\n",
			obj->name, strerror(errno));
		return -EOPNOTSUPP;
	}

	err = rax_gate_run(obj, NULL);
	if (err < 0) {
		pr_warn("object '%s': the safety gate failed: %s\n", obj->name,
			strerror(-err));
		return err;
	}
	if (err > 0) {
		pr_warn("object '%s': rejected by the safety gate (%d findings)\n",
			obj->name, err);
		return -EACCES;
	}

	if (obj->backend == RAX_BACKEND_KERNEL)
		err = rax_kernel_load(obj);
	else
		err = rax_inproc_load(obj);
	if (err) {
		pr_warn("object '%s': loading failed: %s\n", obj->name,
			strerror(-err));
		return err;
	}
	for (i = 0; i < obj->prog_cnt; i++) {
		struct rax_program *prog = &obj->progs[i];
		int fd = rax_handle_new(RAX_HANDLE_PROG, prog, prog->name);

		if (fd < 0) {
			pr_warn("prog '%s': cannot create a handle: %s\n",
				prog->name, strerror(-fd));
			close_prog_handles(obj);
			backend_unload(obj);
			return fd;
		}
		prog->fd = fd;
	}
	obj->loaded = true;
	return 0;
}

/**
 * @brief Run the safety checks, create the maps and load every program
 * into the selected backend.
 * @param obj an opened object
 * @return 0, or a negative errno (errno set): -EACCES when the safety gate
 * rejects the object, -EINVAL when it is already loaded
 */
int rax_object__load(struct rax_object *obj)
{
	if (!obj)
		return librax_err(-EINVAL);
	return librax_err(object_load(obj));
}

/**
 * @brief Unload, destroy maps and free the object (NULL is a no-op).
 * @param obj the object, or NULL
 */
void rax_object__close(struct rax_object *obj)
{
	if (!obj)
		return;
	if (obj->loaded) {
		close_prog_handles(obj);
		backend_unload(obj);
		obj->loaded = false;
	}
	object_free(obj);
}

/* ---- Object getters and iteration --------------------------------------- */

/**
 * @brief The object's name (from opts, or the file name without directories).
 * @param obj the object
 * @return its name, or NULL + errno (EINVAL) for a NULL object
 */
const char *rax_object__name(const struct rax_object *obj)
{
	if (!obj)
		return librax_err_ptr(-EINVAL);
	return obj->name;
}

/**
 * @brief The backend the object is (or will be) loaded into; AUTO is
 * resolved at open time.
 * @param obj the object
 * @return the backend
 */
enum rax_backend rax_object__backend(const struct rax_object *obj)
{
	return obj ? obj->backend : RAX_BACKEND_AUTO;
}

/**
 * @brief Iterate over the object's programs (in section, then offset order).
 * @param obj the object
 * @param prog the previous program, or NULL for the first
 * @return the next program, or NULL at the end
 */
struct rax_program *rax_object__next_program(const struct rax_object *obj,
					     struct rax_program *prog)
{
	size_t idx;

	if (!obj)
		return librax_err_ptr(-EINVAL);
	if (!prog)
		idx = 0;
	else if (prog->obj == obj && prog >= obj->progs &&
		 prog < obj->progs + obj->prog_cnt)
		idx = prog - obj->progs + 1;
	else
		return librax_err_ptr(-EINVAL);
	return idx < obj->prog_cnt ? &obj->progs[idx] : NULL;
}

/**
 * @brief Find a program by its symbol name.
 * @param obj the object
 * @param name the program's name
 * @return the program, or NULL + errno (ENOENT when there is none)
 */
struct rax_program *rax_object__find_program_by_name(const struct rax_object *obj,
						     const char *name)
{
	size_t i;

	if (!obj || !name)
		return librax_err_ptr(-EINVAL);
	for (i = 0; i < obj->prog_cnt; i++) {
		if (strcmp(obj->progs[i].name, name) == 0)
			return &obj->progs[i];
	}
	return librax_err_ptr(-ENOENT);
}

/**
 * @brief Iterate over the object's maps (in ".maps" order).
 * @param obj the object
 * @param map the previous map, or NULL for the first
 * @return the next map, or NULL at the end
 */
struct rax_map *rax_object__next_map(const struct rax_object *obj,
				     const struct rax_map *map)
{
	size_t idx;

	if (!obj)
		return librax_err_ptr(-EINVAL);
	if (!map)
		idx = 0;
	else if (map->obj == obj && map >= obj->maps &&
		 map < obj->maps + obj->map_cnt)
		idx = map - obj->maps + 1;
	else
		return librax_err_ptr(-EINVAL);
	return idx < obj->map_cnt ? &obj->maps[idx] : NULL;
}

/**
 * @brief Find a map by its name (its symbol in ".maps").
 * @param obj the object
 * @param name the map's name
 * @return the map, or NULL + errno (ENOENT when there is none)
 */
struct rax_map *rax_object__find_map_by_name(const struct rax_object *obj,
					     const char *name)
{
	size_t i;

	if (!obj || !name)
		return librax_err_ptr(-EINVAL);
	for (i = 0; i < obj->map_cnt; i++) {
		if (strcmp(obj->maps[i].name, name) == 0)
			return &obj->maps[i];
	}
	return librax_err_ptr(-ENOENT);
}

/* ---- Introspection --------------------------------------------------------- */

/**
 * @brief Number of distinct helper imports (undefined symbols) of the object.
 * @param obj the object
 * @return the count (0 for a NULL object)
 */
size_t rax_object__import_cnt(const struct rax_object *obj)
{
	return obj ? obj->elf.import_cnt : 0;
}

/**
 * @brief Name of import @p idx.
 * @param obj the object
 * @param idx index below rax_object__import_cnt()
 * @return the helper's name, or NULL + errno (EINVAL)
 */
const char *rax_object__import_name(const struct rax_object *obj, size_t idx)
{
	if (!obj || idx >= obj->elf.import_cnt)
		return librax_err_ptr(-EINVAL);
	return obj->elf.imports[idx];
}

/**
 * @brief Value of metadata key @p key from the object's ".rax.meta" record.
 * @param obj the object
 * @param key e.g. "rustc", "crate_version"
 * @return the value, or NULL + errno (ENOENT if absent)
 */
const char *rax_object__meta(const struct rax_object *obj, const char *key)
{
	const char *value;

	if (!obj || !key)
		return librax_err_ptr(-EINVAL);
	value = rax_elf_meta_get(&obj->elf, key);
	if (!value)
		return librax_err_ptr(-ENOENT);
	return value;
}

/**
 * @brief The object's license string ("license" section).
 * @param obj the object
 * @return the license, or NULL + errno (ENOENT if the object has none)
 */
const char *rax_object__license(const struct rax_object *obj)
{
	if (!obj)
		return librax_err_ptr(-EINVAL);
	if (!obj->elf.license)
		return librax_err_ptr(-ENOENT);
	return obj->elf.license;
}

/* ---- Program getters -------------------------------------------------------- */

/**
 * @brief The program's name (its function symbol).
 * @param prog the program
 * @return the name, or NULL + errno (EINVAL)
 */
const char *rax_program__name(const struct rax_program *prog)
{
	if (!prog)
		return librax_err_ptr(-EINVAL);
	return prog->name;
}

/**
 * @brief The name of the section holding the program (e.g. "kprobe/do_sys_open").
 * @param prog the program
 * @return the section name, or NULL + errno (EINVAL)
 */
const char *rax_program__section_name(const struct rax_program *prog)
{
	if (!prog)
		return librax_err_ptr(-EINVAL);
	return prog->sec_name;
}

/**
 * @brief The program's type, from its section name.
 * @param prog the program
 * @return the type (RAX_PROG_TYPE_UNSPEC for NULL)
 */
enum rax_prog_type rax_program__type(const struct rax_program *prog)
{
	return prog ? prog->type : RAX_PROG_TYPE_UNSPEC;
}

/**
 * @brief Handle fd of a loaded program (for rax_prog_test_run_opts()).
 * @param prog the program
 * @return the fd, or -EINVAL (errno set) before load
 */
int rax_program__fd(const struct rax_program *prog)
{
	if (!prog || prog->fd < 0)
		return librax_err(-EINVAL);
	return prog->fd;
}

/**
 * @brief Size of the program's code in bytes (its symbol size).
 * @param prog the program
 * @return the size (0 for NULL)
 */
size_t rax_program__code_size(const struct rax_program *prog)
{
	return prog ? prog->size : 0;
}
