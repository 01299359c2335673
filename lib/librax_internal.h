/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * librax internals shared between its files.  Nothing here is exported
 * (the build uses -fvisibility=hidden; only LIBRAX_API functions are).
 *
 * Conventions:
 *  - internal functions return 0 / a negative errno and do NOT touch errno;
 *    public functions convert once at the boundary with librax_err() /
 *    librax_err_ptr();
 *  - log messages name the entity first: "prog 'x': ...", "map 'm': ...".
 */
#ifndef RAX_LIBRAX_INTERNAL_H
#define RAX_LIBRAX_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <rax/librax.h>

/* ---- Errors at the public boundary (libbpf 1.x convention) ---------------- */
static inline int librax_err(int ret)
{
	if (ret < 0)
		errno = -ret;
	return ret;
}

static inline void *librax_err_ptr(int err)
{
	errno = err < 0 ? -err : err;
	return NULL;
}

/* ---- Logging (log.c) ---------------------------------------------------------- */
void librax_print(enum librax_print_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define pr_warn(fmt, ...) librax_print(LIBRAX_WARN, "librax: " fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) librax_print(LIBRAX_INFO, "librax: " fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) librax_print(LIBRAX_DEBUG, "librax: " fmt, ##__VA_ARGS__)

/* ---- Option structs (libbpf's OPTS scheme) --------------------------------- */
/*
 * True when opts is NULL or valid: sz at least covers the sz field and any
 * bytes past what this library knows are zero.
 */
bool librax_validate_opts(const void *opts, size_t opts_sz, size_t known_sz,
			  const char *type_name);
#define RAX_OPTS_HAS(opts, field)                                       \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + \
				     sizeof((opts)->field))
#define OPTS_VALID(opts, type)                                                  \
	(!(opts) || librax_validate_opts((opts), (opts)->sz,                    \
					 offsetof(struct type, type##__last_field) + \
						 sizeof((opts)->type##__last_field), \
					 #type))
#define OPTS_GET(opts, field, fallback_value) \
	(RAX_OPTS_HAS(opts, field) ? (opts)->field : (fallback_value))
#define OPTS_SET(opts, field, value)              \
	do {                                      \
		if (RAX_OPTS_HAS(opts, field))    \
			(opts)->field = value;    \
	} while (0)

/* ---- Parsed object image (elf_reader.c) -------------------------------------- */
struct rax_elf_section {
	const char *name;
	__u32 index;
	__u32 type;		/* SHT_* */
	__u64 flags;		/* SHF_* */
	__u64 size;
	__u64 align;
	const __u8 *data;	/* NULL for SHT_NOBITS; points into rax_elf.image */
	bool loaded;		/* placed in the runtime image (SHF_ALLOC, not metadata) */
};

struct rax_elf_symbol {
	const char *name;
	__u64 value;		/* section-relative offset */
	__u64 size;
	__u16 shndx;		/* SHN_UNDEF for imports */
	__u8 type;		/* STT_* */
	__u8 bind;		/* STB_* */
	int import_idx;		/* index into rax_elf.imports, or -1 */
};

struct rax_elf_reloc {
	__u32 target_shndx;	/* section the relocation patches */
	__u32 type;		/* R_X86_64_* */
	__u64 offset;		/* within the target section */
	__u32 sym;		/* index into rax_elf.syms */
	__s64 addend;
};

/* Function entries with a -Z patchable-function-entry pad (5-byte NOP). */
struct rax_elf_patch_site {
	__u32 shndx;
	__u64 offset;
};

struct rax_elf {
	__u8 *image;		/* owned copy of the object bytes */
	size_t size;
	void *elf;		/* Elf * (libelf), opaque here */

	struct rax_elf_section *secs;	/* indexed by section index */
	size_t sec_cnt;
	struct rax_elf_symbol *syms;	/* indexed by symbol index */
	size_t sym_cnt;
	/* relocations applying to loaded sections only */
	struct rax_elf_reloc *relocs;
	size_t reloc_cnt;
	/* distinct undefined symbol names, each in RAX_HELPERS */
	char **imports;
	size_t import_cnt;
	struct rax_elf_patch_site *patch_sites;
	size_t patch_site_cnt;

	int maps_shndx;		/* -1 when the object has no ".maps" */
	int stack_sizes_shndx;	/* -1 when absent */

	bool has_meta;
	struct rax_meta_hdr meta;
	const char *meta_strings;	/* "k=v\0k=v\0...", meta.strings_size bytes */

	bool has_abi;
	struct rax_abi_layout abi;	/* the crate's record, copied */

	const char *license;	/* NULL when there is no "license" section */
};

/*
 * Parse an object image (copied).  Performs the structural checks of the
 * loader: ELF64/x86-64/ET_REL, sections, symbols and relocations in bounds,
 * relocation types of loaded sections in the allowlist, imports in the
 * helper table.  Each failure is logged with what and where; returns
 * -EINVAL (malformed) or -ENOEXEC (not a Rax object) / -ENOMEM.
 */
int rax_elf_open(struct rax_elf *e, const void *buf, size_t size);
void rax_elf_close(struct rax_elf *e);
/* Value of metadata key, or NULL. */
const char *rax_elf_meta_get(const struct rax_elf *e, const char *key);
/* The layout record this library expects from the crate. */
void rax_abi_layout_expected(struct rax_abi_layout *out);
/* Helper table lookups (from RAX_HELPERS). */
bool rax_helper_known(const char *name);
bool rax_helper_gpl_only(const char *name);

/* ---- Objects, programs, maps (object.c) --------------------------------------- */
struct rax_umap;
struct rax_inproc_image;
struct rax_kernel_object;
struct rax_gate_report;

struct rax_program {
	struct rax_object *obj;
	char *name;
	char *sec_name;
	enum rax_prog_type type;
	__u32 sym_idx;
	__u32 shndx;
	__u64 sec_off;		/* entry offset within its section */
	__u64 size;
	/* after load */
	void *entry;		/* in-process: entry address in the image */
	int fd;			/* handle fd, -1 before load */
};

struct rax_map {
	struct rax_object *obj;
	char *name;
	struct rax_map_def def;	/* from the object; max_entries may be overridden */
	__u32 sym_idx;
	__u64 def_off;		/* offset of the definition within ".maps" */
	/* after load */
	struct rax_umap *umap;	/* in-process backend */
	int fd;			/* handle fd (in-process) or BPF map fd (kernel), -1 before */
};

struct rax_object {
	char *name;
	struct rax_elf elf;
	struct rax_program *progs;
	size_t prog_cnt;
	struct rax_map *maps;
	size_t map_cnt;
	enum rax_backend backend;
	__u32 time_budget_ms;
	bool loaded;
	struct rax_inproc_image *inproc;	/* in-process backend state */
	struct rax_kernel_object *kernel;	/* kernel backend state (backend_kernel.c) */
	struct rax_gate_report *gate;		/* last gate result (gate_*.c), or NULL */
};

/* Program type from a libbpf-style section name; UNSPEC if unknown. */
enum rax_prog_type rax_prog_type_from_section(const char *sec_name);

/* ---- Safety gate (gate_*.c) ------------------------------------------------------
 * rax_gate_run() checks obj->elf, replaces obj->gate with the new report and
 * returns the number of findings or a negative errno.  rax_object__load()
 * calls it and refuses the object (-EACCES) when findings > 0.
 */
struct rax_gate_report;
int rax_gate_run(struct rax_object *obj, const struct rax_check_opts *opts);
void rax_gate_report_free(struct rax_gate_report *rep);

/* ---- Handle fds (handles.c) ----------------------------------------------------
 * Programs and maps of the in-process backend are named by real fds
 * (memfd "rax-prog:<name>" / "rax-map:<name>") so the fd-based rax.h API
 * and libbpf-style loaders work unchanged.
 */
enum rax_handle_kind {
	RAX_HANDLE_PROG = 1,
	RAX_HANDLE_MAP = 2,
};
int rax_handle_new(enum rax_handle_kind kind, void *ptr, const char *name);
/* The object behind fd, or NULL if fd is not a live handle of that kind. */
void *rax_handle_get(int fd, enum rax_handle_kind kind);
void rax_handle_close(int fd);

/* ---- In-process maps (map_inproc.c) ---------------------------------------------
 * Thread-safe; values live in preallocated storage that is not freed before
 * rax_umap_free(), so a pointer from rax_umap_lookup_ptr() stays valid for
 * the run (like an RCU-protected BPF map value).
 */
struct rax_umap *rax_umap_create(const struct rax_map_def *def, const char *name, int *err);
void rax_umap_free(struct rax_umap *m);
const struct rax_map_def *rax_umap_def(const struct rax_umap *m);
int rax_umap_lookup(struct rax_umap *m, const void *key, void *value);
void *rax_umap_lookup_ptr(struct rax_umap *m, const void *key);
int rax_umap_update(struct rax_umap *m, const void *key, const void *value, __u64 flags);
int rax_umap_delete(struct rax_umap *m, const void *key);
int rax_umap_get_next_key(struct rax_umap *m, const void *key, void *next_key);

/* ---- In-process backend (loader_inproc.c, runtime_inproc.c) ----------------------- */
/* Create maps, build the W^X image, relocate, bind helpers, fill map slots. */
int rax_inproc_load(struct rax_object *obj);
void rax_inproc_unload(struct rax_object *obj);
/* One run through the dispatcher; *result is the program's (or the aborted) result. */
int rax_inproc_run(struct rax_program *prog, void *ctx, __u64 *result);

#endif /* RAX_LIBRAX_INTERNAL_H */
