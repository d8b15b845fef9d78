// SPDX-License-Identifier: GPL-2.0
/*
 * rmemd_bringup.c - what a PXE-booted donor does before it can serve: load the
 * NIC and RDMA modules of the image, put an address on the RDMA NIC, and
 * create a soft-RoCE device where the NIC has no RDMA of its own.
 *
 * The image has no shell, no modprobe and no iproute2, so this speaks to the
 * kernel directly: finit_module() (the kernel decompresses .ko.xz itself),
 * SIOCSIF* ioctls, and the RDMA netlink NEWLINK that `rdma link add` sends.
 * Every step logs what failed by name and carries on where it can: missing
 * hardware is normal in a rack of mixed NICs.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <rdma/rdma_netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rmemd_bringup.h"
#include "rmemd_log.h"
#include "rmemd_parse.h"

/* Written by image/mkimage.sh: module paths in dependency order. */
#define RMEMD_MODULES_LOAD "/etc/rmem/modules.load"
/* How long a NIC may take to appear after its driver loaded. */
#define RMEMD_NIC_WAIT_MS 10000

static void rmemd_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Returns how many modules failed to load (already-loaded ones count as loaded). */
static int rmemd_load_modules(void)
{
	char release[128], line[512], path[768];
	int failed = 0, loaded = 0, fd;
	FILE *list, *rel;

	list = fopen(RMEMD_MODULES_LOAD, "re");
	if (!list)
		return 0;	/* not the image: a daemon host loads its own modules */
	rel = fopen("/proc/sys/kernel/osrelease", "re");
	if (!rel || !fgets(release, sizeof(release), rel)) {
		rmemd_err("cannot read the kernel release; no modules loaded");
		if (rel)
			fclose(rel);
		fclose(list);
		return -1;
	}
	fclose(rel);
	release[strcspn(release, "\n")] = '\0';

	while (fgets(line, sizeof(line), list)) {
		unsigned int flags = 0;
		const char *name;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		snprintf(path, sizeof(path), "/lib/modules/%s/%s", release, line);
		name = strrchr(line, '/') ? strrchr(line, '/') + 1 : line;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rmemd_warn("module %s: %s", name, strerror(errno));
			failed++;
			continue;
		}
		if (strstr(name, ".ko.xz") || strstr(name, ".ko.zst") || strstr(name, ".ko.gz"))
			flags |= MODULE_INIT_COMPRESSED_FILE;
		if (syscall(SYS_finit_module, fd, "", flags) && errno != EEXIST) {
			/* ENODEV and friends: a driver for hardware that is not here. */
			rmemd_warn("module %s: not loaded: %s", name, strerror(errno));
			failed++;
		} else {
			loaded++;
		}
		close(fd);
	}
	fclose(list);
	rmemd_info("kernel modules: %d loaded, %d not loaded", loaded, failed);
	return failed;
}

static int rmemd_if_flags(int sock, const char *ifname, short set)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr))
		return -errno;
	ifr.ifr_flags |= set;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr))
		return -errno;
	return 0;
}

static int rmemd_if_wait(const char *ifname, unsigned int ms)
{
	unsigned int waited;

	for (waited = 0; waited < ms; waited += 100) {
		if (if_nametoindex(ifname))
			return 0;
		rmemd_sleep_ms(100);
	}
	return -ENODEV;
}

static int rmemd_if_set_addr(int sock, const char *ifname, struct in_addr addr,
			    unsigned int prefix)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	sin->sin_family = AF_INET;
	sin->sin_addr = addr;
	if (ioctl(sock, SIOCSIFADDR, &ifr))
		return -errno;
	sin->sin_addr.s_addr = prefix ? htonl(~0u << (32 - prefix)) : 0;
	if (ioctl(sock, SIOCSIFNETMASK, &ifr))
		return -errno;
	return 0;
}

static void rmemd_nl_put_str(struct nlmsghdr *nh, size_t room, unsigned short type,
			    const char *s)
{
	struct nlattr *a = (struct nlattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));
	size_t len = strlen(s) + 1;

	if (NLMSG_ALIGN(nh->nlmsg_len) + NLA_ALIGN(NLA_HDRLEN + len) > room)
		return;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, s, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* `rdma link add <name> type rxe netdev <ifname>`, by netlink.  0 or -errno. */
