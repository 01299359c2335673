// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * raxtool build [DIR] [-o FILE] [target-dir DIR] [allow-dep NAME]...
 *
 * Turns an extension crate into a Rax object (docs/abi.md):
 *  1. cargo builds the crate as a staticlib for x86_64-unknown-none with
 *     core rebuilt (-Zbuild-std) under the ONE frozen rustc flag set, the
 *     sources of core taken from the installed rust-src and crates from its
 *     vendored folder (offline), every crate compiled through
 *     rax-rustc-wrapper (the build policy);
 *  2. `ld -r --gc-sections` keeps what the programs and maps reach and
 *     merges per-function sections;
 *  3. objcopy drops the link-time helper sections and adds the metadata
 *     record (.rax.meta);
 *  4. the safety gate checks the result.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build_policy.h"
#include "build_spawn.h"
#include "raxtool.h"

#ifndef RAX_SOURCE_ROOT
#define RAX_SOURCE_ROOT ""
#endif
#ifndef RAX_DATADIR
#define RAX_DATADIR "/usr/share/rax"
#endif
#ifndef RAX_LIBEXECDIR
#define RAX_LIBEXECDIR "/usr/libexec/rax"
#endif

#define RAX_TARGET "x86_64-unknown-none"

/*
 * The frozen flag set of ABI v1 (docs/abi.md "Compiler flags"): changing
 * it changes the code every object contains, so it changes RAX_FLAGS_ID
 * (include/rax/abi.h).
 */
static const char rax_rustflags[] =
	"-C relocation-model=pie -Z plt=yes -C code-model=kernel "
	"-C no-redzone=yes -C force-frame-pointers=yes "
	"-Z emit-stack-sizes -Z patchable-function-entry=5";

/* Profile "rax", defined on the command line so user Cargo.toml files cannot change it. */
static const char *const profile_config[] = {
	"profile.rax.inherits=\"release\"",
	"profile.rax.panic=\"abort\"",
	"profile.rax.opt-level=2",
	"profile.rax.debug=\"line-tables-only\"",
	"profile.rax.codegen-units=1",
	"profile.rax.lto=false",
	"profile.rax.overflow-checks=false",
	"profile.rax.incremental=false",
	"profile.rax.strip=\"none\"",
};

/*
 * Link: merge per-function sections, keep maps/metadata/ABI record, let
 * program sections (xdp, kprobe/..., ...) through as orphans under their
 * own names.  .rax.progs only roots the program entries for gc.
 */
static const char rax_linker_script[] =
	"SECTIONS\n"
	"{\n"
	"  .text : { *(.text .text.*) }\n"
	"  .rodata : { *(.rodata .rodata.*) }\n"
	"  .data.rel.ro : { *(.data.rel.ro .data.rel.ro.*) }\n"
	"  .data : { *(.data .data.*) }\n"
	"  .bss : { *(.bss .bss.* COMMON) }\n"
	"  .maps : { KEEP(*(.maps)) }\n"
	"  license : { KEEP(*(license)) }\n"
	"  .rax.abi : { KEEP(*(.rax.abi)) }\n"
	"  .rax.crate : { KEEP(*(.rax.crate)) }\n"
	"  .rax.progs : { KEEP(*(.rax.progs)) }\n"
	"}\n";

struct build_ctx {
	const char *crate_dir;		/* absolute */
	const char *out_path;
	const char *target_dir;		/* absolute */
	char allowed_deps[1024];	/* comma separated */
	char package[128];
	char version[64];
	char lib_name[128];
	char rustc[PATH_MAX];
	char cargo[PATH_MAX];
	char sysroot_src[PATH_MAX];
	char vendor_dir[PATH_MAX];
	char trusted_crate_dir[PATH_MAX];
	char wrapper[PATH_MAX];
	char tmpdir[PATH_MAX];
	char *rustc_version;
	char *cargo_version;
};

/*
 * snprintf for paths and short strings: truncation is reported (paths
 * over PATH_MAX then simply fail to open) instead of warned about at each
 * call.
 */
