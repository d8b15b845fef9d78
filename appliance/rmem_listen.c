// SPDX-License-Identifier: GPL-2.0
/*
 * rmem_listen.c - the rdma_cm side of the donor: the only work the donor's
 * CPU does per host.
 *
 * A connect request carries a struct rmem_wire_connect; a valid one gets a
 * QP on the device it arrived on and an accept whose private data is the
 * layout descriptor with that device's rkeys.  Anything else gets a reject
 * carrying a struct rmem_wire_reject, so the host can print why.  After
 * ESTABLISHED the QP only serves the host's one-sided READ, WRITE and
 * atomics: nothing is ever posted or polled here.
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

#include "rmem_appliance.h"
#include "rmem_ibdev.h"
#include "rmem_listen.h"
#include "rmem_log.h"
#include "rmem_proto.h"

/* Pending connect requests the kernel queues for us. */
#define RMEM_LISTEN_BACKLOG 64
/* Outstanding READ/atomic requests a host may have in flight per QP. */
#define RMEM_RESPONDER_MAX 16

static void rmem_addr_str(struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (sa && sa->sa_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(buf, len, "%s:%u", host, port);
	} else if (sa && sa->sa_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(buf, len, "[%s]:%u", host, port);
	} else {
		snprintf(buf, len, "?");
	}
}

