// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What the VM tests read from the guest kernel's BTF (libbpf). */
#include <stdio.h>

#include <bpf/btf.h>

#include "vm_btf.h"

/*
 * btf_trace_<event> is a pointer to a function prototype whose first
 * parameter is the probe's data pointer: the event's arguments follow.
 */
int vm_tp_arity(const char *event)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	char name[128];
	int id, n = -1;

	if (!btf)
		return -1;
	snprintf(name, sizeof(name), "btf_trace_%s", event);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id > 0) {
		t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
		if (t && btf_is_ptr(t))
			t = btf__type_by_id(btf, t->type);
		if (t && btf_is_func_proto(t))
			n = btf_vlen(t) - 1;
	}
	btf__free(btf);
	return n;
}
