// SPDX-License-Identifier: GPL-2.0
/*
 * rmemd_dhcp_io.c - DHCP on the wire for a PXE-booted donor: pick the
 * interface, acquire a lease at bring-up, keep it from the serve loop, and
 * put on the interface (or take off) the address the state machine of
 * rmemd_dhcp.c decides.
 *
 * A plain UDP socket on *:68, bound to the interface (SO_BINDTODEVICE)
 * with SO_BROADCAST, serves every state.  Without an address the kernel
 * sends our broadcasts from 0.0.0.0 and delivers only broadcast replies,
 * which is why DISCOVER and the first REQUEST ask for them (the BOOTP
 * broadcast flag); once the address is up, renewals go unicast and their
 * answers come back to it.  No packet socket, no BPF.
 *
 * Nothing here blocks the serve loop: the socket is non-blocking, the loop
 * polls it with the listener and calls rmemd_dhcp_io_tick() at
 * rmemd_dhcp_io_deadline().  Every reply is checked by rmemd_dhcp_parse();
 * on a broadcast segment most of what arrives is other clients' and is
 * dropped quietly.  Every console line here is rate limited: a server (or
 * any machine on the segment) decides how often they would come.
 *
 * The netdev is looked at every couple of seconds: a new ifindex under the
 * same name (driver reset, re-created device) or a vanished address means
 * the lease describes something that is gone, and bring-up must run again;
 * a link that comes back makes the state machine check the lease.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rmemd_dhcp_io.h"
#include "rmemd_log.h"
#include "rmemd_netif.h"
#include "rmemd_parse.h"

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004	/* Linux 5.6: never blocks, even before the pool is ready */
#endif

/* How often the netdev is looked at. */
#define DHCP_IO_CHECK_MS 2000
/* Datagrams one tick reads: a flood on port 68 cannot hold the serve loop. */
#define DHCP_IO_TICK_BUDGET 16
/* Replies are at most RMEMD_DHCP_REPLY_MAX; room to see that one is longer. */
#define DHCP_IO_RX_LEN (RMEMD_DHCP_REPLY_MAX + 1)
#define DHCP_IO_BROADCAST 0xffffffffu

/* A line of a rate-limited kind; the limit is not spent on lines the level hides. */
#define dhcp_io_say(rl, what, level, ...)                                          \
	do {                                                                       \
		if (rmemd_log_wants(level) && rmemd_ratelimit_ok((rl), (what)))    \
			rmemd_log((level), __VA_ARGS__);                           \
	} while (0)
#define dhcp_io_lease_line(d, level, ...) \
	dhcp_io_say(&(d)->log_lease, "DHCP lease lines", level, __VA_ARGS__)
#define dhcp_io_fail_line(d, level, ...) \
	dhcp_io_say(&(d)->log_fail, "DHCP failure lines", level, __VA_ARGS__)
#define dhcp_io_dbg(d, ...) \
	dhcp_io_say(&(d)->log_dbg, "DHCP debug lines", RMEMD_LOG_DEBUG, __VA_ARGS__)

static const char *dhcp_io_ntoa(uint32_t addr, char *buf)
{
	return inet_ntop(AF_INET, &addr, buf, INET_ADDRSTRLEN);
}

