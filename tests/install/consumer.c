// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A librax user built only from the installed headers and librax.pc. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <rax/librax.h>

int main(int argc, char **argv)
{
	static const unsigned char frame[64] = { [12] = 0x08, [13] = 0x06 }; /* ARP */
	struct rax_program *prog;
	struct rax_object *obj;
	int err;

	if (argc != 2)
		return 2;
	obj = rax_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "open: %s\n", strerror(errno));
		return 1;
	}
	err = rax_object__load(obj);
	prog = rax_object__find_program_by_name(obj, "xdp_counter");
	if (!err && prog) {
		RAX_OPTS(rax_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame));

		err = rax_prog_test_run_opts(rax_program__fd(prog), &opts);
		printf("retval %u\n", opts.retval);
	}
	rax_object__close(obj);
	return err ? 1 : 0;
}
