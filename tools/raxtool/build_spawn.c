// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Running the toolchain for `raxtool build`: posix_spawn with an edited
 * environment and optional stdout capture. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build_spawn.h"

extern char **environ;

static bool overridden(const char *entry, const struct env_override *env, size_t env_cnt)
{
	for (size_t i = 0; i < env_cnt; i++) {
		size_t n = strlen(env[i].name);

		if (!strncmp(entry, env[i].name, n) && entry[n] == '=')
			return true;
	}
	return false;
}

/* environ minus the overridden names, plus the overrides that set a value. */
static char **build_envp(const struct env_override *env, size_t env_cnt)
{
	size_t n = 0, k = 0, first_owned;
	char **envp;

	while (environ[n])
		n++;
	envp = calloc(n + env_cnt + 1, sizeof(*envp));
	if (!envp)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!overridden(environ[i], env, env_cnt))
			envp[k++] = environ[i];
	first_owned = k;
	for (size_t i = 0; i < env_cnt; i++) {
		char *kv;

		if (!env[i].value)
			continue;
		kv = malloc(strlen(env[i].name) + strlen(env[i].value) + 2);
		if (!kv)
			goto err;
		strcpy(kv, env[i].name);
		strcat(kv, "=");
		strcat(kv, env[i].value);
		envp[k++] = kv;
	}
	return envp;
err:
	for (size_t i = first_owned; i < k; i++)
		free(envp[i]);
	free(envp);
	return NULL;
}

static void free_envp(char **envp, const struct env_override *env, size_t env_cnt)
{
	size_t n = 0, owned = 0;

	if (!envp)
		return;
	while (envp[n])
		n++;
	for (size_t i = 0; i < env_cnt; i++)
		if (env[i].value)
			owned++;
	/* the overrides were appended last */
	for (size_t i = n - owned; i < n; i++)
		free(envp[i]);
	free(envp);
}

static int read_all(int fd, char **out)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (len + 1 == cap) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int spawn_wait(char *const argv[], const struct env_override *env, size_t env_cnt,
	       char **out)
{
	posix_spawn_file_actions_t actions;
	int pipefd[2] = { -1, -1 };
	char **envp;
	pid_t pid;
	int err, status;

	envp = build_envp(env, env_cnt);
	if (!envp)
		return -ENOMEM;
	posix_spawn_file_actions_init(&actions);
	if (out) {
		if (pipe2(pipefd, O_CLOEXEC) < 0) {
			err = -errno;
			goto out_free;
		}
		posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
	}
	err = posix_spawnp(&pid, argv[0], &actions, NULL, argv, envp);
	if (out)
		close(pipefd[1]);
	if (err) {
		err = -err;
		goto out_close;
	}
	if (out) {
		err = read_all(pipefd[0], out);
		if (err) {
			waitpid(pid, &status, 0);
			goto out_close;
		}
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			err = -errno;
			goto out_close;
		}
	}
	if (WIFEXITED(status))
		err = WEXITSTATUS(status);
	else
		err = -EINTR;
	if (err && out) {
		free(*out);
		*out = NULL;
	}
out_close:
	if (out)
		close(pipefd[0]);
out_free:
	posix_spawn_file_actions_destroy(&actions);
	free_envp(envp, env, env_cnt);
	return err;
}