static int rmemd_rxe_add(const char *name, const char *ifname)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	union {
		struct nlmsghdr nh;
		char buf[512];
	} req = { 0 }, ack;
	struct timeval tmo = { 5, 0 };
	struct nlmsgerr *err;
	ssize_t n;
	int sock, ret;

	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_RDMA);
	if (sock < 0)
		return -errno;
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	req.nh.nlmsg_len = NLMSG_HDRLEN;
	req.nh.nlmsg_type = RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, RDMA_NLDEV_CMD_NEWLINK);
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	rmemd_nl_put_str(&req.nh, sizeof(req), RDMA_NLDEV_ATTR_DEV_NAME, name);
	rmemd_nl_put_str(&req.nh, sizeof(req), RDMA_NLDEV_ATTR_LINK_TYPE, "rxe");
	rmemd_nl_put_str(&req.nh, sizeof(req), RDMA_NLDEV_ATTR_NDEV_NAME, ifname);
	if (sendto(sock, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		ret = -errno;
		goto out_close;
	}
	n = recv(sock, &ack, sizeof(ack), 0);
	if (n < 0) {
		ret = -errno;
		goto out_close;
	}
	ret = -EPROTO;
	if ((size_t)n >= NLMSG_HDRLEN + sizeof(*err) && ack.nh.nlmsg_type == NLMSG_ERROR) {
		err = NLMSG_DATA(&ack.nh);
		ret = err->error;
	}
out_close:
	close(sock);
	return ret;
}

/* True when some RDMA device (hardware or soft) is registered. */
static bool rmemd_have_rdma_device(void)
{
	DIR *d = opendir("/sys/class/infiniband");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			found = true;
	closedir(d);
	return found;
}

int rmemd_bringup(const struct rmemd_opts *opts)
{
	struct in_addr addr;
	const char *rxe_if;
	int sock, ret;

	rmemd_load_modules();

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	rmemd_if_flags(sock, "lo", IFF_UP);

	if (opts->ip_ifname[0]) {
		ret = rmemd_if_wait(opts->ip_ifname, RMEMD_NIC_WAIT_MS);
		if (ret) {
			rmemd_err("rmem.ip: interface %s did not appear within %d s; check the NIC driver and name",
				 opts->ip_ifname, RMEMD_NIC_WAIT_MS / 1000);
			goto out_close;
		}
		addr.s_addr = opts->ip_addr;
		ret = rmemd_if_set_addr(sock, opts->ip_ifname, addr, opts->ip_prefix);
		if (!ret)
			ret = rmemd_if_flags(sock, opts->ip_ifname, IFF_UP);
		if (ret) {
			rmemd_err("rmem.ip: cannot configure %s: %s", opts->ip_ifname, strerror(-ret));
			goto out_close;
		}
		rmemd_info("network: %s %s/%u up", opts->ip_ifname, inet_ntoa(addr),
			  opts->ip_prefix);
	}

	/*
	 * rmem.rxe=IFACE always creates soft-RoCE on IFACE; rmem.rxe=auto only
	 * when no RDMA hardware registered, on the rmem.ip interface.
	 */
	rxe_if = NULL;
	if (opts->rxe_ifname[0] && strcmp(opts->rxe_ifname, "auto"))
		rxe_if = opts->rxe_ifname;
	else if (opts->rxe_ifname[0] && !rmemd_have_rdma_device() && opts->ip_ifname[0])
		rxe_if = opts->ip_ifname;
	if (rxe_if) {
		ret = rmemd_if_wait(rxe_if, RMEMD_NIC_WAIT_MS);
		if (!ret)
			ret = rmemd_if_flags(sock, rxe_if, IFF_UP);
		if (!ret)
			ret = rmemd_rxe_add("rxe0", rxe_if);
		if (ret && ret != -EEXIST) {
			rmemd_err("rmem.rxe: cannot create soft-RoCE on %s: %s", rxe_if, strerror(-ret));
			goto out_close;
		}
		rmemd_info("soft-RoCE rxe0 on %s", rxe_if);
	}
	ret = 0;
	if (!rmemd_have_rdma_device()) {
		rmemd_err("no RDMA device: no RDMA NIC was found and no soft-RoCE was created (set rmem.rxe=IFACE and rmem.ip=IFACE:ADDR/PREFIX)");
		ret = -ENODEV;
	}
out_close:
	close(sock);
	return ret;
}