__attribute__((format(printf, 3, 4)))
static int pathf(char *buf, size_t sz, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= sz ? -ENAMETOOLONG : n;
}

static bool file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Debian's rustc-web/cargo-web (with rust-src) before whatever is on PATH. */
static void pick_tool(char *out, size_t sz, const char *env, const char *preferred,
		      const char *fallback)
{
	const char *v = getenv(env);

	if (v && *v)
		pathf(out, sz, "%s", v);
	else if (file_exists(preferred))
		pathf(out, sz, "%s", preferred);
	else
		pathf(out, sz, "%s", fallback);
}

/* value of `key = "..."` inside [section] of a Cargo.toml (simple subset). */
static int toml_get(const char *toml, const char *section, const char *key, char *out,
		    size_t sz)
{
	const char *p = toml;
	bool in_section = false;
	size_t klen = strlen(key);

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *q = p;

		while (q < p + len && (*q == ' ' || *q == '\t'))
			q++;
		if (*q == '[') {
			in_section = !strncmp(q + 1, section, strlen(section)) &&
				     q[1 + strlen(section)] == ']';
		} else if (in_section && !strncmp(q, key, klen)) {
			const char *v = q + klen;

			while (*v == ' ' || *v == '\t')
				v++;
			if (*v == '=') {
				const char *start = strchr(v, '"'), *end;

				if (start && start < p + len) {
					end = strchr(start + 1, '"');
					if (end && end < p + len && (size_t)(end - start - 1) < sz) {
						memcpy(out, start + 1, (size_t)(end - start - 1));
						out[end - start - 1] = '\0';
						return 0;
					}
				}
			}
		}
		p = eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

static int read_text(const char *path, char **out)
{
	FILE *f = fopen(path, "re");
	long n;
	char *buf;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		fclose(f);
		return -EIO;
	}
	buf = malloc((size_t)n + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	buf[n] = '\0';
	fclose(f);
	*out = buf;
	return 0;
}

static int write_bytes(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	if (fwrite(buf, 1, len, f) != len) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}

static int read_manifest(struct build_ctx *b)
{
	char path[PATH_MAX];
	char *toml;
	int err;

	pathf(path, sizeof(path), "%s/Cargo.toml", b->crate_dir);
	err = read_text(path, &toml);
	if (err) {
		p_err("no Cargo.toml in '%s': %s", b->crate_dir, strerror(-err));
		return -1;
	}
	if (toml_get(toml, "package", "name", b->package, sizeof(b->package))) {
		p_err("%s: no [package] name", path);
		free(toml);
		return -1;
	}
	if (toml_get(toml, "package", "version", b->version, sizeof(b->version)))
		pathf(b->version, sizeof(b->version), "0.0.0");
	if (toml_get(toml, "lib", "name", b->lib_name, sizeof(b->lib_name)))
		pathf(b->lib_name, sizeof(b->lib_name), "%s", b->package);
	for (char *c = b->lib_name; *c; c++)
		if (*c == '-')
			*c = '_';
	/* crate-type is an array: just look for "staticlib" in the [lib] text */
	if (!strstr(toml, "staticlib")) {
		p_err("%s: an extension crate needs [lib] crate-type = [\"staticlib\"]", path);
		free(toml);
		return -1;
	}
	free(toml);
	return 0;
}

static int find_toolchain(struct build_ctx *b)
{
	char *argv[4];
	char *sysroot = NULL;
	int err;

	pick_tool(b->rustc, sizeof(b->rustc), "RAX_RUSTC", "/usr/bin/rustc", "rustc");
	pick_tool(b->cargo, sizeof(b->cargo), "RAX_CARGO", "/usr/bin/cargo", "cargo");

	argv[0] = b->rustc;
	argv[1] = "--print";
	argv[2] = "sysroot";
	argv[3] = NULL;
	err = spawn_wait(argv, NULL, 0, &sysroot);
	if (err) {
		p_err("cannot run %s (install Debian's rustc-web): %s", b->rustc,
		      err < 0 ? strerror(-err) : "it failed");
		return -1;
	}
	pathf(b->sysroot_src, sizeof(b->sysroot_src), "%s/lib/rustlib/src/rust/library",
		 sysroot);
	free(sysroot);
	{
		char core[PATH_MAX];

		pathf(core, sizeof(core), "%s/core/Cargo.toml", b->sysroot_src);
		if (!file_exists(core)) {
			p_err("%s has no rust-src (needed to rebuild core without SSE): install rust-web-src",
			      b->rustc);
			return -1;
		}
	}
	pathf(b->vendor_dir, sizeof(b->vendor_dir), "%s/vendor", b->sysroot_src);
	if (!file_exists(b->vendor_dir)) {
		p_err("%s: no vendored crates for an offline build of core", b->vendor_dir);
		return -1;
	}

	argv[1] = "--version";
	argv[2] = NULL;
	if (spawn_wait(argv, NULL, 0, &b->rustc_version)) {
		p_err("%s --version failed", b->rustc);
		return -1;
	}
	argv[0] = b->cargo;
	if (spawn_wait(argv, NULL, 0, &b->cargo_version)) {
		p_err("cannot run %s (install Debian's cargo-web)", b->cargo);
		return -1;
	}
	return 0;
}

/* The trusted rax crate and the wrapper: in the source tree, else installed. */
static int find_rax_parts(struct build_ctx *b)
{
	char self[PATH_MAX], dir[PATH_MAX];
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		p_err("cannot find raxtool's own path: %s", strerror(errno));
		return -1;
	}
	self[n] = '\0';
	pathf(dir, sizeof(dir), "%s", self);
	*strrchr(dir, '/') = '\0';

	pathf(b->wrapper, sizeof(b->wrapper), "%s/rax-rustc-wrapper", dir);
	if (!file_exists(b->wrapper))
		pathf(b->wrapper, sizeof(b->wrapper), "%s/rax-rustc-wrapper", RAX_LIBEXECDIR);
	if (!file_exists(b->wrapper)) {
		p_err("rax-rustc-wrapper not found next to raxtool or in %s", RAX_LIBEXECDIR);
		return -1;
	}

	if (getenv("RAX_CRATE_DIR"))
		pathf(b->trusted_crate_dir, sizeof(b->trusted_crate_dir), "%s",
			 getenv("RAX_CRATE_DIR"));
	else if (*RAX_SOURCE_ROOT && file_exists(RAX_SOURCE_ROOT "/rust/rax-kernel-crate/Cargo.toml"))
		pathf(b->trusted_crate_dir, sizeof(b->trusted_crate_dir), "%s",
			 RAX_SOURCE_ROOT "/rust/rax-kernel-crate");
	else
		pathf(b->trusted_crate_dir, sizeof(b->trusted_crate_dir), "%s",
			 RAX_DATADIR "/rust/rax-kernel-crate");
	return 0;
}

