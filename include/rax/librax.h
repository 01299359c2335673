/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * librax: load and run Rax extensions (safe Rust kernel extensions).
 *
 * The API mirrors libbpf 1.x so a libbpf loader ports by renaming:
 * bpf_object__* -> rax_object__*, bpf_program__* -> rax_program__*,
 * bpf_map__* -> rax_map__*, LIBBPF_OPTS -> RAX_OPTS.
 *
 * Error convention (libbpf 1.x): functions returning int return 0 or a
 * negative errno and also set errno to the positive value; functions
 * returning a pointer return NULL and set errno.
 */
#ifndef RAX_LIBRAX_H
#define RAX_LIBRAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>
#include <rax/abi.h>
#include <rax/rax.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rax_object;
struct rax_program;
struct rax_map;

/* ---- Logging --------------------------------------------------------------- */
enum librax_print_level {
	LIBRAX_WARN,
	LIBRAX_INFO,
	LIBRAX_DEBUG,
};
typedef int (*librax_print_fn_t)(enum librax_print_level level,
				 const char *fmt, va_list args);
/**
 * @brief Route librax's log messages through @p fn (NULL silences them).
 * The default prints WARN and INFO to stderr; LIBRAX_LOG_LEVEL=debug in the
 * environment adds DEBUG.  In-process, helpers such as rax_trace_printk log
 * from the running program's stack, where only part of RAX_STACK_RESERVE
 * may be free: keep @p fn's own stack use small (format into a bounded
 * buffer rather than vfprintf to an unbuffered stream).
 * @return the previous callback
 */
LIBRAX_API librax_print_fn_t librax_set_print(librax_print_fn_t fn);

/* ---- Objects --------------------------------------------------------------- */
enum rax_backend {
	RAX_BACKEND_AUTO = 0,	/* kernel module if /dev/rax exists, else in-process */
	RAX_BACKEND_INPROC = 1,	/* librax's in-process runtime */
	RAX_BACKEND_KERNEL = 2,	/* rax.ko through /dev/rax */
};

struct rax_object_open_opts {
	size_t sz;		/* sizeof(struct rax_object_open_opts) */
	/* object name; default: file name without directories / "mem-<addr>" */
	const char *object_name;
	/* where rax_object__load() loads; also RAX_BACKEND=inproc|kernel */
	enum rax_backend backend;
	/* per-run time budget in ms (0: RAX_DEFAULT_TIME_BUDGET_MS) */
	__u32 time_budget_ms;
	size_t :0;
};
#define rax_object_open_opts__last_field time_budget_ms

/**
 * @brief Open a Rax object (ELF) from a file and parse its programs, maps
 * and metadata.  Nothing is loaded yet.
 * @return the object, or NULL with errno set
 */
LIBRAX_API struct rax_object *
rax_object__open_file(const char *path, const struct rax_object_open_opts *opts);
/** @brief As rax_object__open_file() on an in-memory image (copied). */
LIBRAX_API struct rax_object *
rax_object__open_mem(const void *obj_buf, size_t obj_buf_sz,
		     const struct rax_object_open_opts *opts);
/**
 * @brief Run the safety checks, create the maps and load every program
 * into the selected backend.
 * @return 0, or a negative errno (errno set)
 */
LIBRAX_API int rax_object__load(struct rax_object *obj);
/**
 * @brief Unload, destroy maps and free the object (NULL is a no-op).
 * In-process, no other thread may be running one of the object's programs
 * (rax_prog_test_run_opts) at the time: their code and state go away.  On
 * the kernel backend rax.ko keeps running programs and links alive itself.
 */
LIBRAX_API void rax_object__close(struct rax_object *obj);
LIBRAX_API const char *rax_object__name(const struct rax_object *obj);
/** @brief The backend the object is (or will be) loaded into. */
LIBRAX_API enum rax_backend rax_object__backend(const struct rax_object *obj);

LIBRAX_API struct rax_program *
rax_object__next_program(const struct rax_object *obj, struct rax_program *prog);
#define rax_object__for_each_program(pos, obj)                 \
	for ((pos) = rax_object__next_program((obj), NULL); (pos); \
	     (pos) = rax_object__next_program((obj), (pos)))
LIBRAX_API struct rax_program *
rax_object__find_program_by_name(const struct rax_object *obj, const char *name);

LIBRAX_API struct rax_map *
rax_object__next_map(const struct rax_object *obj, const struct rax_map *map);
#define rax_object__for_each_map(pos, obj)                 \
	for ((pos) = rax_object__next_map((obj), NULL); (pos); \
	     (pos) = rax_object__next_map((obj), (pos)))
LIBRAX_API struct rax_map *
rax_object__find_map_by_name(const struct rax_object *obj, const char *name);

