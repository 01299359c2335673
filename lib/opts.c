// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Validation of option structs (first field sz, libbpf's scheme): a caller
 * built against a newer librax may pass a larger struct, which is fine as
 * long as every field this library does not know is zero.
 */
#include "librax_internal.h"

bool librax_validate_opts(const void *opts, size_t opts_sz, size_t known_sz,
			  const char *type_name)
{
	const unsigned char *bytes = opts;
	size_t i;

	if (!opts)
		return true;
	if (opts_sz < sizeof(size_t)) {
		pr_warn("%s: sz %zu is too small\n", type_name, opts_sz);
		return false;
	}
	for (i = known_sz; i < opts_sz; i++) {
		if (bytes[i]) {
			pr_warn("%s: unknown non-zero field at offset %zu (sz %zu, this librax knows %zu bytes)\n",
				type_name, i, opts_sz, known_sz);
			return false;
		}
	}
	return true;
}
