// SPDX-License-Identifier: GPL-2.0
/*
 * rmemd_netif.c - interface flags, IPv4 address and default route by
 * SIOC* ioctls, as ip(8) would set them.  The legacy ioctls are enough
 * here: one address per interface, and the kernel drops the routes through
 * an interface when its last address goes, so clearing needs no route work.
 */
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "rmemd_log.h"
#include "rmemd_netif.h"

void rmemd_if_name_copy(char *dst, const char *src)
{
	/* Not snprintf: GCC's -Wformat-truncation trips on IFNAMSIZ copies. */
	size_t n = strnlen(src, IFNAMSIZ - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void rmemd_if_req(struct ifreq *ifr, const char *ifname)
{
	memset(ifr, 0, sizeof(*ifr));
	rmemd_if_name_copy(ifr->ifr_name, ifname);
}

int rmemd_if_get_flags(int sock, const char *ifname, short *flags)
{
	struct ifreq ifr;

	rmemd_if_req(&ifr, ifname);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr))
		return -errno;
	*flags = ifr.ifr_flags;
	return 0;
}

int rmemd_if_set_flags(int sock, const char *ifname, short set, short clear)
{
	struct ifreq ifr;

	rmemd_if_req(&ifr, ifname);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr))
		return -errno;
	ifr.ifr_flags = (short)((ifr.ifr_flags | set) & ~clear);
	if (ioctl(sock, SIOCSIFFLAGS, &ifr))
		return -errno;
	return 0;
}

int rmemd_if_wait(const char *ifname, unsigned int ms)
{
	unsigned int waited;

	for (waited = 0; waited < ms; waited += 100) {
		if (if_nametoindex(ifname))
			return 0;
		rmemd_sleep_ms(100);
	}
	return -ENODEV;
}

int rmemd_if_set_addr(int sock, const char *ifname, uint32_t addr, unsigned int prefix)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	rmemd_if_req(&ifr, ifname);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
	if (ioctl(sock, SIOCSIFADDR, &ifr))
		return -errno;
	sin->sin_addr.s_addr = prefix ? htonl(~0u << (32 - prefix)) : 0;
	if (ioctl(sock, SIOCSIFNETMASK, &ifr))
		return -errno;
	return 0;
}

int rmemd_if_clear_addr(int sock, const char *ifname)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	/* 0.0.0.0 is how SIOCSIFADDR deletes (ifconfig IFACE 0). */
	rmemd_if_req(&ifr, ifname);
	sin->sin_family = AF_INET;
	if (ioctl(sock, SIOCSIFADDR, &ifr) && errno != EADDRNOTAVAIL)
		return -errno;
	return 0;
}

int rmemd_if_get_addr(int sock, const char *ifname, uint32_t *addr)
{
	struct ifreq ifr;

	rmemd_if_req(&ifr, ifname);
	if (ioctl(sock, SIOCGIFADDR, &ifr))
		return -errno;
	*addr = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr;
	return 0;
}

int rmemd_route_add_default(int sock, const char *ifname, uint32_t gw)
{
	struct rtentry rt = { 0 };
	char dev[IFNAMSIZ];

	((struct sockaddr_in *)&rt.rt_dst)->sin_family = AF_INET;
	((struct sockaddr_in *)&rt.rt_genmask)->sin_family = AF_INET;
	((struct sockaddr_in *)&rt.rt_gateway)->sin_family = AF_INET;
	((struct sockaddr_in *)&rt.rt_gateway)->sin_addr.s_addr = gw;
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rmemd_if_name_copy(dev, ifname);
	rt.rt_dev = dev;
	if (ioctl(sock, SIOCADDRT, &rt) && errno != EEXIST)
		return -errno;
	return 0;
}

int rmemd_if_ether(int sock, const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;

	rmemd_if_req(&ifr, ifname);
	if (ioctl(sock, SIOCGIFHWADDR, &ifr))
		return -errno;
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return -EAFNOSUPPORT;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}
