// SPDX-License-Identifier: GPL-2.0
/*
 * rmemd_listen.c - the rdma_cm side of the donor: the only work the donor's
 * CPU does per host.
 *
 * A connect request carries a struct rmem_wire_connect; a valid one gets a
 * QP on the device it arrived on and an accept whose private data is the
 * layout descriptor with that device's rkeys.  Anything else gets a reject
 * carrying a struct rmem_wire_reject, so the host can print why.  Before
 * a device is looked at, the host proves the rack key (rmemd_auth.c): a
 * HELLO gets a challenge (a reject with reason CHALLENGE and the donor's
 * nonce), the AUTH that answers it is checked, and the accept carries the
 * donor's proof back.  No reject carries anything of the layout.  After
 * ESTABLISHED the QP only serves the host's one-sided READ, WRITE and
 * atomics: nothing is ever posted or polled here.
 *
 * Each connection has its own grant (rmemd_ibdev.c).  When the reaper
 * takes a device's lease, rmemd_listen_revoke() deregisters the grants of
 * every connection that may carry that device's writes - its own (host id
 * = the device) and its host's shared data connections (host id 0, same
 * address) - before a chunk of it is cleared or freed; a revoked
 * connection is disconnected a minute later (RMEMD_REVOKED_LINGER_MS).
 *
 * Events are processed from a non-blocking channel by the serve loop; each
 * event is acked before an id it names is destroyed (rdma_destroy_id waits
 * for the acks of retrieved events).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmemd.h"
#include "rmemd_auth.h"
#include "rmemd_ibdev.h"
#include "rmemd_listen.h"
#include "rmemd_log.h"
#include "rmem_proto.h"

/* Pending connect requests the kernel queues for us. */
#define RMEMD_LISTEN_BACKLOG 64
/* Outstanding READ/atomic requests a host may have in flight per QP. */
#define RMEMD_RESPONDER_MAX 16

static void rmemd_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(buf, len, "%s:%u", host, port);
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(buf, len, "[%s]:%u", host, port);
	} else {
		snprintf(buf, len, "?");
	}
}

static void rmemd_addr_copy(struct sockaddr_storage *to, const struct sockaddr *sa)
{
	memset(to, 0, sizeof(*to));
	if (sa && sa->sa_family == AF_INET)
		memcpy(to, sa, sizeof(struct sockaddr_in));
	else if (sa && sa->sa_family == AF_INET6)
		memcpy(to, sa, sizeof(struct sockaddr_in6));
}

/* Same host: same address, whatever the port (each connection has its own). */
static bool rmemd_addr_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return !memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr));
	return false;
}

/* Remembers where @conn's device connects from, for a revocation after it closed. */
static void rmemd_listen_seen(struct rmemd_listener *lis, const struct rmemd_conn *conn)
{
	struct rmemd_seen *e = NULL;
	unsigned int i;

	/* Tools hold no lease: they must not push a device's entry out. */
	if (!conn->host_id || rmem_host_id_is_tool(conn->host_id))
		return;
	for (i = 0; i < RMEMD_SEEN_MAX && !e; i++)
		if (lis->seen[i].device_id == conn->host_id)
			e = &lis->seen[i];
	if (!e) {
		e = &lis->seen[lis->seen_next];
		lis->seen_next = (lis->seen_next + 1) % RMEMD_SEEN_MAX;
	}
	e->device_id = conn->host_id;
	e->addr = conn->addr;
}

static const struct rmemd_seen *rmemd_listen_seen_find(const struct rmemd_listener *lis,
						       uint64_t device_id)
{
	unsigned int i;

	for (i = 0; i < RMEMD_SEEN_MAX; i++)
		if (lis->seen[i].device_id == device_id)
			return &lis->seen[i];
	return NULL;
}

/* Is @a an address @device_id's connections come or came from? */
static bool rmemd_listen_host_of(const struct rmemd_listener *lis, uint64_t device_id,
				 const struct sockaddr_storage *a)
{
	const struct rmemd_seen *e = rmemd_listen_seen_find(lis, device_id);
	const struct rmemd_conn *c;

	if (e && rmemd_addr_same_host(a, &e->addr))
		return true;
	for (c = lis->conns; c; c = c->next)
		if (c->host_id == device_id && rmemd_addr_same_host(a, &c->addr))
			return true;
	return false;
}

