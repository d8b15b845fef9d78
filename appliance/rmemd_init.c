// SPDX-License-Identifier: GPL-2.0
/*
 * rmemd_init.c - rmem-appliance as PID 1 of a PXE-booted donor image.
 *
 * Duties of an init that is also the only service: make /proc, /sys and
 * /dev exist, have a console to speak on, take settings from the kernel
 * command line (rmem.*=), and never exit (PID 1 exiting panics the
 * kernel).  A failed serve attempt prints why and starts over after a
 * delay; there is no shell to fall back to, by design.
 *
 * Module loading and network bring-up (rmemd_bringup.c) run before every
 * serve attempt; they are idempotent, so a retry redoes only what failed.
 * A DHCP lease lives here, outside the attempts: the serve loop renews it
 * while serving, the wait between attempts while not.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rmemd_bringup.h"
#include "rmemd_dhcp_io.h"
#include "rmemd_init.h"
#include "rmemd_log.h"
#include "rmemd_parse.h"
#include "rmemd_serve.h"

/* Seconds between serve attempts after a fatal error. */
#define RMEMD_INIT_RETRY_S 10

static void rmemd_init_console(void)
{
	int fd;

	/* The kernel gives init /dev/console as fds 0-2 only if it existed. */
	if (fcntl(STDERR_FILENO, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

/* A directory on another device than "/" is a mount point already. */
static bool rmemd_init_mounted(const char *dir)
{
	struct stat d, root;

	return !stat(dir, &d) && !stat("/", &root) && d.st_dev != root.st_dev;
}

static void rmemd_init_mount(const char *src, const char *dir, const char *type,
			    unsigned long flags, const char *data)
{
	/* Mounting again would stack a second, empty instance on top. */
	if (rmemd_init_mounted(dir))
		return;
	mkdir(dir, 0755);
	if (mount(src, dir, type, flags, data) && errno != EBUSY)
		rmemd_warn("mount %s on %s failed: %s", type, dir, strerror(errno));
}

static void rmemd_init_mounts(void)
{
	rmemd_init_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	rmemd_init_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	rmemd_init_mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
}

static void rmemd_init_report(void *arg, const char *line)
{
	(void)arg;
	rmemd_warn("kernel command line: %s", line);
}

static void rmemd_init_read_cmdline(struct rmemd_opts *opts)
{
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rmemd_warn("cannot read /proc/cmdline: %s; using defaults", strerror(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		rmemd_warn("cannot read /proc/cmdline: %s; using defaults", strerror(errno));
		return;
	}
	buf[n] = '\0';
	rmemd_cmdline_apply(opts, buf, rmemd_init_report, NULL);
}

/*
 * Brings up what serving needs: NIC and RDMA modules, the network,
 * soft-RoCE (rmemd_bringup.c).  0 or a negative errno (logged by the
 * caller, who retries).
 */
static int rmemd_init_bringup(const struct rmemd_opts *opts, struct rmemd_dhcp_io *dhcp)
{
	return rmemd_bringup(opts, dhcp);
}

/* PID 1 inherits orphans; reap them so they do not pile up as zombies. */
static void rmemd_init_reap_children(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * Applies the image's init arguments (--name=value or --name value), each
 * on its own: as PID 1 a bad one is reported and skipped, never fatal.
 */
static void rmemd_init_apply_args(int argc, char **argv, struct rmemd_opts *opts)
{
	const struct rmemd_opt_desc *d;
	char name[64], err[256];
	const char *val;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq;

		if (strncmp(a, "--", 2)) {
			rmemd_warn("init argument '%s' ignored (only --option[=value])", a);
			continue;
		}
		eq = strchr(a, '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - a - 2 : (long)strlen(a + 2)),
			 a + 2);
		d = rmemd_opt_find(name);
		if (!d) {
			rmemd_warn("init argument '%s': unknown option, ignored", a);
			continue;
		}
		val = eq ? eq + 1 : NULL;
		if (d->arg && !val) {
			if (i + 1 >= argc) {
				rmemd_warn("init argument '%s' needs a value, ignored", a);
				continue;
			}
			val = argv[++i];
		}
		if (rmemd_opt_set(d, opts, d->arg ? val : NULL, err, sizeof(err)))
			rmemd_warn("init argument --%s: %s; ignored", d->name, err);
	}
}

void rmemd_init_main(int argc, char **argv)
{
	struct rmemd_dhcp_io dhcp;
	struct rmemd_opts opts;
	int ret;

	rmemd_init_console();
	rmemd_log_setup(0);
	rmemd_init_mounts();
	signal(SIGPIPE, SIG_IGN);
	rmemd_info("starting as init (pid %d)", (int)getpid());
	rmemd_dhcp_io_init(&dhcp);

	for (;;) {
		/* PID 1's defaults (DHCP), the image's init line, then the operator's rmem.*=. */
		rmemd_opts_defaults_init(&opts);
		rmemd_init_apply_args(argc, argv, &opts);
		rmemd_init_read_cmdline(&opts);
		rmemd_log_setup(opts.debug);

		ret = rmemd_init_bringup(&opts, &dhcp);
		if (!ret)
			ret = rmemd_serve(&opts, &dhcp, false);
		rmemd_init_reap_children();
		rmemd_err("fatal: %s; starting again in %d s",
			 ret ? strerror(-ret) : "serve loop ended", RMEMD_INIT_RETRY_S);
		rmemd_dhcp_io_sleep(&dhcp, RMEMD_INIT_RETRY_S * 1000);
	}
}
