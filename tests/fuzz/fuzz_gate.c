// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness over librax's ELF reader and the safety gate: any
 * input must be parsed or refused without a crash, a hang or an
 * out-of-bounds read (built with -fsanitize=fuzzer,address,undefined by
 * run.sh).  The last input byte also picks the recursion option.  The
 * input is also fed to the Rust demangler as a symbol and as text, since
 * findings carry demangled names taken from untrusted symbol tables.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "librax_internal.h"
#include "demangle_rust.h"
#include "gate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	librax_set_print(NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rax_check_opts opts = {
		.sz = sizeof(opts),
		.reject_recursion = size && (data[size - 1] & 1),
	};
	struct rax_gate_report *rep = NULL;
	struct rax_elf elf;
	int n;

	n = gate_check_image(data, size, &opts, &rep);
	if (n >= 0 && (size_t)n != rep->finding_cnt)
		abort();
	rax_gate_report_free(rep);

	if (size < 4096) {
		char *str = malloc(size + 1);

		if (str) {
			memcpy(str, data, size);
			str[size] = '\0';
			free(demangle_rust(str));
			free(demangle_rust_text(str));
			free(str);
		}
	}

	memset(&elf, 0, sizeof(elf));
	if (rax_elf_open(&elf, data, size) == 0)
		rax_elf_close(&elf);
	return 0;
}