static bool rmemd_listen_host_known(const struct rmemd_listener *lis, uint64_t device_id)
{
	const struct rmemd_conn *c;

	if (rmemd_listen_seen_find(lis, device_id))
		return true;
	for (c = lis->conns; c; c = c->next)
		if (c->host_id == device_id)
			return true;
	return false;
}

/*
 * A shared data connection cannot say whose write it carries, so all of
 * them from that host go; its other devices' requests on them are redone
 * on new ones.  A host nobody here remembers takes every shared connection
 * with it: a missed one would leave a working rkey behind.
 */
unsigned int rmemd_listen_revoke(struct rmemd_appliance *app, uint64_t device_id,
				 uint64_t now_ms)
{
	struct rmemd_listener *lis = &app->lis;
	struct ibv_qp_attr qa = { .qp_state = IBV_QPS_ERR };
	const struct rmemd_seen *e;
	struct rmemd_conn *conn;
	unsigned int n = 0;
	char where[64] = "unknown";
	bool known;
	int err;

	if (!device_id || !lis->seen)
		return 0;
	known = rmemd_listen_host_known(lis, device_id);
	e = rmemd_listen_seen_find(lis, device_id);
	if (e)
		rmemd_addr_str((const struct sockaddr *)&e->addr, where, sizeof(where));
	for (conn = lis->conns; conn; conn = conn->next) {
		if (conn->revoked_ms)
			continue;
		if (conn->host_id != device_id &&
		    (conn->host_id || (known && !rmemd_listen_host_of(lis, device_id, &conn->addr))))
			continue;
		err = rmemd_ibdev_revoke(&conn->grant);
		if (err) {
			/* A QP in the error state executes nothing: the other way to stop it. */
			rmemd_err("host %s: deregistering its regions failed (%s): stopping its QP instead",
				  conn->peer, strerror(-err));
			if (conn->id->qp && ibv_modify_qp(conn->id->qp, &qa, IBV_QP_STATE))
				rmemd_err("host %s: cannot stop its QP either: %s", conn->peer,
					  strerror(errno));
		}
		conn->revoked_ms = now_ms ? now_ms : 1;
		n++;
	}
	lis->conns_revoked += n;
	if (!known && n)
		rmemd_warn("device %016" PRIx64 ": no connection of it known here: revoked every shared data connection",
			   device_id);
	if (n)
		rmemd_info("revoked the access of host %s for device %016" PRIx64
			   ": %u connection(s); whatever it still sends fails at this NIC",
			   where, device_id, n);
	return n;
}

/*
 * A revoked connection stays up a while so that what its host still sends
 * is refused with a remote access error, which the host reports, rather
 * than dropped; a host that is alive closes it itself at the first error.
 */
#define RMEMD_REVOKED_LINGER_MS 60000

void rmemd_listen_tick(struct rmemd_appliance *app, uint64_t now_ms)
{
	struct rmemd_conn *conn;

	for (conn = app->lis.conns; conn; conn = conn->next) {
		/* One never established ends with its own error event. */
		if (!conn->revoked_ms || conn->disconnecting || !conn->established ||
		    now_ms - conn->revoked_ms < RMEMD_REVOKED_LINGER_MS)
			continue;
		conn->disconnecting = true;
		if (rdma_disconnect(conn->id))
			rmemd_warn("disconnecting revoked host %s: %s", conn->peer, strerror(errno));
	}
}

