/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmemd_netif.h - the interface ioctls bring-up and the DHCP client share
 * (the image has no iproute2).  @sock is any AF_INET socket; names are
 * kernel interface names.  Each returns 0 or a negative errno.
 */
#ifndef RMEMD_NETIF_H
#define RMEMD_NETIF_H

#include <stdint.h>

/* How long a NIC may take to appear after its driver loaded. */
#define RMEMD_NIC_WAIT_MS 10000

int rmemd_if_get_flags(int sock, const char *ifname, short *flags);
int rmemd_if_set_flags(int sock, const char *ifname, short set, short clear);
/* Waits up to @ms for @ifname to exist: 0 or -ENODEV. */
int rmemd_if_wait(const char *ifname, unsigned int ms);
/* @addr (network byte order) with a /@prefix netmask. */
int rmemd_if_set_addr(int sock, const char *ifname, uint32_t addr, unsigned int prefix);
/* Removes the address (and with it every route through @ifname). */
int rmemd_if_clear_addr(int sock, const char *ifname);
/* The interface's address; -EADDRNOTAVAIL when it has none. */
int rmemd_if_get_addr(int sock, const char *ifname, uint32_t *addr);
/* `ip route add default via @gw dev @ifname`; one already there is fine. */
int rmemd_route_add_default(int sock, const char *ifname, uint32_t gw);
/* @ifname's MAC if it is Ethernet (what DHCP and BOOTIF speak); -EAFNOSUPPORT if not. */
int rmemd_if_ether(int sock, const char *ifname, uint8_t mac[6]);
/* Copies an interface name, cut to what fits a name buffer (IFNAMSIZ). */
void rmemd_if_name_copy(char *dst, const char *src);

#endif /* RMEMD_NETIF_H */