int rmem_listen_start(struct rmem_appliance *app)
{
	struct rmem_listener *lis = &app->lis;
	struct addrinfo hints, *ai = NULL;
	const char *host = app->opts.listen_host[0] ? app->opts.listen_host : "0.0.0.0";
	char port[8], where[300];
	int err, flags;

	memset(lis, 0, sizeof(*lis));
	snprintf(port, sizeof(port), "%u", app->opts.port);
	snprintf(where, sizeof(where), "%s%s%s:%s", strchr(host, ':') ? "[" : "", host,
		 strchr(host, ':') ? "]" : "", port);

	lis->channel = rdma_create_event_channel();
	if (!lis->channel) {
		err = errno ? -errno : -ENODEV;
		rmem_err("cannot open the rdma_cm event channel: %s (is rdma_ucm loaded?)",
			 strerror(-err));
		return err;
	}
	flags = fcntl(lis->channel->fd, F_GETFL);
	if (flags < 0 || fcntl(lis->channel->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		err = -errno;
		rmem_err("cannot make the rdma_cm channel non-blocking: %s", strerror(errno));
		goto out_destroy_channel;
	}
	if (rdma_create_id(lis->channel, &lis->id, app, RDMA_PS_TCP)) {
		err = -errno;
		rmem_err("rdma_create_id failed: %s", strerror(errno));
		goto out_destroy_channel;
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	err = getaddrinfo(host, port, &hints, &ai);
	if (err) {
		rmem_err("cannot resolve listen address %s: %s", where, gai_strerror(err));
		err = -EINVAL;
		goto out_destroy_id;
	}
	if (rdma_bind_addr(lis->id, ai->ai_addr)) {
		err = -errno;
		rmem_err("cannot bind %s: %s (is an RDMA device, e.g. rxe, on that address's interface?)",
			 where, strerror(errno));
		goto out_freeaddrinfo;
	}
	if (rdma_listen(lis->id, RMEM_LISTEN_BACKLOG)) {
		err = -errno;
		rmem_err("cannot listen on %s: %s", where, strerror(errno));
		goto out_freeaddrinfo;
	}
	freeaddrinfo(ai);
	rmem_info("listening on %s (rdma_cm, protocol version %u)", where, RMEM_WIRE_VERSION);
	return 0;

out_freeaddrinfo:
	freeaddrinfo(ai);
out_destroy_id:
	rdma_destroy_id(lis->id);
	lis->id = NULL;
out_destroy_channel:
	rdma_destroy_event_channel(lis->channel);
	lis->channel = NULL;
	return err;
}

int rmem_listen_fd(const struct rmem_appliance *app)
{
	return app->lis.channel ? app->lis.channel->fd : -1;
}

static void rmem_conn_unlink(struct rmem_listener *lis, struct rmem_conn *conn)
{
	struct rmem_conn **pp;

	for (pp = &lis->conns; *pp; pp = &(*pp)->next) {
		if (*pp == conn) {
			*pp = conn->next;
			return;
		}
	}
}

/* Frees everything of @conn but its cm id, which the caller destroys after the ack. */
static void rmem_conn_release(struct rmem_listener *lis, struct rmem_conn *conn)
{
	rmem_conn_unlink(lis, conn);
	if (conn->established)
		lis->established--;
	if (conn->id->qp)
		rdma_destroy_qp(conn->id);
	conn->dev->conns--;
	conn->id->context = NULL;
	free(conn);
}

static void rmem_listen_reject(struct rmem_appliance *app, struct rdma_cm_id *id,
			       const char *peer, u16 reason, int wire_err, u16 claimed)
{
	struct rmem_reject rej = {
		.reason = reason,
		/* The decode error says more only for a malformed request. */
		.detail = reason == RMEM_REJ_MALFORMED ?
			  (u16)(wire_err < 0 ? -wire_err : wire_err) : 0,
		.min_version = RMEM_WIRE_VERSION_MIN,
		.max_version = RMEM_WIRE_VERSION,
	};
	u8 buf[sizeof(struct rmem_wire_reject)];
	int n;

	app->lis.rejected++;
	if (reason == RMEM_REJ_BAD_VERSION)
		rmem_warn("rejected %s: %s (it speaks %u, we serve %u..%u)", peer,
			  rmem_reject_str(reason), claimed, RMEM_WIRE_VERSION_MIN,
			  RMEM_WIRE_VERSION);
	else
		rmem_warn("rejected %s: %s%s%s", peer, rmem_reject_str(reason),
			  rej.detail ? ": " : "",
			  rej.detail ? rmem_wire_strerror(rej.detail) : "");
	n = rmem_reject_encode(&rej, buf, sizeof(buf));
	if (n < 0 || rdma_reject(id, buf, (u8)n))
		rmem_warn("rdma_reject to %s failed: %s", peer,
			  n < 0 ? rmem_wire_strerror(n) : strerror(errno));
}

/* Returns true when the caller must destroy event->id after the ack. */
static bool rmem_listen_on_request(struct rmem_appliance *app, struct rdma_cm_event *ev)
{
	struct rdma_conn_param *req = &ev->param.conn, param;
	struct rdma_cm_id *id = ev->id;
	struct ibv_qp_init_attr qpa;
	struct rmem_connect_req creq;
	struct rmem_conn *conn;
	struct rmem_ibdev *dev;
	struct rmem_desc desc;
	u8 buf[sizeof(struct rmem_wire_accept)];
	char peer[64];
	int n, err;

	rmem_addr_str(rdma_get_peer_addr(id), peer, sizeof(peer));
	if (app->lis.stopping) {
		rmem_listen_reject(app, id, peer, RMEM_REJ_SHUTTING_DOWN, 0, 0);
		return true;
	}
	err = rmem_connect_decode(req->private_data, req->private_data_len, &creq);
	if (err) {
		rmem_listen_reject(app, id, peer, rmem_reject_reason_for(err), err,
				   rmem_wire_peek_version(req->private_data,
							  req->private_data_len));
		return true;
	}
	dev = rmem_ibdev_get(&app->devs, &app->pool, id->verbs, app->opts.device);
	if (!dev) {
		rmem_listen_reject(app, id, peer, RMEM_REJ_NO_DEVICE, 0, 0);
		return true;
	}

	conn = calloc(1, sizeof(*conn));
	if (!conn) {
		rmem_listen_reject(app, id, peer, RMEM_REJ_NO_RESOURCES, 0, 0);
		return true;
	}
	conn->id = id;
	conn->dev = dev;
	conn->host_id = creq.host_id;
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
	if (rdma_create_qp(id, dev->pd, &qpa)) {
		rmem_warn("%s: rdma_create_qp for %s failed: %s", dev->name, peer,
			  strerror(errno));
		free(conn);
		rmem_listen_reject(app, id, peer, RMEM_REJ_NO_RESOURCES, 0, 0);
		return true;
	}

	rmem_ibdev_fill_desc(dev, &app->pool, &desc);
	n = rmem_desc_encode(&desc, buf, sizeof(buf));
	if (n < 0) {
		/* Our own layout failed validation: a bug, say so loudly. */
		rmem_err("descriptor for %s does not validate: %s", peer, rmem_wire_strerror(n));
		rdma_destroy_qp(id);
		free(conn);
		rmem_listen_reject(app, id, peer, RMEM_REJ_NO_RESOURCES, 0, 0);
		return true;
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
	if (param.responder_resources > RMEM_RESPONDER_MAX)
		param.responder_resources = RMEM_RESPONDER_MAX;
	if (!param.responder_resources)
		param.responder_resources = 1;
	param.initiator_depth = 0;
	param.rnr_retry_count = 7;
	if (rdma_accept(id, &param)) {
		rmem_warn("rdma_accept of %s failed: %s", peer, strerror(errno));
		rdma_destroy_qp(id);
		free(conn);
		app->lis.rejected++;
		return true;
	}
	id->context = conn;
	conn->next = app->lis.conns;
	app->lis.conns = conn;
	dev->conns++;
	app->lis.accepted++;
	rmem_dbg("accepted %s (host %016" PRIx64 ") on %s, %u responder resources",
		 peer, creq.host_id, dev->name, param.responder_resources);
	return false;
}

static bool rmem_listen_on_conn_event(struct rmem_appliance *app, struct rdma_cm_event *ev)
{
	struct rmem_conn *conn = ev->id->context;

	if (ev->id == app->lis.id) {
		/* Events on the listening id itself (device removal of a bound address). */
		rmem_warn("listener: %s (status %d)", rdma_event_str(ev->event), ev->status);
		return false;
	}
	if (!conn)
		return false;

	switch (ev->event) {
	case RDMA_CM_EVENT_ESTABLISHED:
		conn->established = true;
		app->lis.established++;
		rmem_info("host %s (id %016" PRIx64 ") connected via %s; %u connected",
			  conn->peer, conn->host_id, conn->dev->name, app->lis.established);
		return false;
	case RDMA_CM_EVENT_DISCONNECTED:
		rmem_info("host %s disconnected; %u connected", conn->peer,
			  app->lis.established - (conn->established ? 1 : 0));
		break;
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		rmem_warn("host %s: %s removed under the connection", conn->peer, conn->dev->name);
		break;
	default:
		/* REJECTED, UNREACHABLE, CONNECT_ERROR: the accept never completed. */
		rmem_warn("host %s: %s (status %d)", conn->peer, rdma_event_str(ev->event),
			  ev->status);
		break;
	}
	rmem_conn_release(&app->lis, conn);
	return true;
}

/*
 * Handles every event waiting on the channel.  Returns 0, or a negative
 * errno when the channel itself failed (the serve loop then restarts).
 */
int rmem_listen_process(struct rmem_appliance *app)
{
	struct rdma_cm_event *ev;
	struct rdma_cm_id *id;
	bool destroy;

	for (;;) {
		if (rdma_get_cm_event(app->lis.channel, &ev)) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			rmem_err("rdma_get_cm_event failed: %s", strerror(errno));
			return -errno;
		}
		id = ev->id;
		switch (ev->event) {
		case RDMA_CM_EVENT_CONNECT_REQUEST:
			destroy = rmem_listen_on_request(app, ev);
			break;
		case RDMA_CM_EVENT_TIMEWAIT_EXIT:
		case RDMA_CM_EVENT_ADDR_CHANGE:
			rmem_dbg("%s", rdma_event_str(ev->event));
			destroy = false;
			break;
		default:
			destroy = rmem_listen_on_conn_event(app, ev);
			break;
		}
		rdma_ack_cm_event(ev);
		if (destroy)
			rdma_destroy_id(id);
	}
}

void rmem_listen_stop(struct rmem_appliance *app)
{
	struct rmem_listener *lis = &app->lis;
	struct rmem_conn *conn;
	struct rdma_cm_id *id;

	lis->stopping = true;
	if (lis->conns)
		rmem_info("disconnecting %u host connection(s)", lis->established);
	while ((conn = lis->conns)) {
		id = conn->id;
		if (conn->established)
			rdma_disconnect(id);
		rmem_conn_release(lis, conn);
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
}