int rmemd_listen_start(struct rmemd_appliance *app)
{
	struct rmemd_listener *lis = &app->lis;
	struct addrinfo hints, *ai = NULL;
	const char *host = app->opts.listen_host[0] ? app->opts.listen_host : "0.0.0.0";
	char port[8], where[300];
	int err, flags;

	memset(lis, 0, sizeof(*lis));
	lis->seen = calloc(RMEMD_SEEN_MAX, sizeof(*lis->seen));
	if (!lis->seen) {
		rmemd_err("out of memory for the listener");
		return -ENOMEM;
	}
	snprintf(port, sizeof(port), "%u", app->opts.port);
	snprintf(where, sizeof(where), "%s%s%s:%s", strchr(host, ':') ? "[" : "", host,
		 strchr(host, ':') ? "]" : "", port);

	lis->channel = rdma_create_event_channel();
	if (!lis->channel) {
		err = errno ? -errno : -ENODEV;
		rmemd_err("cannot open the rdma_cm event channel: %s (is rdma_ucm loaded?)",
			 strerror(-err));
		return err;
	}
	flags = fcntl(lis->channel->fd, F_GETFL);
	if (flags < 0 || fcntl(lis->channel->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		err = -errno;
		rmemd_err("cannot make the rdma_cm channel non-blocking: %s", strerror(errno));
		goto out_destroy_channel;
	}
	if (rdma_create_id(lis->channel, &lis->id, app, RDMA_PS_TCP)) {
		err = -errno;
		rmemd_err("rdma_create_id failed: %s", strerror(errno));
		goto out_destroy_channel;
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	err = getaddrinfo(host, port, &hints, &ai);
	if (err) {
		rmemd_err("cannot resolve listen address %s: %s", where, gai_strerror(err));
		err = -EINVAL;
		goto out_destroy_id;
	}
	if (rdma_bind_addr(lis->id, ai->ai_addr)) {
		err = -errno;
		rmemd_err("cannot bind %s: %s (is an RDMA device, e.g. rxe, on that address's interface?)",
			 where, strerror(errno));
		goto out_freeaddrinfo;
	}
	if (rdma_listen(lis->id, RMEMD_LISTEN_BACKLOG)) {
		err = -errno;
		rmemd_err("cannot listen on %s: %s", where, strerror(errno));
		goto out_freeaddrinfo;
	}
	freeaddrinfo(ai);
	rmemd_info("listening on %s (rdma_cm, protocol version %u)", where, RMEM_WIRE_VERSION);
	return 0;

out_freeaddrinfo:
	freeaddrinfo(ai);
out_destroy_id:
	rdma_destroy_id(lis->id);
	lis->id = NULL;
out_destroy_channel:
	rdma_destroy_event_channel(lis->channel);
	lis->channel = NULL;
	free(lis->seen);
	lis->seen = NULL;
	return err;
}

int rmemd_listen_fd(const struct rmemd_appliance *app)
{
	return app->lis.channel ? app->lis.channel->fd : -1;
}

static void rmemd_conn_unlink(struct rmemd_listener *lis, struct rmemd_conn *conn)
{
	struct rmemd_conn **pp;

	for (pp = &lis->conns; *pp; pp = &(*pp)->next) {
		if (*pp == conn) {
			*pp = conn->next;
			return;
		}
	}
}

/* Frees everything of @conn but its cm id, which the caller destroys after the ack. */
static void rmemd_conn_release(struct rmemd_listener *lis, struct rmemd_conn *conn)
{
	rmemd_conn_unlink(lis, conn);
	if (conn->established)
		lis->established--;
	if (conn->id->qp)
		rdma_destroy_qp(conn->id);
	rmemd_ibdev_grant_free(&conn->grant);
	conn->dev->conns--;
	conn->id->context = NULL;
	free(conn);
}

/* A reject with @reason and, for a challenge, the donor's nonce after it. */
static void rmemd_listen_send_reject(struct rdma_cm_id *id, const char *peer, u16 reason,
				     u16 detail, const u8 *nd)
{
	struct rmem_reject rej = {
		.reason = reason,
		.detail = detail,
		.min_version = RMEM_WIRE_VERSION_MIN,
		.max_version = RMEM_WIRE_VERSION,
	};
	u8 buf[sizeof(struct rmem_wire_reject) + sizeof(struct rmem_wire_challenge)];
	int n, m;

	n = rmem_reject_encode(&rej, buf, sizeof(buf));
	if (n > 0 && nd) {
		m = rmem_challenge_encode(nd, buf + n, sizeof(buf) - (size_t)n);
		n = m < 0 ? m : n + m;
	}
	if (n < 0 || rdma_reject(id, buf, (u8)n))
		rmemd_warn("rdma_reject to %s failed: %s", peer,
			  n < 0 ? rmem_wire_strerror(n) : strerror(errno));
}

/* A refusal: counted, logged (rate-limited) with @note if any, sent. */
static void rmemd_listen_reject(struct rmemd_appliance *app, struct rdma_cm_id *id,
			       const char *peer, u16 reason, int wire_err, u16 claimed,
			       const char *note)
{
	/* The decode error says more only for a malformed request. */
	u16 detail = reason == RMEM_REJ_MALFORMED ? (u16)(wire_err < 0 ? -wire_err : wire_err) : 0;

	app->lis.rejected++;
	/* Counted above; a flood of refused peers must not flood the log. */
	if (rmemd_ratelimit_ok(&app->lis.reject_log, "rejected connections")) {
		if (reason == RMEM_REJ_BAD_VERSION)
			rmemd_warn("rejected %s: %s (it speaks %u, we serve %u..%u)", peer,
				   rmem_reject_str(reason), claimed, RMEM_WIRE_VERSION_MIN,
				   RMEM_WIRE_VERSION);
		else
			rmemd_warn("rejected %s: %s%s%s%s%s%s", peer, rmem_reject_str(reason),
				   detail ? ": " : "", detail ? rmem_wire_strerror(detail) : "",
				   note ? " (" : "", note ? note : "", note ? ")" : "");
	}
	rmemd_listen_send_reject(id, peer, reason, detail, NULL);
}

/*
 * The rack key, before the request reaches a device: a HELLO gets a
 * challenge, an AUTH is checked against it, a request without proof is
 * refused.  Returns true when @id got its answer (challenge or refusal)
 * and the caller destroys it; false to accept, with @p filled and
 * *@proved set when the host proved a key (never with --insecure).
 */
static bool rmemd_listen_auth(struct rmemd_appliance *app, struct rdma_cm_id *id,
			      const char *peer, const struct rmem_connect_req *creq,
			      struct rmemd_auth_proof *p, bool *proved)
{
	struct rmemd_auth *a = &app->auth;
	u8 nd[RMEM_AUTH_NONCE_LEN];
	char who[96], ids[24], note[160];
	const char *why;
	u16 reason;

	*proved = false;
	if (a->insecure)
		return false;
	snprintf(who, sizeof(who), "%s (host %016" PRIx64 ")", peer, creq->host_id);
	rmemd_auth_ids(a, ids, sizeof(ids));
	if (creq->flags & RMEM_CONNECT_F_HELLO) {
		switch (rmemd_auth_challenge(a, rdma_get_peer_addr(id), creq, rmemd_now_ms(), nd)) {
		case RMEMD_HELLO_REFUSED:
			/*
			 * No reason code says "busy": NO_RESOURCES is what the
			 * host already treats as retry later (-ECONNREFUSED),
			 * and a new code would be malformed to older hosts.
			 */
			app->lis.rejected++;
			if (rmemd_ratelimit_ok(&app->lis.hello_log, "HELLO flood warnings"))
				rmemd_warn("rejected %s: %s (all %u challenges wait for other addresses' answers; %" PRIu64 " HELLOs refused so far)",
					   who, rmem_reject_str(RMEM_REJ_NO_RESOURCES),
					   RMEMD_AUTH_SLOTS, a->challenges_refused);
			rmemd_listen_send_reject(id, who, RMEM_REJ_NO_RESOURCES, 0, NULL);
			return true;
		case RMEMD_HELLO_REPLACED:
			if (rmemd_ratelimit_ok(&app->lis.hello_log, "HELLO flood warnings"))
				rmemd_warn("challenge for %s: replaced its own oldest (more than %u HELLOs from its address within %u s)",
					   who, RMEMD_AUTH_PER_ADDR, RMEMD_AUTH_TTL_MS / 1000);
			break;
		case RMEMD_HELLO_ISSUED:
			break;
		}
		/* Step one of a connect, not a refusal: not counted as rejected. */
		app->lis.challenges++;
		rmemd_dbg("challenged %s", who);
		rmemd_listen_send_reject(id, peer, RMEM_REJ_CHALLENGE, 0, nd);
		return true;
	}
	if (creq->flags & RMEM_CONNECT_F_AUTH) {
		reason = rmemd_auth_check(a, rdma_get_peer_addr(id), rdma_get_local_addr(id), creq,
					  rmemd_now_ms(), p, &why);
		if (reason == RMEM_REJ_NONE) {
			*proved = true;
			return false;
		}
		if (why)
			snprintf(note, sizeof(note), "%s", why);
		else
			snprintf(note, sizeof(note), "donor rack key(s) %s", ids);
	} else {
		reason = RMEM_REJ_AUTH_REQUIRED;
		snprintf(note, sizeof(note), "no proof sent; this donor checks rack key(s) %s", ids);
	}
	app->lis.refused_auth++;
	rmemd_listen_reject(app, id, who, reason, 0, 0, note);
	return true;
}

/* Returns true when the caller must destroy event->id after the ack. */
static bool rmemd_listen_on_request(struct rmemd_appliance *app, struct rdma_cm_event *ev)
{
	struct rdma_conn_param *req = &ev->param.conn, param;
	struct rdma_cm_id *id = ev->id;
	struct rmemd_auth_proof proof;
	struct ibv_qp_init_attr qpa;
	struct rmem_connect_req creq;
	struct rmemd_conn *conn;
	struct rmemd_ibdev *dev;
	struct rmem_desc desc;
	u8 buf[sizeof(struct rmem_wire_accept)];
	char peer[64];
	bool proved;
	int n, err;

	rmemd_addr_str(rdma_get_peer_addr(id), peer, sizeof(peer));
	/* Before anything of the request is read: such a peer learns nothing. */
	if (!rmemd_allow_match(&app->opts, rdma_get_peer_addr(id))) {
		app->lis.refused_not_allowed++;
		rmemd_listen_reject(app, id, peer, RMEM_REJ_NOT_ALLOWED, 0, 0, NULL);
		return true;
	}
	if (app->lis.stopping) {
		rmemd_listen_reject(app, id, peer, RMEM_REJ_SHUTTING_DOWN, 0, 0, NULL);
		return true;
	}
	err = rmem_connect_decode(req->private_data, req->private_data_len, &creq);
	if (err) {
		rmemd_listen_reject(app, id, peer, rmem_reject_reason_for(err), err,
				   rmem_wire_peek_version(req->private_data,
							  req->private_data_len), NULL);
		return true;
	}
	if (rmemd_listen_auth(app, id, peer, &creq, &proof, &proved))
		return true;
	dev = rmemd_ibdev_get(&app->devs, &app->pool, id->verbs, app->opts.device);
	if (!dev) {
		rmemd_listen_reject(app, id, peer, RMEM_REJ_NO_DEVICE, 0, 0, NULL);
		return true;
	}

	conn = calloc(1, sizeof(*conn));
	if (!conn) {
		rmemd_listen_reject(app, id, peer, RMEM_REJ_NO_RESOURCES, 0, 0, NULL);
		return true;
	}
	conn->id = id;
	conn->dev = dev;
	conn->host_id = creq.host_id;
	rmemd_addr_copy(&conn->addr, rdma_get_peer_addr(id));
	conn->proved = proved;
	if (proved)
		conn->key_id = app->auth.key_id[proof.key];
	snprintf(conn->peer, sizeof(conn->peer), "%s", peer);

	/* The QP only responds; one WR each way is the minimum verbs allow. */
	memset(&qpa, 0, sizeof(qpa));
	qpa.send_cq = dev->cq;
	qpa.recv_cq = dev->cq;
	qpa.qp_type = IBV_QPT_RC;
	qpa.cap.max_send_wr = 1;
	qpa.cap.max_recv_wr = 1;
	qpa.cap.max_send_sge = 1;
	qpa.cap.max_recv_sge = 1;
	if (rmemd_ibdev_grant(dev, &app->pool, &conn->grant)) {
		free(conn);
		rmemd_listen_reject(app, id, peer, RMEM_REJ_NO_RESOURCES, 0, 0, NULL);
		return true;
	}
	if (rdma_create_qp(id, conn->grant.pd, &qpa)) {
		rmemd_warn("%s: rdma_create_qp for %s failed: %s", dev->name, peer,
			  strerror(errno));
		goto out_free_grant;
	}

	rmemd_ibdev_fill_desc(&conn->grant, &app->pool, &desc);
	if (proved && rmemd_auth_sign(&app->auth, &proof, &desc)) {
		rmemd_err("descriptor for %s does not encode: not signed", peer);
		goto out_destroy_qp;
	}
	n = rmem_desc_encode(&desc, buf, sizeof(buf));
	if (n < 0) {
		/* Our own layout failed validation: a bug, say so loudly. */
		rmemd_err("descriptor for %s does not validate: %s", peer, rmem_wire_strerror(n));
		goto out_destroy_qp;
	}

	/*
	 * responder_resources sets how many READ/atomic requests the host may
	 * keep in flight on this QP, and a nonzero value is also what makes
	 * the CM grant the QP remote read and atomic access at all.
	 */
	memset(&param, 0, sizeof(param));
	param.private_data = buf;
	param.private_data_len = (u8)n;
	param.responder_resources = req->initiator_depth;
	if (param.responder_resources > dev->attr.max_qp_rd_atom)
		param.responder_resources = (u8)dev->attr.max_qp_rd_atom;
	if (param.responder_resources > RMEMD_RESPONDER_MAX)
		param.responder_resources = RMEMD_RESPONDER_MAX;
	if (!param.responder_resources)
		param.responder_resources = 1;
	param.initiator_depth = 0;
	param.rnr_retry_count = 7;
	if (rdma_accept(id, &param)) {
		rmemd_warn("rdma_accept of %s failed: %s", peer, strerror(errno));
		rdma_destroy_qp(id);
		rmemd_ibdev_grant_free(&conn->grant);
		free(conn);
		app->lis.rejected++;
		return true;
	}
	rmemd_listen_seen(&app->lis, conn);
	id->context = conn;
	conn->next = app->lis.conns;
	app->lis.conns = conn;
	dev->conns++;
	app->lis.accepted++;
	if (proved)
		app->lis.auth_accepted++;
	rmemd_dbg("accepted %s (host %016" PRIx64 ") on %s, %u responder resources",
		 peer, creq.host_id, dev->name, param.responder_resources);
	return false;

out_destroy_qp:
	rdma_destroy_qp(id);
out_free_grant:
	rmemd_ibdev_grant_free(&conn->grant);
	free(conn);
	rmemd_listen_reject(app, id, peer, RMEM_REJ_NO_RESOURCES, 0, 0, NULL);
	return true;
}

static bool rmemd_listen_on_conn_event(struct rmemd_appliance *app, struct rdma_cm_event *ev)
{
	struct rmemd_conn *conn = ev->id->context;

	if (ev->id == app->lis.id) {
		/* Events on the listening id itself (device removal of a bound address). */
		rmemd_warn("listener: %s (status %d)", rdma_event_str(ev->event), ev->status);
		return false;
	}
	if (!conn)
		return false;

	switch (ev->event) {
	case RDMA_CM_EVENT_ESTABLISHED:
		conn->established = true;
		app->lis.established++;
		if (conn->proved)
			rmemd_info("host %s (id %016" PRIx64 ") connected via %s, proved rack key %08x; %u connected",
				  conn->peer, conn->host_id, conn->dev->name, conn->key_id,
				  app->lis.established);
		else
			rmemd_info("host %s (id %016" PRIx64 ") connected via %s, without proof (insecure); %u connected",
				  conn->peer, conn->host_id, conn->dev->name, app->lis.established);
		return false;
	case RDMA_CM_EVENT_DISCONNECTED:
		rmemd_info("host %s disconnected; %u connected", conn->peer,
			  app->lis.established - (conn->established ? 1 : 0));
		break;
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		rmemd_warn("host %s: %s removed under the connection", conn->peer, conn->dev->name);
		break;
	default:
		/* REJECTED, UNREACHABLE, CONNECT_ERROR: the accept never completed. */
		rmemd_warn("host %s: %s (status %d)", conn->peer, rdma_event_str(ev->event),
			  ev->status);
		break;
	}
	rmemd_conn_release(&app->lis, conn);
	return true;
}

/*
 * Handles every event waiting on the channel.  Returns 0, or a negative
 * errno when the channel itself failed (the serve loop then restarts).
 */
int rmemd_listen_process(struct rmemd_appliance *app)
{
	struct rdma_cm_event *ev;
	struct rdma_cm_id *id;
	bool destroy;

	for (;;) {
		if (rdma_get_cm_event(app->lis.channel, &ev)) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			rmemd_err("rdma_get_cm_event failed: %s", strerror(errno));
			return -errno;
		}
		id = ev->id;
		switch (ev->event) {
		case RDMA_CM_EVENT_CONNECT_REQUEST:
			destroy = rmemd_listen_on_request(app, ev);
			break;
		case RDMA_CM_EVENT_TIMEWAIT_EXIT:
		case RDMA_CM_EVENT_ADDR_CHANGE:
			rmemd_dbg("%s", rdma_event_str(ev->event));
			destroy = false;
			break;
		default:
			destroy = rmemd_listen_on_conn_event(app, ev);
			break;
		}
		rdma_ack_cm_event(ev);
		if (destroy)
			rdma_destroy_id(id);
	}
}

void rmemd_listen_stop(struct rmemd_appliance *app)
{
	struct rmemd_listener *lis = &app->lis;
	struct rmemd_conn *conn;
	struct rdma_cm_id *id;

	lis->stopping = true;
	if (lis->conns)
		rmemd_info("disconnecting %u host connection(s)", lis->established);
	while ((conn = lis->conns)) {
		id = conn->id;
		if (conn->established)
			rdma_disconnect(id);
		rmemd_conn_release(lis, conn);
		rdma_destroy_id(id);
	}
	if (lis->id) {
		rdma_destroy_id(lis->id);
		lis->id = NULL;
	}
	if (lis->channel) {
		rdma_destroy_event_channel(lis->channel);
		lis->channel = NULL;
	}
	free(lis->seen);
	lis->seen = NULL;
}
