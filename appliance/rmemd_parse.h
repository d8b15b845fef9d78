/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmemd_parse.h - rmem-appliance options: one table serves the command line
 * (getopt), the kernel command line (rmem.*= in --init mode) and --help.
 * Pure code (no I/O but the caller's report callback), unit tested natively.
 */
#ifndef RMEMD_PARSE_H
#define RMEMD_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;

/* Networks an allow-list holds. */
#define RMEMD_ALLOW_MAX 16
/* rmem.key=HEX[,HEX]: two keys of 64 hex digits, a comma, the NUL. */
#define RMEMD_KEY_HEX_MAX 132

/* Everything the appliance can be told; rmemd_opts_defaults() fills it. */
struct rmemd_opts {
	char listen_host[256];	/* "" = every address */
	uint16_t port;
	uint64_t memory_bytes;	/* --memory SIZE; 0 = not given */
	uint32_t memory_pct;	/* --memory PCT%; 0 = not given */
	uint64_t reserve_bytes;	/* --reserve; 0 = default rule */
	uint32_t chunk_shift;
	uint32_t lease_timeout_ms;
	char device[64];	/* "" = every RDMA device */
	uint32_t donor_id;
	bool donor_id_set;
	uint32_t slots;		/* lease slots (host devices at once) */
	bool no_hugepages;
	bool init;		/* PID 1 mode */
	/*
	 * Image bring-up (PID 1): address of the RDMA NIC, soft-RoCE.  No
	 * ip_ifname and no ip_dhcp: leave the network alone.
	 */
	char ip_ifname[16];	/* "" with ip_dhcp: chosen at bring-up */
	bool ip_dhcp;		/* address by DHCP, not ip_addr/ip_prefix */
	uint32_t ip_addr;	/* IPv4, network byte order */
	uint32_t ip_prefix;
	/* BOOTIF= (pxelinux IPAPPEND 2): the NIC that PXE-booted, DHCP's choice. */
	uint8_t bootif[6];
	bool bootif_set;
	char rxe_ifname[16];	/* "", an interface, or "auto" */
	int debug;
	/* --allow: IPv4 networks hosts may connect from; none = any address. */
	bool allow_nobody;	/* a bad rmem.allow=: refuse every host */
	unsigned int allow_n;
	struct rmemd_allow_net {
		uint32_t addr;	/* network byte order, host bits clear */
		uint32_t prefix;
	} allow[RMEMD_ALLOW_MAX];
	/*
	 * Host authentication (rmemd_auth.c): the rack keys hosts must prove,
	 * from rmem.key= when given, else from key_file; none with insecure.
	 */
	char key_file[256];	/* --key-file */
	bool key_file_set;	/* given, not the default: contradicts insecure */
	char key_hex[RMEMD_KEY_HEX_MAX];	/* rmem.key=: the key text, wiped once loaded */
	bool key_bad;		/* a bad rmem.key=: refuse to serve */
	bool insecure;		/* --insecure, rmem.insecure=1: admit hosts without proof */
};

/*
 * One option.  @cmdline is its rmem.<name>= spelling on the kernel command
 * line (NULL: not settable there), @arg the metavariable in --help (NULL:
 * a flag).  The value lives at @off (@size bytes) in struct rmemd_opts; @set
 * reads it and @show prints it, the functions of its kind (for numbers
 * one pair, with the row's @parse and @print), each using the other fields
 * it needs.  Callers go through rmemd_opt_set() and rmemd_opt_show().
 */
struct rmemd_opt_desc {
	const char *name;	/* long option, without "--" */
	int short_name;		/* 0: none */
	const char *cmdline;
	const char *arg;
	const char *help;
	size_t off;		/* offsetof(struct rmemd_opts, field) */
	size_t size;		/* sizeof the field */
	uint32_t min, max;	/* numbers, durations: accepted range */
	bool invert;		/* booleans: store the negation */
	const char *reject;	/* names: characters refused */
	const char *what;	/* "'VALUE' is not <what>" on a bad value */
	const char *unset;	/* shown for a zero or empty field; NULL: the value */
	/* Kernel command line only: a secret has no place in argv, which ps shows. */
	bool cmdline_only;
	/*
	 * A bad value on the kernel command line: NULL keeps the old value;
	 * else this makes the option fail closed (and "keep" shows that).
	 */
	void (*fail_closed)(struct rmemd_opts *o);
	int (*set)(const struct rmemd_opt_desc *d, struct rmemd_opts *o, const char *value,
		   char *err, size_t errlen);
	int (*show)(const struct rmemd_opt_desc *d, const struct rmemd_opts *o, char *buf,
		    size_t len);	/* NULL: nothing to show */
	/* Numbers: read the value (0, or -EINVAL and the message), print it. */
	int (*parse)(const struct rmemd_opt_desc *d, const char *value, uint64_t *n, char *err,
		     size_t errlen);
	int (*print)(uint64_t n, char *buf, size_t len);
};

extern const struct rmemd_opt_desc rmemd_opt_table[];
extern const size_t rmemd_opt_count;

void rmemd_opts_defaults(struct rmemd_opts *o);
/*
 * The defaults of PID 1 (--init): those above, and DHCP when no rmem.ip
 * says otherwise, because a PXE-booted donor has no other way to learn
 * its address.  Daemon mode never touches the network unless told.
 */
void rmemd_opts_defaults_init(struct rmemd_opts *o);

/*
 * May a host connect from @sa?  Always with an empty allow-list; else only
 * an IPv4 address (or an IPv4-mapped IPv6 one) inside one of its networks.
 */
bool rmemd_allow_match(const struct rmemd_opts *o, const struct sockaddr *sa);

const struct rmemd_opt_desc *rmemd_opt_find(const char *name);
const struct rmemd_opt_desc *rmemd_opt_find_cmdline(const char *key);

/*
 * Parses @value (NULL for a flag given alone) into @o: 0, or -EINVAL with
 * a message in @err that does not name the option, @o left as it was.
 */
int rmemd_opt_set(const struct rmemd_opt_desc *d, struct rmemd_opts *o, const char *value,
		 char *err, size_t errlen);
/* The option's current value as --help and the kernel command line print it ("" if none). */
int rmemd_opt_show(const struct rmemd_opt_desc *d, const struct rmemd_opts *o, char *buf,
		  size_t len);

/* Value parsers: 0 or -EINVAL/-ERANGE, never a partial result. */
int rmemd_parse_size(const char *s, uint64_t *out);
int rmemd_parse_memory(const char *s, uint64_t *bytes, uint32_t *pct);
int rmemd_parse_chunk_size(const char *s, uint32_t *shift);
int rmemd_parse_duration_ms(const char *s, uint64_t *ms);
int rmemd_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
int rmemd_parse_listen(const char *s, char *host, size_t hostlen, uint16_t *port);
/* pxelinux's BOOTIF value, 01-aa-bb-cc-dd-ee-ff: ARP type 1 (Ethernet) and a MAC. */
int rmemd_parse_bootif(const char *s, uint8_t mac[6]);

/* What /proc/meminfo says, in bytes (huge_free in pages). */
struct rmemd_meminfo {
	uint64_t total;
	uint64_t available;
	uint64_t huge_free;	/* free hugetlb pages */
	uint64_t huge_size;	/* bytes, 0 if the kernel has no hugetlb */
};

/*
 * How much to donate and from where (@huge: the free hugetlb pool).
 * Reserved huge pages are not in MemAvailable, so a donation that fits the
 * free pool comes from there even when it exceeds MemAvailable.  The
 * default size (no --memory) is MemAvailable minus the reserve, from huge
 * pages when the pool covers it: it never takes a pool that may be meant
 * for VMs.  @huge_needed: without huge pages the donation cannot fit.
 * Returns 0, or -ENOMEM with a message in @err.
 */
struct rmemd_pool_plan {
	uint64_t bytes;
	bool huge;
	bool huge_needed;
};
int rmemd_pool_plan(const struct rmemd_opts *o, const struct rmemd_meminfo *mi,
		   struct rmemd_pool_plan *plan, char *err, size_t errlen);

/* "64 MiB", "1.5 GiB", "4 KiB": for messages. */
const char *rmemd_fmt_size(uint64_t bytes, char *buf, size_t len);

/*
 * Applies every rmem.<key>=<value> of a kernel command line to @o, and
 * BOOTIF= (the boot NIC pxelinux names).  A bad value or an unknown rmem.*
 * key is reported through @report (one line, naming the option and the
 * value kept) and skipped.  Returns the number of problems reported.
 */
int rmemd_cmdline_apply(struct rmemd_opts *o, const char *cmdline,
		       void (*report)(void *arg, const char *line), void *arg);

#endif /* RMEMD_PARSE_H */