static const char *dhcp_io_mac(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/*
 * xids from the kernel's generator: anyone on the segment who could guess
 * one could answer for the server.  GRND_INSECURE never blocks early in
 * boot (the pool is ready by then on the image's kernel anyway).
 */
static int dhcp_io_random(struct rmemd_dhcp_rnd *rnd)
{
	uint8_t *p = (uint8_t *)rnd;
	size_t left = sizeof(*rnd);
	unsigned int flags = GRND_INSECURE;
	ssize_t n;

	while (left) {
		n = getrandom(p, left, flags);
		if (n > 0) {
			p += n;
			left -= (size_t)n;
		} else if (n < 0 && errno == EINVAL && flags) {
			flags = 0;	/* a kernel before 5.6 */
		} else if (n < 0 && errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}

void rmemd_dhcp_io_init(struct rmemd_dhcp_io *d)
{
	memset(d, 0, sizeof(*d));
	d->sock = -1;
	d->fsm.state = RMEMD_DHCP_IDLE;
	/* A renewal every T1 is normal; only a few of them a quarter of an hour are news. */
	d->log_lease.window_ms = 900000;
	d->log_lease.burst = 6;
	d->log_fail.window_ms = 60000;
	d->log_fail.burst = 3;
	d->log_dbg.window_ms = 60000;
	d->log_dbg.burst = 10;
}

static void dhcp_io_close(struct rmemd_dhcp_io *d)
{
	if (d->sock >= 0)
		close(d->sock);
	d->sock = -1;
	d->configured = false;
	rmemd_dhcp_fsm_stop(&d->fsm);
}

/* The socket, the MAC and the index of @ifname, the state machine reset; 0 or -errno, logged. */
static int dhcp_io_open(struct rmemd_dhcp_io *d, const char *ifname)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(RMEMD_DHCP_CLIENT_PORT),
	};
	const char *step;
	uint8_t mac[6];
	short flags = 0;
	int one = 1, err = 0;

	dhcp_io_close(d);
	rmemd_if_name_copy(d->ifname, ifname);
	d->ifindex = if_nametoindex(ifname);
	d->sock = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->sock < 0) {
		err = -errno;
		rmemd_err("network: DHCP on %s: socket: %s", ifname, strerror(-err));
		return err;
	}
	/* From here a failed call leaves err 0: the label logs errno with the step. */
	step = "SO_BINDTODEVICE";
	if (setsockopt(d->sock, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1))
		goto out_close;
	step = "SO_BROADCAST";
	if (setsockopt(d->sock, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)))
		goto out_close;
	step = "SO_REUSEADDR";
	if (setsockopt(d->sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		goto out_close;
	step = "bind to port 68";
	if (bind(d->sock, (struct sockaddr *)&sin, sizeof(sin)))
		goto out_close;
	err = rmemd_if_ether(d->sock, ifname, mac);
	if (err == -EAFNOSUPPORT)
		rmemd_err("network: %s is not an Ethernet interface; DHCP here needs one (use rmem.ip=%s:ADDR/PREFIX)",
			  ifname, ifname);
	else if (err)
		rmemd_err("network: DHCP on %s: SIOCGIFHWADDR: %s", ifname, strerror(-err));
	if (err)
		goto out_close;
	rmemd_dhcp_fsm_init(&d->fsm, mac);
	d->carrier = !rmemd_if_get_flags(d->sock, ifname, &flags) && (flags & IFF_RUNNING);
	return 0;

out_close:
	if (!err) {
		err = -errno;
		rmemd_err("network: DHCP on %s: %s: %s", ifname, step, strerror(-err));
	}
	close(d->sock);
	d->sock = -1;
	return err;
}

static void dhcp_io_send(struct rmemd_dhcp_io *d, const uint8_t *buf, int len, uint32_t dest)
{
	struct sockaddr_in to = {
		.sin_family = AF_INET, .sin_port = htons(RMEMD_DHCP_SERVER_PORT),
		.sin_addr.s_addr = dest,
	};
	char a[INET_ADDRSTRLEN];

	if (len < 0)
		return;
	/* A lost request is what DHCP retransmits for; only say why. */
	if (sendto(d->sock, buf, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		dhcp_io_dbg(d, "network: DHCP send on %s to %s: %s", d->ifname, dhcp_io_ntoa(dest, a),
			    strerror(errno));
}

/*
 * Takes one datagram if there is one: 1 with @l and its source @src for a
 * well-formed reply to our xid, 0 for something to skip, -EAGAIN when the
 * queue is empty.  An error ends a read like an empty queue does, so no
 * caller can spin on one.
 */
static int dhcp_io_recv(struct rmemd_dhcp_io *d, struct rmemd_dhcp_lease *l, uint32_t *src)
{
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	uint8_t buf[DHCP_IO_RX_LEN];
	char a[INET_ADDRSTRLEN];
	const char *why = "";
	ssize_t n;
	int err;

	n = recvfrom(d->sock, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from,
		     &flen);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			dhcp_io_dbg(d, "network: DHCP receive on %s: %s", d->ifname, strerror(errno));
		return -EAGAIN;
	}
	/* Servers and relays answer from port 67; anything else is not DHCP's. */
	if (flen < sizeof(from) || from.sin_family != AF_INET ||
	    from.sin_port != htons(RMEMD_DHCP_SERVER_PORT))
		return 0;
	/* MSG_TRUNC: @n is the datagram's length, even past the buffer. */
	if ((size_t)n > RMEMD_DHCP_REPLY_MAX) {
		dhcp_io_dbg(d, "network: DHCP reply of %zd bytes from %s on %s ignored: longer than %u",
			    n, dhcp_io_ntoa(from.sin_addr.s_addr, a), d->ifname, RMEMD_DHCP_REPLY_MAX);
		return 0;
	}
	err = rmemd_dhcp_parse(&d->fsm.client, buf, (size_t)n, l, &why);
	if (err) {
		/* Other clients' replies are normal on a broadcast segment. */
		if (err != -ENOMSG)
			dhcp_io_dbg(d, "network: DHCP reply from %s on %s ignored: %s",
				    dhcp_io_ntoa(from.sin_addr.s_addr, a), d->ifname, why);
		return 0;
	}
	*src = from.sin_addr.s_addr;
	return 1;
}

static void dhcp_io_unconfigure(struct rmemd_dhcp_io *d)
{
	char a[INET_ADDRSTRLEN];
	int ret;

	if (!d->configured || d->sock < 0)
		return;
	d->configured = false;
	ret = rmemd_if_clear_addr(d->sock, d->ifname);
	if (ret)
		rmemd_warn("network: cannot remove %s from %s: %s",
			   dhcp_io_ntoa(d->fsm.lease.yiaddr, a), d->ifname, strerror(-ret));
}

void rmemd_dhcp_io_release(struct rmemd_dhcp_io *d)
{
	uint8_t buf[RMEMD_DHCP_REQUEST_LEN];
	struct rmemd_dhcp_rnd rnd;

	if (d->sock >= 0 && rmemd_dhcp_fsm_holds(&d->fsm) && !dhcp_io_random(&rnd)) {
		d->fsm.client.xid = rnd.xid;
		d->fsm.client.secs = 0;
		dhcp_io_send(d, buf, rmemd_dhcp_build_release(&d->fsm.client, &d->fsm.lease, buf,
							     sizeof(buf)),
			     d->fsm.lease.server_id);
	}
	dhcp_io_unconfigure(d);
	dhcp_io_close(d);
}

/* EV_BOUND: the address, the console line saying so, the default route. */
static int dhcp_io_configure(struct rmemd_dhcp_io *d)
{
	char a[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN], t[48];
	const struct rmemd_dhcp_lease *l = &d->fsm.lease;
	int ret;

	dhcp_io_ntoa(l->yiaddr, a);
	ret = rmemd_if_set_addr(d->sock, d->ifname, l->yiaddr, l->prefix);
	if (ret) {
		rmemd_err("network: cannot give %s its DHCP address %s/%u: %s", d->ifname, a,
			  l->prefix, strerror(-ret));
		rmemd_dhcp_io_release(d);
		return ret;
	}
	d->configured = true;
	dhcp_io_lease_line(d, RMEMD_LOG_INFO, "network: %s %s/%u by DHCP from %s (%s)", d->ifname, a,
			   l->prefix, dhcp_io_ntoa(l->server_id, s),
			   rmemd_dhcp_lease_str(l, t, sizeof(t)));
	if (!l->router)
		return 0;
	dhcp_io_ntoa(l->router, a);
	/* Hosts on the donor's own subnet need no route: a failure here is not fatal. */
	ret = rmemd_route_add_default(d->sock, d->ifname, l->router);
	if (ret)
		rmemd_warn("network: cannot add the default route via %s on %s: %s; only hosts on the donor's subnet can reach it",
			   a, d->ifname, strerror(-ret));
	else
		dhcp_io_lease_line(d, RMEMD_LOG_INFO, "network: default route via %s on %s", a,
				   d->ifname);
	return 0;
}

static void dhcp_io_renewed(struct rmemd_dhcp_io *d, const struct rmemd_dhcp_lease *l,
			    const struct rmemd_dhcp_lease *was)
{
	char a[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], t[48];

	dhcp_io_ntoa(l->server_id, s);
	/* The state machine keeps mask and router; say so when the server changed them. */
	if ((l->mask_given && l->prefix != was->prefix) || (l->router && l->router != was->router))
		dhcp_io_lease_line(d, RMEMD_LOG_WARN,
				   "network: %s: DHCP server %s now gives /%u router %s; keeping /%u router %s until the next boot",
				   d->ifname, s, l->prefix, dhcp_io_ntoa(l->router, b), was->prefix,
				   dhcp_io_ntoa(was->router, a));
	dhcp_io_lease_line(d, RMEMD_LOG_INFO, "network: %s %s lease renewed by %s (%s)", d->ifname,
			   dhcp_io_ntoa(d->fsm.lease.yiaddr, a), s,
			   rmemd_dhcp_lease_str(&d->fsm.lease, t, sizeof(t)));
}

/* A reply the parser accepted: what the state machine makes of it. */
static int dhcp_io_reply(struct rmemd_dhcp_io *d, const struct rmemd_dhcp_lease *l, uint32_t src,
			 uint64_t now)
{
	char a[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], m[18];
	enum rmemd_dhcp_state was = d->fsm.state;
	const struct rmemd_dhcp_lease before = d->fsm.lease;
	const char *why;

	dhcp_io_ntoa(l->server_id, s);
	switch (rmemd_dhcp_fsm_reply(&d->fsm, l, src, now, &why)) {
	case RMEMD_DHCP_EV_OFFERED:
		dhcp_io_dbg(d, "network: %s: DHCP server %s offers %s", d->ifname, s,
			    dhcp_io_ntoa(l->yiaddr, a));
		return 0;
	case RMEMD_DHCP_EV_BOUND:
		return dhcp_io_configure(d);
	case RMEMD_DHCP_EV_RENEWED:
		dhcp_io_renewed(d, l, &before);
		return 0;
	case RMEMD_DHCP_EV_DECLINED:
		if (l->type == RMEMD_DHCP_NAK)
			dhcp_io_fail_line(d, RMEMD_LOG_WARN,
					  "network: %s: DHCP server %s took back its offer of %s (DHCPNAK); asking again in %u s",
					  d->ifname, s, dhcp_io_ntoa(d->fsm.offer.yiaddr, a),
					  RMEMD_DHCP_RESTART_MS / 1000);
		else
			dhcp_io_fail_line(d, RMEMD_LOG_WARN,
					  "network: %s: DHCP server %s acknowledged %s, not the %s it offered; asking again in %u s",
					  d->ifname, s, dhcp_io_ntoa(l->yiaddr, b),
					  dhcp_io_ntoa(d->fsm.offer.yiaddr, a),
					  RMEMD_DHCP_RESTART_MS / 1000);
		return 0;
	case RMEMD_DHCP_EV_LOST:
		dhcp_io_fail_line(d, RMEMD_LOG_ERR,
				  "network: %s: DHCP server %s refused the lease of %s (DHCPNAK); removing the address and asking again in %u s (check the server's reservation for MAC %s)",
				  d->ifname, s, dhcp_io_ntoa(d->fsm.lease.yiaddr, a),
				  RMEMD_DHCP_RESTART_MS / 1000,
				  dhcp_io_mac(d->fsm.client.mac, m, sizeof(m)));
		dhcp_io_unconfigure(d);
		return 0;
	default:
		dhcp_io_dbg(d, "network: %s: %s from %s (server %s) ignored while %s: %s", d->ifname,
			    rmemd_dhcp_type_name(l->type), dhcp_io_ntoa(src, a), s,
			    rmemd_dhcp_state_name(was), why);
		return 0;
	}
}

/* A send moved the state machine on (T1, T2, the first DISCOVER): say so. */
static void dhcp_io_moved(struct rmemd_dhcp_io *d, enum rmemd_dhcp_state was)
{
	char a[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN];

	if (d->fsm.state == RMEMD_DHCP_REBINDING)
		dhcp_io_lease_line(d, RMEMD_LOG_WARN,
				   "network: %s: DHCP server %s did not renew %s; asking any server (rebinding)",
				   d->ifname, dhcp_io_ntoa(d->fsm.lease.server_id, s),
				   dhcp_io_ntoa(d->fsm.lease.yiaddr, a));
	else
		dhcp_io_dbg(d, "network: %s: DHCP %s -> %s", d->ifname, rmemd_dhcp_state_name(was),
			    rmemd_dhcp_state_name(d->fsm.state));
}

/* EV_GAVE_UP, no lease in RMEMD_DHCP_ACQUIRE_MS: what to check, and the next pick moves on. */
static int dhcp_io_give_up(struct rmemd_dhcp_io *d)
{
	char m[18];

	d->failures++;
	rmemd_err("network: %s: no DHCP lease in %u s (%s); check that a DHCP server or relay serves this network (a reservation for MAC %s), the cable and switch port, and that %s is the RDMA NIC (rmem.ip=IFACE:dhcp names one, rmem.ip=IFACE:ADDR/PREFIX sets a static address)",
		  d->ifname, RMEMD_DHCP_ACQUIRE_MS / 1000, d->carrier ? "link up" : "no link",
		  dhcp_io_mac(d->fsm.client.mac, m, sizeof(m)), d->ifname);
	dhcp_io_close(d);
	return -ETIMEDOUT;
}

/* The deadline passed: what the state machine sends or gives up. */
static int dhcp_io_timeout(struct rmemd_dhcp_io *d, uint64_t now)
{
	char a[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN], t[48];
	enum rmemd_dhcp_state was = d->fsm.state;
	uint8_t buf[RMEMD_DHCP_REQUEST_LEN];
	struct rmemd_dhcp_rnd rnd;
	uint32_t dest;
	int err, len;

	err = dhcp_io_random(&rnd);
	if (err) {
		rmemd_err("network: %s: DHCP: getrandom: %s; no transaction id to send with",
			  d->ifname, strerror(-err));
		rmemd_dhcp_io_release(d);
		return err;
	}
	switch (rmemd_dhcp_fsm_timeout(&d->fsm, now, &rnd)) {
	case RMEMD_DHCP_EV_SEND:
		if (d->fsm.state != was)
			dhcp_io_moved(d, was);
		len = rmemd_dhcp_fsm_build(&d->fsm, buf, sizeof(buf), &dest);
		dhcp_io_send(d, buf, len, dest);
		break;
	case RMEMD_DHCP_EV_DECLINED:
		dhcp_io_fail_line(d, RMEMD_LOG_WARN,
				  "network: %s: no DHCPACK from %s for %s; asking again in %u s",
				  d->ifname, dhcp_io_ntoa(d->fsm.offer.server_id, s),
				  dhcp_io_ntoa(d->fsm.offer.yiaddr, a), RMEMD_DHCP_RESTART_MS / 1000);
		break;
	case RMEMD_DHCP_EV_EXPIRED:
		dhcp_io_fail_line(d, RMEMD_LOG_ERR,
				  "network: %s: the DHCP lease of %s from %s expired; removing the address and asking again in %u s (is the DHCP server up?)",
				  d->ifname, dhcp_io_ntoa(d->fsm.lease.yiaddr, a),
				  dhcp_io_ntoa(d->fsm.lease.server_id, s),
				  RMEMD_DHCP_RESTART_MS / 1000);
		dhcp_io_unconfigure(d);
		break;
	case RMEMD_DHCP_EV_KEPT:
		dhcp_io_lease_line(d, RMEMD_LOG_INFO,
				   "network: %s: no DHCP server answered for %s since the link came back; keeping it (%s, %s)",
				   d->ifname, dhcp_io_ntoa(d->fsm.lease.yiaddr, a),
				   rmemd_dhcp_state_name(d->fsm.state),
				   rmemd_dhcp_lease_str(&d->fsm.lease, t, sizeof(t)));
		break;
	case RMEMD_DHCP_EV_GAVE_UP:
		return dhcp_io_give_up(d);
	default:
		break;
	}
	return 0;
}

/*
 * The netdev under the lease: still the one we opened, still carrying the
 * address, and the link back after a loss?  0, or -ENETRESET (logged, the
 * client closed) when the lease no longer describes this interface.
 */
static int dhcp_io_check(struct rmemd_dhcp_io *d, uint64_t now)
{
	struct rmemd_dhcp_netdev nd = { .ifindex = if_nametoindex(d->ifname) };
	char a[INET_ADDRSTRLEN];
	short flags = 0;

	d->next_check_ms = now + DHCP_IO_CHECK_MS;
	nd.carrier = !rmemd_if_get_flags(d->sock, d->ifname, &flags) && (flags & IFF_UP) &&
		     (flags & IFF_RUNNING);
	nd.has_addr = !rmemd_if_get_addr(d->sock, d->ifname, &nd.addr);
	dhcp_io_ntoa(d->fsm.lease.yiaddr, a);
	switch (rmemd_dhcp_netdev_check(d->ifindex, d->carrier, d->configured, d->fsm.lease.yiaddr,
					&nd)) {
	case RMEMD_DHCP_NETDEV_NEW:
		/* The address and routes went with the old netdev: nothing to remove. */
		rmemd_warn("network: %s is %s (index %u, was %u); its DHCP lease no longer holds; bringing the network up again",
			   d->ifname, nd.ifindex ? "a new netdev" : "gone", nd.ifindex, d->ifindex);
		dhcp_io_close(d);
		return -ENETRESET;
	case RMEMD_DHCP_NETDEV_NO_ADDR:
		rmemd_warn("network: %s lost its DHCP address %s; bringing the network up again",
			   d->ifname, a);
		dhcp_io_close(d);
		return -ENETRESET;
	case RMEMD_DHCP_NETDEV_LINK_BACK:
		/* Plugged into another switch, the donor may be on another network now. */
		if (rmemd_dhcp_fsm_holds(&d->fsm))
			dhcp_io_lease_line(d, RMEMD_LOG_INFO,
					   "network: %s: link up again; asking DHCP whether %s still holds",
					   d->ifname, a);
		rmemd_dhcp_fsm_link_up(&d->fsm, now);
		break;
	default:
		break;
	}
	d->carrier = nd.carrier;
	return 0;
}

int rmemd_dhcp_io_fd(const struct rmemd_dhcp_io *d)
{
	return d->sock;
}

uint64_t rmemd_dhcp_io_deadline(const struct rmemd_dhcp_io *d)
{
	uint64_t t;

	if (d->sock < 0)
		return RMEMD_DHCP_NEVER;
	t = rmemd_dhcp_fsm_deadline(&d->fsm);
	return d->next_check_ms < t ? d->next_check_ms : t;
}

int rmemd_dhcp_io_tick(struct rmemd_dhcp_io *d, uint64_t now)
{
	struct rmemd_dhcp_lease l;
	unsigned int i;
	uint32_t src;
	int ret;

	if (d->sock < 0)
		return 0;
	if (now >= d->next_check_ms) {
		ret = dhcp_io_check(d, now);
		if (ret)
			return ret;
	}
	for (i = 0; i < DHCP_IO_TICK_BUDGET; i++) {
		ret = dhcp_io_recv(d, &l, &src);
		if (ret == -EAGAIN)
			break;
		if (ret == 1) {
			ret = dhcp_io_reply(d, &l, src, now);
			if (ret)
				return ret;
		}
	}
	/* Each step moves the deadline past @now; the bound keeps a mistake from spinning. */
	for (i = 0; i < 4 && now >= rmemd_dhcp_fsm_deadline(&d->fsm); i++) {
		ret = dhcp_io_timeout(d, now);
		if (ret)
			return ret;
	}
	return 0;
}

/* Runs the client until it holds a lease: 0, or what rmemd_dhcp_io_tick() failed with. */
static int dhcp_io_wait_bound(struct rmemd_dhcp_io *d)
{
	struct pollfd pfd = { .fd = d->sock, .events = POLLIN };
	uint64_t now, wake;
	int ret;

	for (;;) {
		now = rmemd_now_ms();
		ret = rmemd_dhcp_io_tick(d, now);
		if (ret || rmemd_dhcp_io_bound(d))
			return ret;
		/* Open and not bound: the deadline is at most DHCP_IO_CHECK_MS away. */
		wake = rmemd_dhcp_io_deadline(d);
		if (poll(&pfd, 1, wake > now ? (int)(wake - now) : 0) < 0 && errno != EINTR) {
			ret = -errno;
			rmemd_err("network: %s: DHCP: poll: %s", d->ifname, strerror(-ret));
			dhcp_io_close(d);
			return ret;
		}
	}
}

/* Ethernet, not loopback: what DHCP can ask on.  @was_up: up before we looked. */
static unsigned int dhcp_io_nics(int ctl, struct rmemd_dhcp_nic *c, bool *was_up)
{
	struct if_nameindex *ifs, *i;
	unsigned int n = 0;
	short flags;

	ifs = if_nameindex();	/* in ifindex order: "first" means probed first */
	if (!ifs)
		return 0;
	for (i = ifs; i->if_index && n < RMEMD_DHCP_NICS_MAX; i++) {
		if (rmemd_if_get_flags(ctl, i->if_name, &flags) || (flags & IFF_LOOPBACK))
			continue;
		if (rmemd_if_ether(ctl, i->if_name, c[n].mac))
			continue;
		rmemd_if_name_copy(c[n].name, i->if_name);
		c[n].link = (flags & IFF_UP) && (flags & IFF_RUNNING);
		was_up[n] = flags & IFF_UP;
		n++;
	}
	if_freenameindex(ifs);
	return n;
}

static bool dhcp_io_has_mac(const struct rmemd_dhcp_nic *c, unsigned int n, const uint8_t *mac)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!memcmp(c[i].mac, mac, sizeof(c[i].mac)))
			return true;
	return false;
}

