// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * raxtool prog load / attach / detach: programs in the kernel (rax.ko),
 * like "bpftool prog load/attach/detach".  Nothing is pinned, so what a
 * command loads lives as long as the command: "attach" loads, attaches,
 * waits, prints what the programs did and detaches; "detach" cuts the
 * links of a running "attach" from another shell.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <rax/uapi/rax_ioctl.h>

#include "raxtool.h"
#include "prog_kernel.h"

/* What rax.ko names a link's anon inode in /proc/<pid>/fd. */
#define RAX_LINK_FD_TARGET "anon_inode:rax-link"
#define MAX_LINKS 64

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static struct rax_object *open_and_load_kernel(const char *path)
{
	struct rax_object *obj = open_object(path, RAX_BACKEND_KERNEL);

	if (obj && load_object(obj, path)) {
		rax_object__close(obj);
		return NULL;
	}
	return obj;
}

/* The kernel map id of a map (what bpftool's "map dump id N" takes), or 0. */
static __u32 map_id(const struct rax_map *map)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(rax_map__fd(map), &info, &len))
		return 0;
	return info.id;
}

static void render_programs(const struct rax_object *obj)
{
	struct rax_program *prog;

	out_list_begin("programs", NULL);
	rax_object__for_each_program(prog, obj) {
		out_inline_begin(NULL, "  ");
		out_str("name", "prog %s:", rax_program__name(prog));
		out_str("type", "%s", prog_type_str(rax_program__type(prog)));
		out_str("section", "section %s", rax_program__section_name(prog));
		out_inline_end();
	}
	out_list_end();
}

static void render_map_ids(const struct rax_object *obj)
{
	struct rax_map *map;

	out_list_begin("maps", NULL);
	rax_object__for_each_map(map, obj) {
		out_inline_begin(NULL, "  ");
		out_str("name", "map %s:", rax_map__name(map));
		out_str("type", "%s", map_type_str(rax_map__type(map)));
		out_u64("id", "id %llu", map_id(map));
		out_inline_end();
	}
	out_list_end();
}

int prog_kernel_load(int argc, char **argv)
{
	struct rax_object *obj;
	const char *path;

	if (argc != 1) {
		p_err(argc ? "'prog load' takes one object FILE" : "missing object FILE");
		return -1;
	}
	path = argv[0];
	obj = open_and_load_kernel(path);
	if (!obj)
		return -1;
	out_block_begin(NULL, NULL);
	out_str("object", "loaded '%s' into rax.ko", path);
	render_programs(obj);
	render_map_ids(obj);
	out_block_end();
	p_info("nothing is pinned: the object is unloaded when raxtool exits (use 'prog attach')");
	rax_object__close(obj);
	return 0;
}

/* ---- attach ----------------------------------------------------------------- */

struct attach_req {
	const char *kprobe, *kretprobe, *raw_tp;
};

static struct rax_link *attach_one(const struct rax_program *prog, const struct attach_req *r)
{
	struct rax_link *link;

	if (r->kprobe || r->kretprobe)
		link = rax_program__attach_kprobe(prog, r->kretprobe != NULL,
						  r->kprobe ? r->kprobe : r->kretprobe);
	else if (r->raw_tp)
		link = rax_program__attach_raw_tracepoint(prog, r->raw_tp);
	else
		link = rax_program__attach(prog);
	if (!link)
		p_err("can't attach program '%s' (section %s): %s", rax_program__name(prog),
		      rax_program__section_name(prog), strerror(errno));
	return link;
}

static bool has_auto_target(const struct rax_program *prog)
{
	enum rax_prog_type type = rax_program__type(prog);

	return type == RAX_PROG_TYPE_KPROBE || type == RAX_PROG_TYPE_RAW_TRACEPOINT;
}

/* Sleep until the duration passed or SIGINT/SIGTERM (duration 0: signal only). */
static void wait_attached(uint32_t seconds)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	struct timespec end, now;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += seconds;
	while (!stop_requested) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (seconds && (now.tv_sec > end.tv_sec ||
				(now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec)))
			break;
		usleep(20000);
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
}