static int run_cargo(struct build_ctx *b, char **artifacts)
{
	char manifest[PATH_MAX], vendor_cfg[PATH_MAX + 64];
	struct env_override env[] = {
		{ "RUSTC", b->rustc },
		{ "RUSTC_WRAPPER", b->wrapper },
		{ "RUSTC_WORKSPACE_WRAPPER", NULL },
		/* -Z flags and -Zbuild-std on a stable toolchain, like the kernel's own Rust build */
		{ "RUSTC_BOOTSTRAP", "1" },
		{ "RUSTFLAGS", rax_rustflags },
		{ "CARGO_ENCODED_RUSTFLAGS", NULL },
		{ "CARGO_BUILD_RUSTFLAGS", NULL },
		{ "CARGO_BUILD_TARGET", NULL },
		{ "RAX_SYSROOT_SRC", b->sysroot_src },
		{ "RAX_TRUSTED_CRATE_DIR", b->trusted_crate_dir },
		{ "RAX_ALLOWED_DEPS", b->allowed_deps },
	};
	char *argv[64];
	int argc = 0, err;

	pathf(manifest, sizeof(manifest), "%s/Cargo.toml", b->crate_dir);
	pathf(vendor_cfg, sizeof(vendor_cfg), "source.rax-vendored.directory=\"%s\"",
		 b->vendor_dir);
	argv[argc++] = b->cargo;
	argv[argc++] = "build";
	argv[argc++] = "--quiet";
	/* diagnostics rendered on stderr as usual; artifacts as JSON on stdout */
	argv[argc++] = "--message-format=json-render-diagnostics";
	argv[argc++] = "--manifest-path";
	argv[argc++] = manifest;
	argv[argc++] = "--target";
	argv[argc++] = RAX_TARGET;
	argv[argc++] = "-Zbuild-std=core,compiler_builtins";
	argv[argc++] = "--profile";
	argv[argc++] = "rax";
	argv[argc++] = "--lib";
	argv[argc++] = "--target-dir";
	argv[argc++] = (char *)b->target_dir;
	argv[argc++] = "--config";
	argv[argc++] = "source.crates-io.replace-with=\"rax-vendored\"";
	argv[argc++] = "--config";
	argv[argc++] = vendor_cfg;
	for (size_t i = 0; i < sizeof(profile_config) / sizeof(profile_config[0]); i++) {
		argv[argc++] = "--config";
		argv[argc++] = (char *)profile_config[i];
	}
	argv[argc] = NULL;

	err = spawn_wait(argv, env, sizeof(env) / sizeof(env[0]), artifacts);
	if (err) {
		p_err("crate '%s': cargo build failed (see the messages above)", b->package);
		return -1;
	}
	return 0;
}

