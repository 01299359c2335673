// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Metadata policy (rules meta.*): the ".rax.meta" record with the ABI
 * version and toolchain facts, the crate's ".rax.abi" layout record
 * (must equal what this library was built against) and the license.
 */
#include <stddef.h>
#include <string.h>

#include "librax_internal.h"
#include "gate.h"

#define HINT_BUILD "hint: build the object with `raxtool build`, which records it"

const char *gate_license(const struct gate_ctx *ctx)
{
	const struct gate_sec *s = gate_elf_section(ctx, RAX_SEC_LICENSE, NULL);

	if (!s || !s->data || !s->size || !memchr(s->data, 0, s->size))
		return NULL;
	return (const char *)s->data;
}

/* Value of "key=" in the NUL-separated strings, or NULL. */
static const char *meta_value(const char *strs, size_t size, const char *key)
{
	size_t klen = strlen(key), pos = 0;

	while (pos < size) {
		const char *s = strs + pos;
		size_t len = strnlen(s, size - pos);

		if (len > klen && !strncmp(s, key, klen) && s[klen] == '=')
			return s + klen + 1;
		pos += len + 1;
	}
	return NULL;
}

static void check_meta(struct gate_ctx *ctx)
{
	static const char *const required[] = { "rustc", "flags_id", "policy" };
	const struct gate_sec *s = gate_elf_section(ctx, RAX_SEC_META, NULL);
	struct rax_meta_hdr h;
	const char *strs;
	size_t i;

	if (!s || !s->data) {
		gate_finding(ctx, "meta.missing", NULL, 0,
			     "no \"" RAX_SEC_META "\" metadata section (ABI version, toolchain, build policy); " HINT_BUILD);
		return;
	}
	if (s->size < sizeof(h)) {
		gate_finding(ctx, "meta.format", NULL, 0,
			     "\"" RAX_SEC_META "\" is %llu bytes, shorter than its %zu-byte header; " HINT_BUILD,
			     (unsigned long long)s->size, sizeof(h));
		return;
	}
	memcpy(&h, s->data, sizeof(h));
	if (memcmp(h.magic, RAX_META_MAGIC, sizeof(h.magic)) ||
	    h.hdr_size != sizeof(h) || h.strings_size > s->size - sizeof(h)) {
		gate_finding(ctx, "meta.format", NULL, 0,
			     "\"" RAX_SEC_META "\" has a bad magic, header size or string size; " HINT_BUILD);
		return;
	}
	if (h.abi_version != RAX_ABI_VERSION)
		gate_finding(ctx, "meta.abi_version", NULL, 0,
			     "object built for Rax ABI v%u, this library implements ABI v%u; hint: rebuild the extension against a rax crate of ABI v%u",
			     h.abi_version, RAX_ABI_VERSION, RAX_ABI_VERSION);
	strs = (const char *)s->data + sizeof(h);
	if (h.strings_size && strs[h.strings_size - 1]) {
		gate_finding(ctx, "meta.format", NULL, 0,
			     "\"" RAX_SEC_META "\" strings are not NUL-terminated; " HINT_BUILD);
		return;
	}
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!meta_value(strs, h.strings_size, required[i]))
			gate_finding(ctx, "meta.toolchain", NULL, 0,
				     "metadata lacks \"%s\" (toolchain and build policy facts); " HINT_BUILD,
				     required[i]);
}

struct abi_field {
	const char *name;
	size_t off;
};

#define F(x) { #x, offsetof(struct rax_abi_layout, x) }
static const struct abi_field abi_fields[] = {
	F(magic), F(abi_version), F(size), F(map_def_size), F(map_def_off_type),
	F(map_def_off_key_size), F(map_def_off_value_size),
	F(map_def_off_max_entries), F(map_def_off_map_flags),
	F(map_def_off_pinning), F(map_def_off_inline_lookup), F(xdp_ctx_size),
	F(xdp_ctx_off_data), F(xdp_ctx_off_data_end),
	F(xdp_ctx_off_ingress_ifindex), F(xdp_ctx_off_rx_queue_index),
	F(kprobe_ctx_size), F(kprobe_ctx_off_ret), F(raw_tp_ctx_size),
	F(raw_tp_ctx_off_nr_args), F(helper_count), F(stack_size),
	F(stack_budget), F(reserved),
};
#undef F

static void check_abi(struct gate_ctx *ctx)
{
	const struct gate_sec *s = gate_elf_section(ctx, RAX_SEC_ABI, NULL);
	struct rax_abi_layout want, got;
	size_t i;

	if (!s || !s->data) {
		gate_finding(ctx, "meta.missing", NULL, 0,
			     "no \"" RAX_SEC_ABI "\" layout record; hint: depend on the rax crate (it emits the record) and build with `raxtool build`");
		return;
	}
	if (s->size != sizeof(got)) {
		gate_finding(ctx, "meta.abi_layout", NULL, 0,
			     "\"" RAX_SEC_ABI "\" is %llu bytes, expected %zu; hint: rebuild against the rax crate that matches this librax",
			     (unsigned long long)s->size, sizeof(got));
		return;
	}
	memcpy(&got, s->data, sizeof(got));
	rax_abi_layout_expected(&want);
	if (got.abi_version != want.abi_version) {
		gate_finding(ctx, "meta.abi_version", NULL, 0,
			     "rax crate built for ABI v%u, this library implements ABI v%u; hint: rebuild against a rax crate of ABI v%u",
			     got.abi_version, want.abi_version, want.abi_version);
		return;
	}
	for (i = 0; i < sizeof(abi_fields) / sizeof(abi_fields[0]); i++) {
		__u32 a, b;

		memcpy(&a, (const char *)&got + abi_fields[i].off, sizeof(a));
		memcpy(&b, (const char *)&want + abi_fields[i].off, sizeof(b));
		if (a != b)
			gate_finding(ctx, "meta.abi_layout", NULL, 0,
				     "ABI layout field %s is %u in the object, %u in this library; hint: the rax crate and librax disagree on the ABI: rebuild with the matching rax crate",
				     abi_fields[i].name, a, b);
	}
}

static void check_license(struct gate_ctx *ctx)
{
	const struct gate_sec *s = gate_elf_section(ctx, RAX_SEC_LICENSE, NULL);
	const char *lic = gate_license(ctx);

	if (!s)
		gate_finding(ctx, "meta.license", NULL, 0,
			     "no \"" RAX_SEC_LICENSE "\" section; hint: declare the license with the rax crate's license macro (e.g. \"GPL\" or \"Dual BSD/GPL\")");
	else if (!lic || !lic[0])
		gate_finding(ctx, "meta.license", NULL, 0,
			     "the \"" RAX_SEC_LICENSE "\" section is empty or not a NUL-terminated string; hint: declare the license with the rax crate's license macro");
}

void gate_meta_check(struct gate_ctx *ctx)
{
	check_meta(ctx);
	check_abi(ctx);
	check_license(ctx);
}
