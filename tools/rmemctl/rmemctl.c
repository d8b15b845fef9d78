// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rmemctl - operate the rmem memory pool: donors, vhost_rmem devices,
 * leases and chunks.  iproute2 grammar:
 *
 *	rmemctl [-j] [-p] [-d] OBJECT VERB [ARGS]
 *
 * This file is main() and the real outside world (running `vdpa`, RDMA to
 * donors); the command tree is cli.c + one file per object, and docs/tools.md
 * is the manual.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rmemctl.h"

/* Runs argv; its stderr becomes the one-line reason on failure. */
static int real_run(void *arg, char *const argv[], char *err, size_t errlen)
{
	int fds[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	(void)arg;
	if (pipe(fds))
		return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	while (errlen > 1 && (n = read(fds[0], err + got, errlen - 1 - got)) > 0)
		got += (size_t)n;
	if (errlen)
		err[got] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* One line: newlines of the child's message become "; ". */
	for (char *p = err; *p; p++)
		if (*p == '\n')
			*p = p[1] ? ';' : '\0';
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (!err[0])
		snprintf(err, errlen, "exit status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return -1;
}

static int real_donor_fetch(void *arg, const struct donor_addr *a, const struct donor_connect *dc,
			    struct donor_snap *s, char *err, size_t errlen)
{
	(void)arg;
	return donor_query(a, dc, s, err, errlen);
}

int main(int argc, char **argv)
{
	static const struct rmemctl_ops ops = {
		.run = real_run,
		.donor_fetch = real_donor_fetch,
	};
	struct rmemctl ctx = {
		.out = stdout,
		.err = stderr,
		.sysfs_root = getenv("RMEM_SYSFS_ROOT"),
		.ops = &ops,
	};

	return rmemctl_main(&ctx, argc, argv);
}