/*
 * The string value of "key" in one line of cargo's JSON output (first
 * occurrence), unescaped into @p out.  Enough JSON for cargo's
 * compiler-artifact records: keys are unique where we look for them.
 */
static int json_string(const char *line, const char *key, char *out, size_t sz)
{
	char pattern[64];
	const char *p;
	size_t n = 0;

	pathf(pattern, sizeof(pattern), "\"%s\":\"", key);
	p = strstr(line, pattern);
	if (!p)
		return -ENOENT;
	for (p += strlen(pattern); *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (n + 1 >= sz)
			return -ENAMETOOLONG;
		out[n++] = *p;
	}
	out[n] = '\0';
	return *p == '"' ? 0 : -EINVAL;
}

/*
 * The build policy once more over EVERY crate that went into the staticlib,
 * fresh or reused from cargo's cache: cargo does not run rustc (and so not
 * the wrapper) for a crate it considers up to date, and neither the allowed
 * dependencies nor the wrapper are part of its fingerprint.  So a crate
 * compiled for another build (another allow-dep list, or plain cargo) could
 * slip in unchecked.  Here every artifact is classified again and every
 * non-trusted crate's sources are scanned again.
 */
static int verify_artifacts(struct build_ctx *b, const char *json)
{
	char sysroot[PATH_MAX], trusted[PATH_MAX];
	const char *line = json;
	int bad = 0;

	if (!realpath(b->sysroot_src, sysroot))
		pathf(sysroot, sizeof(sysroot), "%s", b->sysroot_src);
	if (!realpath(b->trusted_crate_dir, trusted))
		pathf(trusted, sizeof(trusted), "%s", b->trusted_crate_dir);

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		char name[256], src[PATH_MAX], real_src[PATH_MAX], dir[PATH_MAX], kind[64];
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char *rec = strndup(line, len);

		line = eol ? eol + 1 : NULL;
		if (!rec)
			return -1;
		if (!strstr(rec, "\"reason\":\"compiler-artifact\"") ||
		    json_string(rec, "name", name, sizeof(name)) ||
		    json_string(rec, "src_path", src, sizeof(src))) {
			free(rec);
			continue;
		}
		/* "kind":["lib"] / ["custom-build"] / ["proc-macro"] */
		kind[0] = '\0';
		{
			const char *k = strstr(rec, "\"kind\":[\"");

			if (k)
				sscanf(k + 9, "%63[^\"]", kind);
		}
		free(rec);
		if (!realpath(src, real_src))
			pathf(real_src, sizeof(real_src), "%s", src);
		for (char *c = name; *c; c++)
			if (*c == '-')
				*c = '_';

		if (policy_path_within(real_src, sysroot))
			continue;
		if (!strcmp(name, "rax") && policy_path_within(real_src, trusted))
			continue;
		if (!strcmp(kind, "custom-build") || !strcmp(kind, "proc-macro")) {
			fprintf(stderr, "error[policy.dependency]: crate '%s': %s are not allowed in Rax extensions\n",
				name, strcmp(kind, "proc-macro") ? "build scripts" : "procedural macros");
			bad++;
			continue;
		}
		if (!policy_path_within(real_src, b->crate_dir) &&
		    !policy_name_in_list(name, b->allowed_deps)) {
			fprintf(stderr, "error[policy.dependency]: crate '%s': dependency not allowed: extensions may depend on rax and on crates allowed with `raxtool build allow-dep NAME`\n",
				name);
			bad++;
			continue;
		}
		pathf(dir, sizeof(dir), "%s", real_src);
		if (strrchr(dir, '/'))
			*strrchr(dir, '/') = '\0';
		{
			int v = policy_scan_dir(dir, policy_report_stderr, name);

			if (v != 0)
				bad += v > 0 ? v : 1;
		}
	}
	if (bad) {
		p_err("crate '%s' violates the Rax build policy (%d finding%s)", b->package, bad,
		      bad == 1 ? "" : "s");
		return -1;
	}
	return 0;
}

