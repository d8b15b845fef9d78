// SPDX-License-Identifier: GPL-2.0
/*
 * rmemd_bringup.c - what a PXE-booted donor does before it can serve: load the
 * NIC and RDMA modules of the image, put an address on the RDMA NIC (static,
 * or by DHCP through rmemd_dhcp_io.c), and create a soft-RoCE device where
 * the NIC has no RDMA of its own.
 *
 * The image has no shell, no modprobe and no iproute2, so this speaks to the
 * kernel directly: finit_module() (the kernel decompresses .ko.xz itself),
 * the SIOC* ioctls of rmemd_netif.c, and the RDMA netlink NEWLINK that
 * `rdma link add` sends.  Every step logs what failed by name and carries on where
 * it can: missing hardware is normal in a rack of mixed NICs.
 *
 * A DHCP lease outlives a failed serve attempt (the caller keeps it), so a
 * retry finds the interface configured and leaves it alone: SIOCSIFADDR
 * again would re-create the address and drop the default route with it.
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
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "rmemd_bringup.h"
#include "rmemd_dhcp_io.h"
#include "rmemd_log.h"
#include "rmemd_netif.h"
#include "rmemd_parse.h"

/* Written by image/mkimage.sh: module paths in dependency order. */
#define RMEMD_MODULES_LOAD "/etc/rmem/modules.load"

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

/*
 * The address of the RDMA NIC as rmem.ip says: static, by DHCP, or none.
 * 0 with the interface configured in @ifname ("" for none), or -errno
 * (logged); -ENETDOWN: no interface to ask DHCP on, which the caller
 * reports together with what else is missing.
 */
static int rmemd_bringup_net(int sock, const struct rmemd_opts *opts, struct rmemd_dhcp_io *dhcp,
			     char *ifname)
{
	const char *name = opts->ip_ifname;
	char addr[INET_ADDRSTRLEN];
	int ret;

	ifname[0] = '\0';
	if (name[0]) {
		ret = rmemd_if_wait(name, RMEMD_NIC_WAIT_MS);
		if (ret) {
			rmemd_err("rmem.ip: interface %s did not appear within %d s; check the NIC driver and name",
				  name, RMEMD_NIC_WAIT_MS / 1000);
			return ret;
		}
	}
	if (opts->ip_dhcp)
		return dhcp ? rmemd_dhcp_io_bringup(dhcp, sock, opts, ifname) : -EINVAL;
	if (!name[0])
		return 0;
	ret = rmemd_if_set_addr(sock, name, opts->ip_addr, opts->ip_prefix);
	if (!ret)
		ret = rmemd_if_set_flags(sock, name, IFF_UP, 0);
	if (ret) {
		rmemd_err("rmem.ip: cannot configure %s: %s", name, strerror(-ret));
		return ret;
	}
	rmemd_info("network: %s %s/%u up", name, inet_ntop(AF_INET, &opts->ip_addr, addr, sizeof(addr)),
		   opts->ip_prefix);
	rmemd_if_name_copy(ifname, name);
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

int rmemd_bringup(const struct rmemd_opts *opts, struct rmemd_dhcp_io *dhcp)
{
	char ip_if[IFNAMSIZ];
	const char *rxe_if;
	int sock, ret, net_err;

	rmemd_load_modules();

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	rmemd_if_set_flags(sock, "lo", IFF_UP, 0);

	/* No interface for DHCP: still say below whether RDMA is missing too. */
	net_err = rmemd_bringup_net(sock, opts, dhcp, ip_if);
	ret = net_err;
	if (ret && ret != -ENETDOWN)
		goto out_close;

	/*
	 * rmem.rxe=IFACE always creates soft-RoCE on IFACE; rmem.rxe=auto only
	 * when no RDMA hardware registered, on the rmem.ip (or DHCP) interface.
	 */
	rxe_if = NULL;
	if (opts->rxe_ifname[0] && strcmp(opts->rxe_ifname, "auto"))
		rxe_if = opts->rxe_ifname;
	else if (opts->rxe_ifname[0] && !rmemd_have_rdma_device() && ip_if[0])
		rxe_if = ip_if;
	if (rxe_if) {
		ret = rmemd_if_wait(rxe_if, RMEMD_NIC_WAIT_MS);
		if (!ret)
			ret = rmemd_if_set_flags(sock, rxe_if, IFF_UP, 0);
		if (!ret)
			ret = rmemd_rxe_add("rxe0", rxe_if);
		if (ret && ret != -EEXIST) {
			rmemd_err("rmem.rxe: cannot create soft-RoCE on %s: %s", rxe_if, strerror(-ret));
			goto out_close;
		}
		rmemd_info("soft-RoCE rxe0 on %s", rxe_if);
	}
	ret = net_err;
	if (!rmemd_have_rdma_device()) {
		rmemd_err("no RDMA device: no RDMA NIC was found and no soft-RoCE was created (set rmem.rxe=IFACE and rmem.ip=IFACE:ADDR/PREFIX)");
		ret = -ENODEV;
	}
out_close:
	close(sock);
	return ret;
}