/*
 * The interface DHCP runs on when rmem.ip names none (rmemd_dhcp_pick()
 * says which).  Interfaces brought up only to look for a link are taken
 * down again.  0 with the name in @ifname, or -ENETDOWN (logged) when the
 * machine has no Ethernet interface at all.
 */
static int dhcp_io_pick(struct rmemd_dhcp_io *d, int ctl, const struct rmemd_opts *opts,
			char *ifname)
{
	const uint8_t *bootif = opts->bootif_set ? opts->bootif : NULL;
	struct rmemd_dhcp_nic c[RMEMD_DHCP_NICS_MAX];
	bool was_up[RMEMD_DHCP_NICS_MAX], any;
	unsigned int n, i, waited;
	const char *why;
	char mac[18];
	short flags;
	int pick;

	n = dhcp_io_nics(ctl, c, was_up);
	if (bootif) {
		/* The boot NIC exists for sure, but its driver may still be probing. */
		for (waited = 0; !dhcp_io_has_mac(c, n, bootif) && waited < RMEMD_NIC_WAIT_MS;
		     waited += 100) {
			rmemd_sleep_ms(100);
			n = dhcp_io_nics(ctl, c, was_up);
		}
		if (!dhcp_io_has_mac(c, n, bootif)) {
			rmemd_warn("network: no interface has the BOOTIF address %s; choosing by link",
				   dhcp_io_mac(bootif, mac, sizeof(mac)));
			bootif = NULL;
		}
	}
	/* Only the boot NIC, first time round, needs no link to be chosen. */
	if (n > 1 && !(bootif && !d->failures)) {
		/* A link needs the interface up; most NICs report carrier within a few seconds. */
		for (i = 0; i < n; i++)
			rmemd_if_set_flags(ctl, c[i].name, IFF_UP, 0);
		for (waited = 0; waited < RMEMD_NIC_WAIT_MS; waited += 100) {
			for (i = 0, any = false; i < n; i++) {
				c[i].link = !rmemd_if_get_flags(ctl, c[i].name, &flags) &&
					    (flags & IFF_RUNNING);
				any |= c[i].link;
			}
			if (any)
				break;
			rmemd_sleep_ms(100);
		}
	}
	pick = rmemd_dhcp_pick(c, n, bootif, d->failures, &why);
	if (pick < 0) {
		rmemd_err("network: no Ethernet interface to ask DHCP on (is the NIC's driver in the image?); set a static address with rmem.ip=IFACE:ADDR/PREFIX, or rmem.ip=none for no network");
		return -ENETDOWN;
	}
	for (i = 0; i < n; i++)
		if (i != (unsigned int)pick && !was_up[i])
			rmemd_if_set_flags(ctl, c[i].name, 0, IFF_UP);
	rmemd_if_name_copy(ifname, c[pick].name);
	rmemd_info("network: %s (%s) chosen for DHCP: %s", ifname,
		   dhcp_io_mac(c[pick].mac, mac, sizeof(mac)), why);
	return 0;
}

