/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * raxtool: shared declarations of the command files (one file per noun).
 */
#ifndef RAXTOOL_H
#define RAXTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rax/librax.h>

#include "json_writer.h"

#ifndef RAX_VERSION
#define RAX_VERSION "unknown"
#endif

/* Global options, set once by main() before a command runs. */
extern bool json_output;	/* -j / -p */
extern bool debug_output;	/* -d */
extern const char *bin_name;

/* ---- Errors and diagnostics: the ONE error path ----------------------------- */
/**
 * @brief Report an error: "Error: ..." on stderr, or an "error" member in
 * the JSON document on stdout under -j.  Commands then return -1.
 */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** @brief A note for the user on stderr (never on stdout, so -j stays valid). */
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- Command tables --------------------------------------------------------- */
struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
	/* argument synopsis shown by help; NULL hides the command from help */
	const char *synopsis;
};

/**
 * @brief Run the command of @p cmds that argv[0] names (exactly or as an
 * unambiguous prefix) with the remaining arguments.  With no argument,
 * runs @p dflt if given.
 * @return the command's result, or -1 after p_err()
 */
int cmd_select(const struct cmd *cmds, int argc, char **argv,
	       int (*dflt)(int argc, char **argv), const char *noun);
/**
 * @brief Print help for @p noun from its command table: one usage line per
 * command, then @p extra (may be NULL).  Under -j prints nothing (null).
 */
int print_noun_help(const char *noun, const struct cmd *cmds, const char *extra);

/* ---- Keyword arguments ("name PROG data_in FILE ...") ---------------------- */
struct keyword {
	const char *name;
	const char **value;	/* out: the argument that follows the keyword */
};
/**
 * @brief Parse "keyword value" pairs; each keyword at most once.
 * @return 0, or -1 after p_err() for an unknown, repeated or value-less keyword
 */
int parse_keywords(int argc, char **argv, const struct keyword *kws);
/**
 * @brief Parse "FILE keyword value ...": the object path, then keywords.
 * @return 0 (*@p path set), or -1 after p_err() when FILE is missing or a
 * keyword is wrong
 */
int parse_file_args(int argc, char **argv, const char **path,
		    const struct keyword *kws);
/** @brief Parse a decimal/hex unsigned number for keyword @p what; -1 after p_err(). */
int parse_u32(const char *s, const char *what, uint32_t *out);
/**
 * @brief Read a whole file ("-" = stdin) into a malloc()ed buffer.
 * @return 0, or -1 after p_err()
 */
int read_file(const char *path, const char *what, void **buf, size_t *size);
/**
 * @brief Open a Rax object for a command; backend may be RAX_BACKEND_AUTO.
 * @return the object, or NULL after p_err() with a clear reason
 */
struct rax_object *open_object(const char *path, enum rax_backend backend);
/** @brief Load @p obj; on failure p_err() with the reason. @return 0 or -1 */
int load_object(struct rax_object *obj, const char *path);

const char *prog_type_str(enum rax_prog_type type);
const char *map_type_str(enum rax_map_type type);
const char *backend_str(enum rax_backend backend);

/* ---- Output: one renderer serves plain text and JSON ------------------------
 * Commands describe what they print once, with a JSON member name and a
 * plain-text printf format per field; output.c writes JSON (-j) or text.
 * Plain layout: a "block" container prints one field per line, indented by
 * nesting; an "inline" container prints its fields on one line joined by
 * its separator.  A NULL plain format makes a field JSON-only; a NULL value
 * string is JSON null and omitted from text.
 */
/** @brief Start output (creates the JSON writer under -j). */
int out_init(bool pretty);
/** @brief Finish: close JSON containers, flush. */
void out_fini(void);
/** @brief The JSON writer under -j, else NULL (used by p_err()). */
struct json_writer *out_json(void);

/** @brief Object with member @p key (NULL at top level or in a list); @p heading: text line before it. */
void out_block_begin(const char *key, const char *heading);
void out_block_end(void);
/** @brief Object whose plain fields share one line, joined by @p sep. */
void out_inline_begin(const char *key, const char *sep);
void out_inline_end(void);
/** @brief Array with member @p key; plain: a @p heading line, then one line per element. */
void out_list_begin(const char *key, const char *heading);
/** @brief Array of scalars; plain: @p prefix then the elements comma-joined on the current line. */
void out_inline_list_begin(const char *key, const char *prefix);
void out_list_end(void);

void out_str(const char *key, const char *plain_fmt, const char *val);
void out_u64(const char *key, const char *plain_fmt, uint64_t val);
void out_bool(const char *key, const char *plain_fmt, bool val);
/** @brief Bytes: JSON ["0x01", ...] like bpftool; plain "01 02 ..." through @p plain_fmt (%s). */
void out_hex(const char *key, const char *plain_fmt, const void *buf, size_t len);
/** @brief A text line in plain mode only (summaries such as "Found 3 elements"). */
void out_plain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- Nouns ------------------------------------------------------------------ */
int do_object(int argc, char **argv);
int do_prog(int argc, char **argv);
int do_map(int argc, char **argv);
int do_build(int argc, char **argv);	/* build.c, written by the lead */

/* ---- Running programs (prog.c), shared with "map dump ... run" ------------ */
struct run_input {
	const char *data_in;	/* file with the packet, "-" = stdin, or NULL */
	const char *ctx_in;	/* file with the context, or NULL */
	uint32_t repeat;	/* 0 = once */
	bool want_data_out;
};
struct run_result {
	uint32_t retval;
	uint32_t duration;	/* average ns per run */
	void *data_out;		/* malloc()ed when want_data_out */
	size_t data_out_size;
};
/** @brief Backend a command loads into: in-process unless RAX_BACKEND says otherwise. */
enum rax_backend run_backend(void);
/**
 * @brief The program called @p name, or the only program when @p name is NULL.
 * @return the program, or NULL after p_err()
 */
struct rax_program *pick_program(const struct rax_object *obj, const char *name,
				 const char *path);
/**
 * @brief Test-run a loaded program on the input files.
 * @return 0 (result in @p res, caller frees res->data_out), or -1 after p_err()
 */
int run_program(const struct rax_program *prog, const struct run_input *in,
		struct run_result *res);

/**
 * @brief Render every map of a loaded object (or only @p only when not
 * NULL) with its entries; shared by "map dump" and "prog run".
 * @return 0, or -1 after p_err()
 */
int render_maps(const struct rax_object *obj, const char *only);

#endif /* RAXTOOL_H */