static int run_tool(char **argv, const char *what)
{
	int err = spawn_wait(argv, NULL, 0, NULL);

	if (err) {
		p_err("%s failed (%s)", what, err < 0 ? strerror(-err) : "non-zero exit");
		return -1;
	}
	return 0;
}

static int append_kv(char *buf, size_t sz, size_t *len, const char *key, const char *val)
{
	int n = pathf(buf + *len, sz - *len, "%s=%s", key, val);

	if (n < 0)
		return -ENOSPC;
	*len += (size_t)n + 1;	/* keep the NUL */
	return 0;
}

static int write_meta(struct build_ctx *b, const char *linked, const char *meta_path)
{
	char crate_sec[PATH_MAX], policy[1200], strings[4096];
	char *rax_version = NULL, *dump_argv[6], dump_arg[PATH_MAX + 32];
	struct rax_meta_hdr hdr = { .magic = RAX_META_MAGIC, .abi_version = RAX_ABI_VERSION,
				    .hdr_size = sizeof(hdr) };
	size_t len = 0;
	void *image;
	int err;

	/* the rax crate's version travels in .rax.crate (lib.rs) */
	pathf(crate_sec, sizeof(crate_sec), "%s/rax-crate-version", b->tmpdir);
	pathf(dump_arg, sizeof(dump_arg), ".rax.crate=%s", crate_sec);
	dump_argv[0] = "objcopy";
	dump_argv[1] = "--dump-section";
	dump_argv[2] = dump_arg;
	dump_argv[3] = (char *)linked;
	dump_argv[4] = crate_sec;	/* output: a throwaway copy */
	dump_argv[5] = NULL;
	{
		char copy[PATH_MAX];

		pathf(copy, sizeof(copy), "%s/dump-copy.o", b->tmpdir);
		dump_argv[4] = copy;
		if (run_tool(dump_argv, "objcopy --dump-section .rax.crate"))
			return -1;
	}
	if (read_text(crate_sec, &rax_version)) {
		p_err("crate '%s': the object has no rax crate version (.rax.crate): is it built on the rax crate?",
		      b->package);
		return -1;
	}

	pathf(policy, sizeof(policy),
		 "%s: unsafe_code=forbid features=none deps=rax%s%s scan=on proc_macro=deny build_rs=deny",
		 RAX_BUILD_POLICY_ID, *b->allowed_deps ? "," : "", b->allowed_deps);
	if (append_kv(strings, sizeof(strings), &len, "crate", b->package) ||
	    append_kv(strings, sizeof(strings), &len, "crate_version", b->version) ||
	    append_kv(strings, sizeof(strings), &len, "rax_crate_version", rax_version) ||
	    append_kv(strings, sizeof(strings), &len, "rustc", b->rustc_version) ||
	    append_kv(strings, sizeof(strings), &len, "cargo", b->cargo_version) ||
	    append_kv(strings, sizeof(strings), &len, "target", RAX_TARGET) ||
	    append_kv(strings, sizeof(strings), &len, "flags_id", RAX_FLAGS_ID) ||
	    append_kv(strings, sizeof(strings), &len, "rustflags", rax_rustflags) ||
	    append_kv(strings, sizeof(strings), &len, "policy", policy)) {
		free(rax_version);
		p_err("metadata record too large");
		return -1;
	}
	free(rax_version);
	hdr.strings_size = (__u32)len;

	image = malloc(sizeof(hdr) + len);
	if (!image)
		return -1;
	memcpy(image, &hdr, sizeof(hdr));
	memcpy((char *)image + sizeof(hdr), strings, len);
	err = write_bytes(meta_path, image, sizeof(hdr) + len);
	free(image);
	if (err) {
		p_err("cannot write %s: %s", meta_path, strerror(-err));
		return -1;
	}
	return 0;
}