/* ---- Object introspection (raxtool object show) ------------------------------ */
/** @brief Number of distinct helper imports (undefined symbols) of the object. */
LIBRAX_API size_t rax_object__import_cnt(const struct rax_object *obj);
/** @brief Name of import @p idx (< rax_object__import_cnt()), or NULL + errno. */
LIBRAX_API const char *rax_object__import_name(const struct rax_object *obj, size_t idx);
/**
 * @brief Value of metadata key @p key from the object's ".rax.meta" record
 * (e.g. "rustc", "crate_version"), or NULL + errno (ENOENT) if absent.
 */
LIBRAX_API const char *rax_object__meta(const struct rax_object *obj, const char *key);
/** @brief The object's license string ("license" section), or NULL + errno. */
LIBRAX_API const char *rax_object__license(const struct rax_object *obj);

/* ---- The safety gate ------------------------------------------------------------ */
/* One finding of the gate: which rule, where, and what to write instead. */
struct rax_check_finding {
	const char *rule;	/* e.g. "import", "insn.sse", "stack.depth" */
	const char *func;	/* function symbol, or NULL */
	__u64 offset;		/* byte offset within func (or section) */
	const char *source;	/* "file.rs:line" when line info exists, else NULL */
	const char *message;	/* the finding and a hint */
};

struct rax_check_opts {
	size_t sz;		/* sizeof(struct rax_check_opts) */
	/* recursion: false (default) = mark cycles for the runtime entry
	 * check; true = reject recursive programs */
	bool reject_recursion;
	size_t :0;
};
#define rax_check_opts__last_field reject_recursion

/**
 * @brief Run the safety gate on an opened object (rax_object__load() runs
 * it too, with default options, and fails with -EACCES on any finding).
 * @return the number of findings (0 = accepted), or a negative errno
 */
LIBRAX_API int rax_object__check(struct rax_object *obj, const struct rax_check_opts *opts);
/** @brief Finding @p idx of the last check, or NULL + errno. */
LIBRAX_API const struct rax_check_finding *
rax_object__finding(const struct rax_object *obj, size_t idx);
/** @brief Worst-case stack use of a checked program in bytes (frames and return addresses). */
LIBRAX_API __u32 rax_program__stack_depth(const struct rax_program *prog);
/** @brief Number of functions reachable from @p prog that need the runtime's stack entry check. */
LIBRAX_API size_t rax_program__checked_func_cnt(const struct rax_program *prog);
/** @brief Symbol of checked function @p idx (as in the ELF symbol table), or NULL + errno. */
LIBRAX_API const char *rax_program__checked_func(const struct rax_program *prog, size_t idx);
/** @brief Number of helpers the checked program's reachable code imports. */
LIBRAX_API size_t rax_program__import_cnt(const struct rax_program *prog);
/** @brief Helper import @p idx of a checked program, or NULL + errno. */
LIBRAX_API const char *rax_program__import_name(const struct rax_program *prog, size_t idx);
/** @brief Readable (demangled) name of checked function @p idx, or NULL + errno. */
LIBRAX_API const char *rax_program__checked_func_name(const struct rax_program *prog, size_t idx);
/**
 * @brief Run the safety gate on an object image without opening it, so
 * that objects rax_object__open_mem() refuses (a bad import, a bad
 * relocation, data posing as a program...) still get their findings.
 * @param buf the object file's bytes (any alignment)
 * @param size number of bytes at @p buf
 * @param opts check options, or NULL for the defaults
 * @param cb called once per finding, in order (may be NULL); the finding
 * is valid during the call only
 * @param ctx passed to @p cb
 * @return the number of findings (0 = accepted), or a negative errno
 */
LIBRAX_API int rax_check_image(const void *buf, size_t size, const struct rax_check_opts *opts,
			       void (*cb)(const struct rax_check_finding *f, void *ctx),
			       void *ctx);

/* ---- Programs -------------------------------------------------------------- */
LIBRAX_API const char *rax_program__name(const struct rax_program *prog);
LIBRAX_API const char *rax_program__section_name(const struct rax_program *prog);
LIBRAX_API enum rax_prog_type rax_program__type(const struct rax_program *prog);
/** @brief Handle fd of a loaded program (for rax_prog_test_run_opts()), or -EINVAL. */
LIBRAX_API int rax_program__fd(const struct rax_program *prog);
/** @brief Size of the program's code in bytes (its symbol size). */
LIBRAX_API size_t rax_program__code_size(const struct rax_program *prog);