int rmemd_dhcp_io_bringup(struct rmemd_dhcp_io *d, int ctl, const struct rmemd_opts *opts,
			  char *ifname)
{
	uint64_t now = rmemd_now_ms();
	char mac[18];
	int ret;

	/* An earlier attempt's lease stands if its netdev and address do (the check says why not). */
	if (rmemd_dhcp_io_bound(d) && !dhcp_io_check(d, now)) {
		rmemd_if_name_copy(ifname, d->ifname);
		return 0;
	}
	/* Anything half done (a lease lost and not yet regained) starts over, perhaps elsewhere. */
	rmemd_dhcp_io_release(d);
	if (opts->ip_ifname[0]) {
		rmemd_if_name_copy(ifname, opts->ip_ifname);
	} else {
		ret = dhcp_io_pick(d, ctl, opts, ifname);
		if (ret)
			return ret;
	}
	ret = rmemd_if_set_flags(ctl, ifname, IFF_UP, 0);
	if (ret) {
		rmemd_err("rmem.ip: cannot bring %s up: %s", ifname, strerror(-ret));
		return ret;
	}
	ret = dhcp_io_open(d, ifname);
	if (ret)
		return ret;
	now = rmemd_now_ms();
	rmemd_dhcp_fsm_start(&d->fsm, now);
	d->next_check_ms = now + DHCP_IO_CHECK_MS;
	rmemd_info("network: %s: asking for an address by DHCP (MAC %s)", ifname,
		   dhcp_io_mac(d->fsm.client.mac, mac, sizeof(mac)));
	return dhcp_io_wait_bound(d);
}

void rmemd_dhcp_io_sleep(struct rmemd_dhcp_io *d, unsigned int ms)
{
	uint64_t now = rmemd_now_ms(), end = now + ms, until;
	struct pollfd pfd = { .events = POLLIN };

	while (now < end) {
		until = rmemd_dhcp_io_deadline(d);
		if (until > end)
			until = end;
		/* poll() with no fd (-1 is skipped) is a plain sleep. */
		pfd.fd = rmemd_dhcp_io_fd(d);
		poll(&pfd, 1, until > now ? (int)(until - now) : 0);
		now = rmemd_now_ms();
		/* A lease lost here is for the next bring-up to find, not for a sleeper to act on. */
		rmemd_dhcp_io_tick(d, now);
	}
}