static int link_object(struct build_ctx *b)
{
	char lib[PATH_MAX], script[PATH_MAX], linked[PATH_MAX], meta[PATH_MAX];
	char add_meta[PATH_MAX + 32];
	char *ld_argv[] = { "ld", "-r", "--gc-sections", "-u", "RAX_ABI_RECORD", "-T", script,
			    "--whole-archive", lib, "-o", linked, NULL };
	char *objcopy_argv[] = { "objcopy", "-R", ".rax.progs", "-R", ".rela.rax.progs",
				 "-R", ".rax.crate", "--add-section", add_meta,
				 "--set-section-flags", ".rax.meta=readonly",
				 linked, (char *)b->out_path, NULL };

	pathf(lib, sizeof(lib), "%s/%s/rax/lib%s.a", b->target_dir, RAX_TARGET, b->lib_name);
	if (!file_exists(lib)) {
		p_err("cargo produced no %s", lib);
		return -1;
	}
	pathf(script, sizeof(script), "%s/rax.ld", b->tmpdir);
	pathf(linked, sizeof(linked), "%s/linked.o", b->tmpdir);
	pathf(meta, sizeof(meta), "%s/rax.meta", b->tmpdir);
	pathf(add_meta, sizeof(add_meta), ".rax.meta=%s", meta);
	if (write_bytes(script, rax_linker_script, strlen(rax_linker_script))) {
		p_err("cannot write the linker script");
		return -1;
	}
	if (run_tool(ld_argv, "ld -r"))
		return -1;
	if (write_meta(b, linked, meta))
		return -1;
	return run_tool(objcopy_argv, "objcopy");
}

