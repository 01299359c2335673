// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * VM test of librax's kernel backend (rax.ko through /dev/rax):
 *  - xdp_counter: the sample's own loader, run with RAX_BACKEND=kernel,
 *    prints exactly what the in-process runtime printed on the host;
 *  - xdp_counter maps are real BPF maps: bpftool finds them by id and
 *    dumps the contents librax reads;
 *  - trace_counter: rax_program__attach() on its kprobe and raw_tp programs,
 *    N getppid() calls from this process are counted exactly N times in
 *    both maps (keyed by tgid), nothing more after rax_link__destroy();
 *  - raxtool: "prog attach" counts the same way, "prog show" (no FILE) sees
 *    its links, "prog detach pid" cuts them from another process; "prog
 *    load" lists the programs and the kernel ids of the maps and unloads on
 *    exit; "prog run" with RAX_BACKEND=kernel runs in rax.ko; a missing
 *    object is a JSON error that leaves nothing loaded;
 *  - closing everything leaves rax.ko with no object, link or map reference.
 *
 * Usage: vm_librax (paths are those vm_run.py puts in the initramfs)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <rax/librax.h>
#include <rax/uapi/rax_ioctl.h>

#include "../../samples/xdp_counter/pcap_reader.h"

#define XDP_OBJ "/objs/xdp_counter.rax.o"
#define TRACE_OBJ "/objs/trace_counter.rax.o"
#define PCAP "/data/xdp_counter.pcap"
#define EXPECTED "/data/xdp_counter.expected"
#define LOADER "/bin/xdp_counter_loader"
#define BPFTOOL "/bin/bpftool"
#define RAXTOOL "/bin/raxtool"
#define GETPPID_CALLS 37

static int failures;

