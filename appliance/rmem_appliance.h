/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmem_appliance.h - the donor's object tree and the interfaces between its
 * layers:
 *
 *   rmem_appliance.c  main, command line, the serve loop (daemon and PID 1)
 *   rmem_pool.c       sizing, pinning (huge pages or mlock) and the layout
 *   rmem_ibdev.c      per RDMA device: PD, CQ and the three MRs
 *   rmem_listen.c     rdma_cm: validate, accept with the descriptor, reject
 *   rmem_reaper.c     lease reaper and stats block (the only periodic work)
 *   rmem_init.c       PID-1 duties: mounts, /proc/cmdline, retry forever
 *   rmem_log.c        stderr / journal / console logging
 *
 * One struct rmem_appliance per serve attempt holds everything; nothing
 * about connections lives in globals.  The appliance is single threaded:
 * after a host connects, the data path never involves this process.
 */
#ifndef RMEM_APPLIANCE_H
#define RMEM_APPLIANCE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include "rmem_proto.h"
#include "rmem_parse.h"

/* ------------------------------------------------------------ logging */

enum rmem_log_level { RMEM_LOG_ERR = 3, RMEM_LOG_WARN = 4, RMEM_LOG_INFO = 6, RMEM_LOG_DEBUG = 7 };

void rmem_log_setup(int debug);
void rmem_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define rmem_err(...) rmem_log(RMEM_LOG_ERR, __VA_ARGS__)
#define rmem_warn(...) rmem_log(RMEM_LOG_WARN, __VA_ARGS__)
#define rmem_info(...) rmem_log(RMEM_LOG_INFO, __VA_ARGS__)
#define rmem_dbg(...) rmem_log(RMEM_LOG_DEBUG, __VA_ARGS__)

uint64_t rmem_now_ms(void);	/* CLOCK_MONOTONIC */

/* --------------------------------------------------------------- pool */

/* The pinned region and typed views into its layout. */
struct rmem_pool {
	void *base;			/* mmap of map_len bytes, pinned */
	size_t map_len;
	uint64_t page_size;		/* backing page: huge page size or 4 KiB */
	bool hugetlb;			/* MAP_HUGETLB worked */
	struct rmem_layout layout;
	struct rmem_wire_superblock *sb;
	struct rmem_wire_slot *slots;
	struct rmem_wire_lease *leases;
	struct rmem_wire_stats *stats;
	__le64 *owners;
	uint8_t *data;
	uint64_t epoch;			/* random per boot, never 0 */
	uint32_t donor_id;
	uint32_t lease_timeout_ms;
	uint32_t window_words;
};

int rmem_pool_create(struct rmem_pool *pool, const struct rmem_opts *opts);
void rmem_pool_destroy(struct rmem_pool *pool);

/* --------------------------------------------------- RDMA devices */

/* One RDMA device the pool is registered on; rdma_cm ids on it use its PD. */
struct rmem_ibdev {
	struct rmem_ibdev *next;
	struct ibv_context *ctx;	/* librdmacm's context: cm ids compare equal */
	struct ibv_pd *pd;
	struct ibv_cq *cq;		/* shared by the QPs; nothing is ever posted */
	struct ibv_mr *meta_mr;		/* read + atomic */
	struct ibv_mr *lease_mr;	/* read + write, lease table only */
	struct ibv_mr *data_mr;		/* read + write */
	struct ibv_device_attr attr;
	unsigned int conns;		/* connections using this device */
	char name[IBV_SYSFS_NAME_MAX];
};

int rmem_ibdev_open_all(struct rmem_ibdev **list, struct rmem_pool *pool,
			const char *only);
struct rmem_ibdev *rmem_ibdev_get(struct rmem_ibdev **list, struct rmem_pool *pool,
				  struct ibv_context *ctx, const char *only);
void rmem_ibdev_close_all(struct rmem_ibdev **list);
void rmem_ibdev_fill_desc(const struct rmem_ibdev *dev, const struct rmem_pool *pool,
			  struct rmem_desc *d);

/* ------------------------------------------------------------- listen */

/* One host connection: a QP the host's one-sided operations target. */
struct rmem_conn {
	struct rmem_conn *next;
	struct rdma_cm_id *id;
	struct rmem_ibdev *dev;
	uint64_t host_id;
	bool established;
	char peer[64];
};

struct rmem_listener {
	struct rdma_event_channel *channel;
	struct rdma_cm_id *id;
	struct rmem_conn *conns;
	unsigned int established;	/* connected hosts */
	uint64_t accepted;
	uint64_t rejected;
	bool stopping;			/* reject new connects */
};

struct rmem_appliance;

int rmem_listen_start(struct rmem_appliance *app);
int rmem_listen_fd(const struct rmem_appliance *app);
int rmem_listen_process(struct rmem_appliance *app);
void rmem_listen_stop(struct rmem_appliance *app);

/* ------------------------------------------------------------- reaper */

struct rmem_reaper {
	struct rmem_lease_watch *watch;	/* one per slot */
	struct rmem_wire_slot *snap;	/* slot table copy for the orphan check */
	uint64_t start_ms;
	uint64_t leases_expired;
	uint64_t chunks_freed;
	uint64_t refreshes;
	uint64_t chunks_used;		/* at the last refresh */
	uint32_t slots_used;
};

int rmem_reaper_init(struct rmem_appliance *app);
void rmem_reaper_tick(struct rmem_appliance *app, uint64_t now_ms);
void rmem_reaper_fini(struct rmem_appliance *app);
uint64_t rmem_reaper_free_slot(struct rmem_pool *pool, uint32_t slot, uint64_t device_id);

/* ----------------------------------------------------------- the whole */

struct rmem_appliance {
	struct rmem_opts opts;
	struct rmem_pool pool;
	struct rmem_ibdev *devs;
	struct rmem_listener lis;
	struct rmem_reaper reaper;
	int signal_fd;			/* SIGTERM/SIGINT, -1 in init mode */
	bool stop;
};

/*
 * Sets up everything, serves until SIGTERM/SIGINT (or forever in init
 * mode), tears down.  Returns 0 after a clean shutdown, negative errno
 * with the reason already logged otherwise.
 */
int rmem_serve(const struct rmem_opts *opts, bool handle_signals);

/* PID 1 entry point; never returns. */
void rmem_init_main(int argc, char **argv) __attribute__((noreturn));

/* rmem_bringup.c: image modules, network and soft-RoCE; 0 or -errno. */
int rmem_bringup(const struct rmem_opts *opts);

/* Daemon command line into @opts: 0, or 2 with a one-line message in @err. */
int rmem_parse_args(int argc, char **argv, struct rmem_opts *opts, bool *help,
		    bool *version, char *err, size_t errlen);
void rmem_print_help(FILE *f, const char *prog);

#endif /* RMEM_APPLIANCE_H */
