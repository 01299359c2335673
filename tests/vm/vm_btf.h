/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the VM tests read from the guest kernel's BTF (libbpf). */
#ifndef VM_BTF_H
#define VM_BTF_H

/*
 * TP_PROTO arity of tracepoint @event (the nr_args of a raw_tp attach),
 * -1 if the kernel's BTF does not describe it.
 */
int vm_tp_arity(const char *event);

#endif /* VM_BTF_H */