static void report(const char *name, bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("RAX-TEST: %s %s ", name, ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

/* Read all of fd into a NUL-terminated malloc()ed string. */
static char *slurp_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	while (buf && (n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *grown = realloc(buf, cap * 2);

			if (!grown) {
				free(buf);
				return NULL;
			}
			buf = grown;
			cap *= 2;
		}
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

static char *slurp_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *s;

	if (fd < 0)
		return NULL;
	s = slurp_fd(fd);
	close(fd);
	return s;
}

/* Run argv with extra environment entry env (may be NULL); stdout captured. */
static char *run_capture(char *const argv[], const char *env, int *status)
{
	int pipefd[2];
	pid_t pid;
	char *out;

	if (pipe(pipefd))
		return NULL;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		if (env)
			putenv((char *)env);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	out = slurp_fd(pipefd[0]);
	close(pipefd[0]);
	if (pid < 0 || waitpid(pid, status, 0) < 0)
		*status = -1;
	return out;
}

static int rax_info(struct rax_ioc_info *info)
{
	int dev = open(RAX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	int err = 0;

	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	if (dev < 0 || ioctl(dev, RAX_IOC_INFO, info))
		err = -errno;
	if (dev >= 0)
		close(dev);
	return err;
}

/* ---- xdp_counter through the sample's own loader ------------------------------ */
static void test_loader(void)
{
	char *argv[] = { LOADER, XDP_OBJ, PCAP, NULL };
	char *expected = slurp_file(EXPECTED), *got;
	int status;

	got = run_capture(argv, "RAX_BACKEND=kernel", &status);
	if (!expected || !*expected || !got) {
		report("librax.loader", false, "cannot read the expected output or run the loader");
	} else if (status != 0 || strcmp(got, expected)) {
		printf("kernel backend:\n%s\nin-process (host):\n%s\n", got, expected);
		report("librax.loader", false, "exit status %d; outputs differ", status);
	} else {
		report("librax.loader", true, "RAX_BACKEND=kernel prints the in-process counts");
	}
	free(expected);
	free(got);
}

/* ---- xdp_counter maps seen by bpftool --------------------------------------------- */
static void hex_bytes(char *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out += sprintf(out, i ? " %02x" : "%02x", p[i]);
}

/* Every entry of map appears in `bpftool map dump id N`, and nothing else. */
static bool bpftool_agrees(const struct rax_map *map, char *why, size_t why_sz)
{
	struct bpf_map_info info = { 0 };
	__u32 info_len = sizeof(info), key = 0, next, found = 0;
	const __u32 *cur = NULL;
	char idbuf[16], line[256], k[64], v[64], *out;
	char *argv[] = { BPFTOOL, "map", "dump", "id", idbuf, NULL };
	unsigned char value[8];
	int status;
	bool ok = true;

	if (rax_map__key_size(map) != 4 || rax_map__value_size(map) != 8) {
		snprintf(why, why_sz, "unexpected layout");
		return false;
	}
	if (bpf_obj_get_info_by_fd(rax_map__fd(map), &info, &info_len)) {
		snprintf(why, why_sz, "rax_map__fd is not a BPF map: %s", strerror(errno));
		return false;
	}
	if (strcmp(info.name, rax_map__name(map)) || info.max_entries != rax_map__max_entries(map)) {
		snprintf(why, why_sz, "kernel map is '%s' with %u entries", info.name,
			 info.max_entries);
		return false;
	}
	snprintf(idbuf, sizeof(idbuf), "%u", info.id);
	out = run_capture(argv, NULL, &status);
	if (!out || status) {
		snprintf(why, why_sz, "bpftool map dump id %u failed", info.id);
		free(out);
		return false;
	}
	while (ok && rax_map__get_next_key(map, cur, &next, sizeof(next)) == 0) {
		if (rax_map__lookup_elem(map, &next, 4, value, sizeof(value), 0))
			break;
		hex_bytes(k, (unsigned char *)&next, 4);
		hex_bytes(v, value, 8);
		snprintf(line, sizeof(line), "key: %s  value: %s\n", k, v);
		if (!strstr(out, line)) {
			snprintf(why, why_sz, "bpftool lacks '%.*s'", (int)strlen(line) - 1, line);
			ok = false;
		}
		found++;
		key = next;
		cur = &key;
	}
	snprintf(line, sizeof(line), "Found %u element%s", found, found == 1 ? "" : "s");
	if (ok && !strstr(out, line)) {
		snprintf(why, why_sz, "bpftool does not say '%s'", line);
		ok = false;
	}
	if (ok)
		snprintf(why, why_sz, "map id %u, %u entries", info.id, found);
	free(out);
	return ok;
}

static void test_maps_bpftool(void)
{
	RAX_OPTS(rax_object_open_opts, opts, .backend = RAX_BACKEND_KERNEL);
	struct rax_object *obj = rax_object__open_file(XDP_OBJ, &opts);
	struct pcap_reader pr = { 0 };
	const unsigned char *frame;
	struct rax_program *prog;
	struct rax_map *map;
	__u32 len, frames = 0;
	char why[256];
	int err;

	if (!obj || rax_object__load(obj)) {
		report("librax.bpftool", false, "load: %s", strerror(errno));
		goto out;
	}
	prog = rax_object__find_program_by_name(obj, "xdp_counter");
	if (!prog || pcap_reader_open(&pr, PCAP)) {
		report("librax.bpftool", false, "program or capture missing");
		goto out;
	}
	while ((err = pcap_reader_next(&pr, &frame, &len)) > 0) {
		RAX_OPTS(rax_test_run_opts, tr, .data_in = frame, .data_size_in = len);

		if (rax_prog_test_run_opts(rax_program__fd(prog), &tr)) {
			report("librax.bpftool", false, "test run: %s", strerror(errno));
			goto out;
		}
		frames++;
	}
	rax_object__for_each_map(map, obj) {
		bool ok = bpftool_agrees(map, why, sizeof(why));

		printf("map '%s': %s\n", rax_map__name(map), why);
		if (!ok) {
			report("librax.bpftool", false, "map '%s': %s", rax_map__name(map), why);
			goto out;
		}
	}
	report("librax.bpftool", frames > 0, "%u frames; bpftool dumps what librax reads", frames);
out:
	pcap_reader_close(&pr);
	rax_object__close(obj);
}

/* ---- trace_counter: kprobe and raw tracepoint attached through librax ------------- */
static __u64 hits(struct rax_object *obj, const char *map_name, __u32 tgid)
{
	struct rax_map *map = rax_object__find_map_by_name(obj, map_name);
	__u64 v = 0;

	if (!map || rax_map__lookup_elem(map, &tgid, sizeof(tgid), &v, sizeof(v), 0))
		return 0;
	return v;
}

static void call_getppid(int n)
{
	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
}

static void test_trace(void)
{
	RAX_OPTS(rax_object_open_opts, opts, .backend = RAX_BACKEND_KERNEL);
	struct rax_object *obj = rax_object__open_file(TRACE_OBJ, &opts);
	struct rax_link *links[2] = { NULL, NULL };
	const char *names[2] = { "count_getppid", "count_sys_enter" };
	__u32 tgid = (__u32)getpid();
	__u64 kp, tp;
	int i;

	if (!obj || rax_object__load(obj)) {
		report("librax.attach", false, "load: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < 2; i++) {
		struct rax_program *prog = rax_object__find_program_by_name(obj, names[i]);

		links[i] = prog ? rax_program__attach(prog) : NULL;
		if (!links[i]) {
			report("librax.attach", false, "attach '%s': %s", names[i], strerror(errno));
			goto out;
		}
	}
	call_getppid(GETPPID_CALLS);
	for (i = 0; i < 2; i++) {
		if (rax_link__destroy(links[i])) {
			report("librax.attach", false, "rax_link__destroy: %s", strerror(errno));
			links[i] = NULL;
			goto out;
		}
		links[i] = NULL;
	}
	/* Detached: these must not count. */
	call_getppid(5);
	kp = hits(obj, "KPROBE_HITS", tgid);
	tp = hits(obj, "SYSCALL_HITS", tgid);
	report("librax.attach", kp == GETPPID_CALLS && tp == GETPPID_CALLS,
	       "%d getppid() calls: kprobe counted %" PRIu64 ", raw_tp sys_enter %" PRIu64,
	       GETPPID_CALLS, kp, tp);
out:
	rax_link__destroy(links[0]);
	rax_link__destroy(links[1]);
	rax_object__close(obj);
}

/* ---- raxtool prog attach / detach ---------------------------------------------------- */
/* Wait (up to 60 s) until rax.ko holds @links links, or until @child exits. */
static bool wait_links(__u64 links, pid_t child)
{
	struct rax_ioc_info info;

	for (int i = 0; i < 3000; i++) {
		if (rax_info(&info) == 0 && info.links == links)
			return true;
		if (child > 0 && waitpid(child, NULL, WNOHANG) == child)
			return false;
		usleep(20000);
	}
	return false;
}

static unsigned int count_substr(const char *hay, const char *needle)
{
	unsigned int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* "raxtool -j prog show" (what rax.ko holds) counts links links. */
static void raxtool_show_links(__u64 links)
{
	char *argv[] = { RAXTOOL, "-j", "prog", "show", NULL };
	char want[48], *out;
	int status = -1;

	out = run_capture(argv, NULL, &status);
	snprintf(want, sizeof(want), "\"links\":%llu,", (unsigned long long)links);
	report("raxtool.show", status == 0 && out && strstr(out, want) &&
	       !strstr(out, "\"objects\":0,"),
	       "exit status %d, want %s in: %s", status, want, out ? out : "(none)");
	free(out);
}

/* raxtool's first words on stdout and its exit status; rax.ko's counters around it. */
static char *raxtool_kernel(char *const argv[], int *status, struct rax_ioc_info *before,
			    struct rax_ioc_info *after)
{
	char *out;

	if (rax_info(before))
		return NULL;
	out = run_capture(argv, "RAX_BACKEND=kernel", status);
	if (rax_info(after)) {
		free(out);
		return NULL;
	}
	return out;
}

/* "prog load": programs and the maps' kernel ids; unloaded when raxtool exits. */
static void test_raxtool_load(void)
{
	char *argv[] = { RAXTOOL, "-j", "prog", "load", TRACE_OBJ, NULL };
	struct rax_ioc_info before, after;
	int status = -1;
	char *out = raxtool_kernel(argv, &status, &before, &after);
	bool ok = status == 0 && out && strstr(out, "\"name\":\"count_getppid\"") &&
		  strstr(out, "\"name\":\"KPROBE_HITS\"") && strstr(out, "\"id\":") &&
		  !strstr(out, "\"id\":0") && after.loads_total == before.loads_total + 1 &&
		  after.objects == before.objects && after.map_refs == before.map_refs;

	report("raxtool.load", ok, "exit status %d, %llu load(s), objects %llu -> %llu: %s",
	       status, (unsigned long long)(after.loads_total - before.loads_total),
	       (unsigned long long)before.objects, (unsigned long long)after.objects,
	       out ? out : "(none)");
	free(out);
}

/* "prog run" on the kernel backend: 100 runs of the capture's first frame in rax.ko. */
static void test_raxtool_run(void)
{
	char *argv[] = { RAXTOOL, "-j", "prog", "run", XDP_OBJ, "data_in", "/tmp/frame.bin",
			 "repeat", "100", NULL };
	struct rax_ioc_info before, after;
	struct pcap_reader pr = { 0 };
	const unsigned char *frame;
	int status = -1, fd;
	__u32 len;
	char *out;
	bool ok;

	if (pcap_reader_open(&pr, PCAP) || pcap_reader_next(&pr, &frame, &len) <= 0 ||
	    (fd = open("/tmp/frame.bin", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		report("raxtool.run", false, "cannot write the first frame of %s", PCAP);
		pcap_reader_close(&pr);
		return;
	}
	ok = write(fd, frame, len) == (ssize_t)len;
	close(fd);
	pcap_reader_close(&pr);
	out = ok ? raxtool_kernel(argv, &status, &before, &after) : NULL;
	/* XDP_PASS, and every run counted in PKT_STATS[0]. */
	ok = status == 0 && out && strstr(out, "{\"retval\":2,") &&
	     strstr(out, "\"formatted\":{\"key\":0,\"value\":100}") &&
	     after.loads_total == before.loads_total + 1 && after.objects == before.objects;
	report("raxtool.run", ok, "exit status %d, %llu load(s) in rax.ko: %s", status,
	       (unsigned long long)(after.loads_total - before.loads_total), out ? out : "(none)");
	free(out);
}

/*
 * "prog attach" of an object with a perf event array: its entries are not
 * readable through bpf(2), so the dump lists none (and says so), with the
 * real ring count as max_entries; the command succeeds.
 */
static void test_raxtool_perf_attach(void)
{
	char *argv[] = { RAXTOOL, "-j", "prog", "attach", "/objs/getppid_events.rax.o",
			 "duration", "1", NULL };
	char want[64], *out;
	int status = -1;

	out = run_capture(argv, NULL, &status);
	snprintf(want, sizeof(want), "\"max_entries\":%d,\"entries\":[]",
		 libbpf_num_possible_cpus());
	report("raxtool.attach_perf", status == 0 && out && strstr(out, "\"name\":\"EVENTS\"") &&
	       strstr(out, want), "exit status %d, want %s: %s", status, want, out ? out : "(none)");
	free(out);
}

/* A missing object: "Error" as JSON, non-zero exit, nothing loaded. */
static void test_raxtool_bad_object(void)
{
	char *argv[] = { RAXTOOL, "-j", "prog", "load", "/objs/missing.rax.o", NULL };
	struct rax_ioc_info before, after;
	int status = 0;
	char *out = raxtool_kernel(argv, &status, &before, &after);

	report("raxtool.bad_object",
	       status != 0 && out && !strncmp(out, "{\"error\":", 9) &&
	       after.loads_total == before.loads_total && after.objects == before.objects,
	       "exit status %d: %s", status, out ? out : "(none)");
	free(out);
}

static void test_raxtool(void)
{
	char *detach_argv[] = { RAXTOOL, "-j", "prog", "detach", "pid", NULL, NULL };
	char pid_str[16], entry[96], *out = NULL, *det = NULL;
	struct rax_ioc_info before;
	int pipefd[2], status = -1;
	pid_t child;

	if (rax_info(&before) || pipe(pipefd)) {
		report("raxtool.attach", false, "setup: %s", strerror(errno));
		return;
	}
	child = fork();
	if (child == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		execl(RAXTOOL, RAXTOOL, "-j", "prog", "attach", TRACE_OBJ, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	if (!wait_links(before.links + 2, child)) {
		out = slurp_fd(pipefd[0]);
		report("raxtool.attach", false, "the programs never attached: %s", out ? out : "");
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		goto out;
	}
	call_getppid(GETPPID_CALLS);
	raxtool_show_links(before.links + 2);

	snprintf(pid_str, sizeof(pid_str), "%d", (int)child);
	detach_argv[5] = pid_str;
	det = run_capture(detach_argv, NULL, &status);
	if (status || !det || !strstr(det, "\"detached\":2") || !wait_links(before.links, -1)) {
		report("raxtool.detach", false, "status %d: %s", status, det ? det : "");
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		goto out;
	}
	report("raxtool.detach", true, "'prog detach pid %s' detached both links", pid_str);
	call_getppid(5);

	kill(child, SIGTERM);
	out = slurp_fd(pipefd[0]);
	waitpid(child, &status, 0);
	/* Both maps (kprobe and raw_tp) hold exactly our calls under our tgid. */
	snprintf(entry, sizeof(entry), "\"formatted\":{\"key\":%d,\"value\":%d}", (int)getpid(),
		 GETPPID_CALLS);
	report("raxtool.attach", status == 0 && out && count_substr(out, entry) == 2,
	       "exit status %d; %u of 2 maps hold %s", status, out ? count_substr(out, entry) : 0,
	       entry);
	if (status || !out || count_substr(out, entry) != 2)
		printf("raxtool output: %s\n", out ? out : "(none)");
out:
	close(pipefd[0]);
	free(out);
	free(det);
}

/* ---- Nothing left behind ----------------------------------------------------------- */
static void test_no_leak(const struct rax_ioc_info *before)
{
	struct rax_ioc_info after;

	if (rax_info(&after)) {
		report("librax.release", false, "RAX_IOC_INFO: %s", strerror(errno));
		return;
	}
	report("librax.release",
	       after.objects == before->objects && after.map_refs == before->map_refs &&
	       after.links == before->links && after.loads_total > before->loads_total &&
	       after.frees_total - before->frees_total == after.loads_total - before->loads_total &&
	       after.loads_total - after.frees_total == after.objects,
	       "objects %llu, map refs %llu, links %llu; %llu loads, %llu frees",
	       (unsigned long long)after.objects, (unsigned long long)after.map_refs,
	       (unsigned long long)after.links,
	       (unsigned long long)(after.loads_total - before->loads_total),
	       (unsigned long long)(after.frees_total - before->frees_total));
}

int main(void)
{
	struct rax_ioc_info before;

	if (rax_info(&before)) {
		report("librax", false, "RAX_IOC_INFO: %s", strerror(errno));
		return 1;
	}
	test_loader();
	test_maps_bpftool();
	test_trace();
	test_raxtool();
	test_raxtool_load();
	test_raxtool_run();
	test_raxtool_bad_object();
	test_raxtool_perf_attach();
	test_no_leak(&before);
	return failures ? 1 : 0;
}
