// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The helper import table and the ABI layout record, both generated from
 * include/rax/abi.h so they cannot drift from the contract.
 */
#include <stddef.h>

#include "librax_internal.h"

struct helper_entry {
	const char *name;
	bool gpl_only;
};

#define HELPER_ENTRY(helper, gpl, since) { #helper, (gpl) != 0 },
static const struct helper_entry helpers[] = {
	RAX_HELPERS(HELPER_ENTRY)
};
#undef HELPER_ENTRY

static const struct helper_entry *helper_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++) {
		if (strcmp(helpers[i].name, name) == 0)
			return &helpers[i];
	}
	return NULL;
}

bool rax_helper_known(const char *name)
{
	return helper_find(name) != NULL;
}

bool rax_helper_gpl_only(const char *name)
{
	const struct helper_entry *h = helper_find(name);

	return h && h->gpl_only;
}

void rax_abi_layout_expected(struct rax_abi_layout *out)
{
	memset(out, 0, sizeof(*out));
	out->magic = RAX_ABI_LAYOUT_MAGIC;
	out->abi_version = RAX_ABI_VERSION;
	out->size = sizeof(struct rax_abi_layout);

	out->map_def_size = sizeof(struct rax_map_def);
	out->map_def_off_type = offsetof(struct rax_map_def, type);
	out->map_def_off_key_size = offsetof(struct rax_map_def, key_size);
	out->map_def_off_value_size = offsetof(struct rax_map_def, value_size);
	out->map_def_off_max_entries = offsetof(struct rax_map_def, max_entries);
	out->map_def_off_map_flags = offsetof(struct rax_map_def, map_flags);
	out->map_def_off_pinning = offsetof(struct rax_map_def, pinning);
	out->map_def_off_inline_lookup = offsetof(struct rax_map_def, inline_lookup);

	out->xdp_ctx_size = sizeof(struct rax_xdp_ctx);
	out->xdp_ctx_off_data = offsetof(struct rax_xdp_ctx, data);
	out->xdp_ctx_off_data_end = offsetof(struct rax_xdp_ctx, data_end);
	out->xdp_ctx_off_ingress_ifindex =
		offsetof(struct rax_xdp_ctx, ingress_ifindex);
	out->xdp_ctx_off_rx_queue_index =
		offsetof(struct rax_xdp_ctx, rx_queue_index);

	out->kprobe_ctx_size = sizeof(struct rax_kprobe_ctx);
	out->kprobe_ctx_off_ret = offsetof(struct rax_kprobe_ctx, ret);

	out->raw_tp_ctx_size = sizeof(struct rax_raw_tp_ctx);
	out->raw_tp_ctx_off_nr_args = offsetof(struct rax_raw_tp_ctx, nr_args);

	out->helper_count = RAX_HELPER_COUNT;
	out->stack_size = RAX_STACK_SIZE;
	out->stack_budget = RAX_STACK_BUDGET;
}