int prog_kernel_attach(int argc, char **argv)
{
	const char *path, *name, *duration;
	struct attach_req req = { 0 };
	const struct keyword kws[] = {
		{ "name", &name },
		{ "kprobe", &req.kprobe },
		{ "kretprobe", &req.kretprobe },
		{ "raw_tp", &req.raw_tp },
		{ "duration", &duration },
		{ 0 }
	};
	struct rax_link *links[MAX_LINKS];
	struct rax_program *prog, *only = NULL;
	struct rax_object *obj;
	uint32_t seconds = 0;
	size_t nlinks = 0, i;
	int err = -1;

	if (parse_file_args(argc, argv, &path, kws))
		return -1;
	if (!!req.kprobe + !!req.kretprobe + !!req.raw_tp > 1) {
		p_err("give at most one of 'kprobe FUNC', 'kretprobe FUNC', 'raw_tp EVENT'");
		return -1;
	}
	if (duration && parse_u32(duration, "duration", &seconds))
		return -1;

	obj = open_and_load_kernel(path);
	if (!obj)
		return -1;
	/* An explicit target or name means one program; otherwise every
	 * program whose section names its hook. */
	if (name || req.kprobe || req.kretprobe || req.raw_tp) {
		only = pick_program(obj, name, path);
		if (!only)
			goto out;
	}
	rax_object__for_each_program(prog, obj) {
		if ((only && prog != only) || (!only && !has_auto_target(prog)))
			continue;
		if (nlinks == MAX_LINKS) {
			p_err("more than %d programs to attach", MAX_LINKS);
			goto out_detach;
		}
		links[nlinks] = attach_one(prog, &req);
		if (!links[nlinks])
			goto out_detach;
		nlinks++;
	}
	if (!nlinks) {
		p_err("'%s' has no kprobe/kretprobe/raw_tp program to attach", path);
		goto out;
	}
	if (seconds)
		p_info("attached %zu program(s) for %u s (pid %d)", nlinks, seconds, (int)getpid());
	else
		p_info("attached %zu program(s) until SIGINT/SIGTERM or 'raxtool prog detach pid %d'",
		       nlinks, (int)getpid());
	wait_attached(seconds);

	/* Detach first so the counts printed are final. */
	for (i = 0; i < nlinks; i++)
		rax_link__destroy(links[i]);
	nlinks = 0;
	out_block_begin(NULL, NULL);
	render_programs(obj);
	err = render_maps(obj, NULL);
	out_block_end();
out_detach:
	for (i = 0; i < nlinks; i++)
		rax_link__destroy(links[i]);
out:
	rax_object__close(obj);
	return err;
}

/* ---- detach ----------------------------------------------------------------- */

/* Detach every rax.ko link the process @pid holds; returns the count or -1. */
static int detach_links_of(pid_t pid)
{
	char dir_path[64], fd_path[320], target[64];
	struct dirent *de;
	int pidfd, count = 0;
	DIR *dir;

	snprintf(dir_path, sizeof(dir_path), "/proc/%d/fd", (int)pid);
	dir = opendir(dir_path);
	if (!dir) {
		p_err("can't read %s: %s", dir_path, strerror(errno));
		return -1;
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		p_err("can't open process %d: %s", (int)pid, strerror(errno));
		closedir(dir);
		return -1;
	}
	while ((de = readdir(dir))) {
		struct rax_ioc_detach d = { .size = sizeof(d) };
		ssize_t len;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(fd_path, sizeof(fd_path), "%s/%s", dir_path, de->d_name);
		len = readlink(fd_path, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (strcmp(target, RAX_LINK_FD_TARGET))
			continue;
		/* A copy of the process's link fd: detaching it detaches theirs. */
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(de->d_name), 0);
		if (fd < 0) {
			p_err("can't take link fd %s of process %d: %s", de->d_name, (int)pid,
			      strerror(errno));
			count = -1;
			break;
		}
		if (ioctl(fd, RAX_IOC_DETACH, &d)) {
			p_err("can't detach link fd %s of process %d: %s", de->d_name, (int)pid,
			      strerror(errno));
			close(fd);
			count = -1;
			break;
		}
		close(fd);
		count++;
	}
	close(pidfd);
	closedir(dir);
	return count;
}

int prog_kernel_detach(int argc, char **argv)
{
	const char *pid_str;
	const struct keyword kws[] = {
		{ "pid", &pid_str },
		{ 0 }
	};
	uint32_t pid;
	int count;

	if (parse_keywords(argc, argv, kws))
		return -1;
	if (!pid_str) {
		p_err("'prog detach' needs 'pid PID' (the process of 'raxtool prog attach')");
		return -1;
	}
	if (parse_u32(pid_str, "pid", &pid))
		return -1;
	count = detach_links_of((pid_t)pid);
	if (count < 0)
		return -1;
	if (!count) {
		p_err("process %u holds no rax.ko link", pid);
		return -1;
	}
	out_block_begin(NULL, NULL);
	out_u64("detached", "detached %llu link(s)", (uint64_t)count);
	out_u64("pid", "of process %llu", pid);
	out_block_end();
	return 0;
}

/* ---- show: what rax.ko holds ------------------------------------------------- */

int prog_kernel_show(void)
{
	struct rax_ioc_info info = { .size = sizeof(info) };
	int dev = open(RAX_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (dev < 0) {
		p_err("can't open %s: %s (is rax.ko loaded?)", RAX_DEVICE_PATH, strerror(errno));
		return -1;
	}
	if (ioctl(dev, RAX_IOC_INFO, &info)) {
		p_err("RAX_IOC_INFO: %s", strerror(errno));
		close(dev);
		return -1;
	}
	close(dev);
	out_block_begin(NULL, NULL);
	out_u64("objects", "objects loaded: %llu", info.objects);
	out_u64("links", "links attached: %llu", info.links);
	out_u64("map_refs", "map references: %llu", info.map_refs);
	out_u64("loads_total", "loads: %llu", info.loads_total);
	out_u64("frees_total", "unloads: %llu", info.frees_total);
	out_inline_begin("text_arena", ", ");
	out_u64("used", "code arena: %llu", info.text_arena_used);
	out_u64("size", "of %llu bytes", info.text_arena_size);
	out_inline_end();
	out_inline_begin("data_arena", ", ");
	out_u64("used", "data arena: %llu", info.data_arena_used);
	out_u64("size", "of %llu bytes", info.data_arena_size);
	out_inline_end();
	out_u64("ioctl_version", "ioctl ABI: %llu", info.ioctl_version);
	out_u64("abi_version", "object ABI: %llu", info.abi_version);
	out_block_end();
	return 0;
}