/* Runtime statistics of a loaded program (opts-style: sz first). */
struct rax_prog_stats {
	size_t sz;		/* sizeof(struct rax_prog_stats) */
	__u64 run_cnt;		/* runs started */
	__u64 run_time_ns;	/* time spent in runs, sampled by the watchdog */
	__u64 aborts[RAX_ABORT_CAUSE_MAX];	/* by enum rax_abort_cause */
	__u64 missed;		/* runs skipped at the nesting limit */
	char last_abort_msg[RAX_PANIC_MSG_LEN];	/* "" when it never aborted */
	size_t :0;
};
#define rax_prog_stats__last_field last_abort_msg
/**
 * @brief Read a loaded program's runtime statistics.
 * @param prog a program of a loaded object
 * @param stats filled up to stats->sz (set sz first)
 * @return 0, or a negative errno (errno set): -EINVAL for bad arguments,
 * -ENOENT when the program is not loaded.  On the kernel backend the
 * counters come from rax.ko (RAX_IOC_STATS).
 */
LIBRAX_API int rax_program__stats(const struct rax_program *prog, struct rax_prog_stats *stats);
/**
 * @brief Set a loaded program's time budget: a run longer than @p ms is
 * ended with RAX_ABORT_TIMEOUT (before load, use the object's
 * time_budget_ms open option).
 * @param prog a program of a loaded object
 * @param ms budget in milliseconds, 0 for RAX_DEFAULT_TIME_BUDGET_MS
 * @return 0, or a negative errno (errno set): -ENOENT before load; on the
 * kernel backend -EINVAL over RAX_MAX_TIME_BUDGET_MS (rax_ioctl.h)
 */
LIBRAX_API int rax_program__set_time_budget(struct rax_program *prog, __u32 ms);

/* ---- Maps ------------------------------------------------------------------ */
LIBRAX_API const char *rax_map__name(const struct rax_map *map);
LIBRAX_API enum rax_map_type rax_map__type(const struct rax_map *map);
LIBRAX_API __u32 rax_map__key_size(const struct rax_map *map);
LIBRAX_API __u32 rax_map__value_size(const struct rax_map *map);
LIBRAX_API __u32 rax_map__max_entries(const struct rax_map *map);
/** @brief Change max_entries before load; -EBUSY after. */
LIBRAX_API int rax_map__set_max_entries(struct rax_map *map, __u32 max_entries);
/** @brief Handle fd of a created map (usable with rax.h's fd API), or -EINVAL before load. */
LIBRAX_API int rax_map__fd(const struct rax_map *map);

/*
 * Element access with explicit sizes, as libbpf 1.x: key_sz/value_sz must
 * equal the map's sizes (-EINVAL otherwise); flags as rax.h.
 */
LIBRAX_API int rax_map__lookup_elem(const struct rax_map *map, const void *key,
				    size_t key_sz, void *value, size_t value_sz,
				    __u64 flags);
LIBRAX_API int rax_map__update_elem(const struct rax_map *map, const void *key,
				    size_t key_sz, const void *value,
				    size_t value_sz, __u64 flags);
LIBRAX_API int rax_map__delete_elem(const struct rax_map *map, const void *key,
				    size_t key_sz, __u64 flags);
/** @brief cur_key NULL: first key.  -ENOENT after the last key. */
LIBRAX_API int rax_map__get_next_key(const struct rax_map *map,
				     const void *cur_key, void *next_key,
				     size_t key_sz);

/* ---- Links: programs attached to kernel hooks (kernel backend) ---------------
 * A link is an fd, like a BPF link: destroying it detaches the program
 * (after runs in flight finish).  It keeps the loaded program alive in the
 * kernel, so it may outlive rax_object__close().  The in-process backend
 * has no kernel hooks: attaching fails with EOPNOTSUPP.
 */
struct rax_link;

/**
 * @brief Attach @p prog where its section name says: "kprobe/<func>",
 * "kretprobe/<func>", "raw_tp/<event>", "raw_tracepoint/<event>".
 * @return the link, or NULL + errno
 */
LIBRAX_API struct rax_link *rax_program__attach(const struct rax_program *prog);
/**
 * @brief Attach a kprobe program to kernel function @p func_name
 * ("func+offset" for a kprobe inside it), or a kretprobe when @p retprobe.
 * @return the link, or NULL + errno
 */
LIBRAX_API struct rax_link *rax_program__attach_kprobe(const struct rax_program *prog,
						       bool retprobe, const char *func_name);
/**
 * @brief Attach a raw tracepoint program to event @p tp_name (raw TP_PROTO
 * arguments; their count comes from the kernel's BTF).
 * @return the link, or NULL + errno
 */
LIBRAX_API struct rax_link *rax_program__attach_raw_tracepoint(const struct rax_program *prog,
							       const char *tp_name);
/** @brief The link's fd, or -EINVAL (errno set). */
LIBRAX_API int rax_link__fd(const struct rax_link *link);
/** @brief Detach now; the link stays allocated until rax_link__destroy(). @return 0 or -errno */
LIBRAX_API int rax_link__detach(struct rax_link *link);
/** @brief Detach and free @p link (NULL is a no-op). @return 0 or -errno */
LIBRAX_API int rax_link__destroy(struct rax_link *link);

#ifdef __cplusplus
}
#endif

#endif /* RAX_LIBRAX_H */
