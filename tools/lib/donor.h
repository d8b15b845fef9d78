/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * donor.h - what the tools know about a donor: its address, and a snapshot
 * of its tables read with one-sided RDMA (superblock fields from the
 * descriptor, stats block, lease slots, owner table).
 *
 * Address parsing, the donors file and the summary of a snapshot are pure
 * (unit-tested natively); donor_fetch()/donor_query() in donor_rdma.c are
 * the only code that talks to a donor.
 */
#ifndef RMEM_TOOLS_DONOR_H
#define RMEM_TOOLS_DONOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rmemc.h"

#define DONORS_FILE_DEFAULT "/etc/rmem/donors"
#define DONOR_HOST_MAX 256
#define DONORS_MAX 64

struct donor_addr {
	char host[DONOR_HOST_MAX];	/* as given: IPv4, IPv6 (no brackets) or a name */
	uint16_t port;
	char name[DONOR_HOST_MAX + 8];	/* "host:port" ("[v6]:port"), for humans and JSON */
};

/* "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT".  0 or -EINVAL. */
int donor_addr_parse(const char *s, struct donor_addr *a);

/*
 * Reads a donors file (one ADDR[:PORT] per line, '#' comments, blank lines)
 * into @out (at most @max).  Returns the count, -ENOENT if the file does not
 * exist, or -EINVAL with the bad line's number in *@bad_line.
 */
int donors_file_read(const char *path, struct donor_addr *out, int max, int *bad_line);

/* One lease slot in use, with the chunks the owner table gives it. */
struct donor_lease {
	uint32_t slot;
	uint64_t device_id;	/* RMEM_DEVICE_RECLAIMING while being freed */
	uint64_t generation;
	uint64_t counter;	/* lease word: moves while the holder renews */
	uint64_t chunks;	/* owner words tagged (slot + 1, generation) */
};

/*
 * A donor's identity and geometry, from its accept descriptor (= superblock,
 * which the library checked).  DONOR_GEOM puts them in a struct the way the
 * kernel's struct_group() does: members by name, and one `geom` copied whole.
 */
#define DONOR_GEOM_FIELDS							\
	uint32_t donor_id;							\
	uint64_t epoch;								\
	uint32_t chunk_shift;							\
	uint64_t chunk_count;							\
	uint32_t slot_count;							\
	uint32_t lease_timeout_ms;

struct donor_geom {
	DONOR_GEOM_FIELDS
};

#define DONOR_GEOM								\
	union {									\
		struct {							\
			DONOR_GEOM_FIELDS					\
		};								\
		struct donor_geom geom;						\
	}

/* The one place that reads these fields out of a descriptor. */
void donor_geom_from_desc(struct donor_geom *g, const struct rmem_desc *d);

struct donor_snap {
	DONOR_GEOM;
	struct rmemc_stats st;		/* the donor's stats block */
	uint64_t *owners;		/* chunk_count owner words (CPU order) */
	struct rmemc_slot_info *slots;	/* slot_count slots */
	/* Derived by donor_snap_summarise(): */
	uint64_t owned;			/* nonzero owner words */
	uint64_t orphans;		/* ... that no current lease owns */
	struct donor_lease *leases;	/* slots in use, by slot number */
	uint32_t nleases;
};

/* Fills the derived fields from owners[] and slots[].  0 or -ENOMEM. */
int donor_snap_summarise(struct donor_snap *s);
void donor_snap_free(struct donor_snap *s);
/* Chunks the owner table gives @device_id (all its slots; 0 if none). */
uint64_t donor_snap_dev_chunks(const struct donor_snap *s, uint64_t device_id);

/* How a tool connects to a donor: the librmemclient knobs its options set. */
struct donor_connect {
	int timeout_ms;		/* per CM step and RDMA op */
	const char *key_file;	/* rack key file; NULL: $RMEM_KEY_FILE, else the default */
	bool insecure;		/* prove no key (a donor run --insecure) */
};

/* The rmemc_opts of @dc for a reader: no busy-polling, nothing else set. */
void donor_connect_opts(const struct donor_connect *dc, struct rmemc_opts *o);

/* ---- donor_rdma.c: the only part that does RDMA. */

/* One snapshot over an established connection. 0 or negative errno + @err. */
int donor_fetch(struct rmemc_conn *c, struct donor_snap *s, char *err, size_t errlen);
/* Connect as @dc says, fetch, disconnect. */
int donor_query(const struct donor_addr *a, const struct donor_connect *dc, struct donor_snap *s,
		char *err, size_t errlen);

#endif /* RMEM_TOOLS_DONOR_H */
