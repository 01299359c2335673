// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Time the safety gate on one object: REPEAT runs of the whole gate (ELF
 * view, policies, disassembly, stack bound) on the image in memory.
 * Prints "<exec bytes> <findings> <best ms> <median ms>".
 *
 * Usage: gate_time OBJECT [REPEAT]
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "librax_internal.h"
#include "gate.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Bytes of SHF_EXECINSTR sections, read from the section headers. */
static size_t exec_bytes(const unsigned char *img, size_t size)
{
	Elf64_Ehdr eh;
	size_t i, total = 0;

	if (size < sizeof(eh))
		return 0;
	memcpy(&eh, img, sizeof(eh));
	for (i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh;

		if (eh.e_shoff + (i + 1) * sizeof(sh) > size)
			break;
		memcpy(&sh, img + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		if (sh.sh_flags & SHF_EXECINSTR)
			total += sh.sh_size;
	}
	return total;
}

int main(int argc, char **argv)
{
	int repeat = argc > 2 ? atoi(argv[2]) : 5, i, n = 0;
	struct rax_gate_report *rep;
	unsigned char *img;
	double *t;
	long size;
	FILE *f;

	if (argc < 2 || repeat < 1) {
		fprintf(stderr, "usage: gate_time OBJECT [REPEAT]\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		perror(argv[1]);
		return 1;
	}
	img = malloc((size_t)size);
	t = calloc((size_t)repeat, sizeof(*t));
	if (!img || !t || fread(img, 1, (size_t)size, f) != (size_t)size) {
		perror(argv[1]);
		return 1;
	}
	fclose(f);
	librax_set_print(NULL);
	for (i = 0; i < repeat; i++) {
		double t0 = now_ms();

		n = gate_check_image(img, (size_t)size, NULL, &rep);
		t[i] = now_ms() - t0;
		if (n < 0) {
			fprintf(stderr, "gate failed: %d\n", n);
			return 1;
		}
		if (n && i == 0)
			fprintf(stderr, "first finding: %s: %s\n", rep->findings[0].rule,
				rep->findings[0].message);
		rax_gate_report_free(rep);
	}
	qsort(t, (size_t)repeat, sizeof(*t), cmp_double);
	printf("%zu %d %.3f %.3f\n", exec_bytes(img, (size_t)size), n, t[0], t[repeat / 2]);
	free(img);
	free(t);
	return 0;
}