static void remove_tmpdir(const char *dir)
{
	static const char *const names[] = { "rax.ld", "linked.o", "rax.meta",
					     "rax-crate-version", "dump-copy.o" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		pathf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* The gate on the fresh object: a build that the loader would refuse fails. */
static int check_object(struct build_ctx *b, int *findings)
{
	struct rax_object *obj = rax_object__open_file(b->out_path, NULL);
	int n;

	if (!obj) {
		p_err("cannot open the built object %s: %s", b->out_path, strerror(errno));
		return -1;
	}
	n = rax_object__check(obj, NULL);
	if (n < 0) {
		p_err("safety gate failed on %s: %s", b->out_path, strerror(-n));
		rax_object__close(obj);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const struct rax_check_finding *f = rax_object__finding(obj, (size_t)i);

		if (f)
			fprintf(stderr, "gate: %s: %s+0x%llx%s%s%s: %s\n", f->rule,
				f->func ? f->func : "?", (unsigned long long)f->offset,
				f->source ? " (" : "", f->source ? f->source : "",
				f->source ? ")" : "", f->message);
	}
	rax_object__close(obj);
	*findings = n;
	return 0;
}

static int usage(void)
{
	if (json_output)
		return 0;
	printf("Usage: %s build [DIR] [output FILE | -o FILE] [target-dir DIR] [allow-dep CRATE]...\n"
	       "       %s build help\n"
	       "\n"
	       "build: compile the extension crate in DIR (default: .) into a Rax\n"
	       "       object (default: ./<crate>.rax.o) under the build policy, then\n"
	       "       run the safety gate on it; a rejected object is not written.\n"
	       "       target-dir (or RAX_TARGET_DIR) shares cargo's output between\n"
	       "       crates; allow-dep lets the crate depend on CRATE.\n",
	       bin_name, bin_name);
	return 0;
}

int do_build(int argc, char **argv)
{
	char crate_dir[PATH_MAX], target_dir[PATH_MAX], out_default[PATH_MAX];
	struct build_ctx b = { 0 };
	const char *dir = ".", *out = NULL, *tdir = NULL;
	char *artifacts = NULL;
	int findings = 0, ret = -1;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "help") || !strcmp(argv[i], "-h"))
			return usage();
		if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "output")) && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "target-dir") && i + 1 < argc) {
			tdir = argv[++i];
		} else if (!strcmp(argv[i], "allow-dep") && i + 1 < argc) {
			size_t n = strlen(b.allowed_deps);

			pathf(b.allowed_deps + n, sizeof(b.allowed_deps) - n, "%s%s",
				 n ? "," : "", argv[++i]);
		} else if (argv[i][0] != '-' && dir[0] == '.' && dir[1] == '\0') {
			dir = argv[i];
		} else {
			p_err("build: unexpected argument '%s'", argv[i]);
			return -1;
		}
	}
	if (!realpath(dir, crate_dir)) {
		p_err("crate directory '%s': %s", dir, strerror(errno));
		return -1;
	}
	b.crate_dir = crate_dir;
	if (read_manifest(&b) || find_toolchain(&b) || find_rax_parts(&b))
		goto out;

	if (!tdir)
		tdir = getenv("RAX_TARGET_DIR");
	if (tdir) {
		mkdir(tdir, 0755);
		if (!realpath(tdir, target_dir)) {
			p_err("target dir '%s': %s", tdir, strerror(errno));
			goto out;
		}
	} else {
		pathf(target_dir, sizeof(target_dir), "%s/target", crate_dir);
	}
	b.target_dir = target_dir;
	if (!out) {
		pathf(out_default, sizeof(out_default), "%s.rax.o", b.package);
		out = out_default;
	}
	b.out_path = out;

	pathf(b.tmpdir, sizeof(b.tmpdir), "%s/rax-build-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(b.tmpdir)) {
		p_err("cannot create a temporary directory: %s", strerror(errno));
		goto out;
	}
	if (run_cargo(&b, &artifacts) || verify_artifacts(&b, artifacts) || link_object(&b) ||
	    check_object(&b, &findings)) {
		unlink(b.out_path);
		goto out_tmp;
	}
	if (findings) {
		p_err("%s: rejected by the safety gate (%d finding%s)", b.out_path, findings,
		      findings == 1 ? "" : "s");
		unlink(b.out_path);
		goto out_tmp;
	}
	out_inline_begin(NULL, " ");
	out_str("object", "Built %s", b.out_path);
	out_str("crate", "from crate %s", b.package);
	out_str("version", "%s,", b.version);
	out_str("gate", "%s by the safety gate", "accepted");
	out_inline_end();
	ret = 0;
out_tmp:
	remove_tmpdir(b.tmpdir);
out:
	free(artifacts);
	free(b.rustc_version);
	free(b.cargo_version);
	return ret;
}
