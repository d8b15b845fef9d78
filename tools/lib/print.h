/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * print.h - one set of print calls that produce either text or JSON, so that
 * `rmemctl -j` and `rmem-top --json` can never drift from what the text shows
 * (the iproute2 print_* idea, with the state in a struct instead of globals).
 *
 *	pr_open_obj(pr, NULL);
 *	pr_str(pr, "name", "dev %s ", name);	// text: "dev rmem0 ", JSON: "name":"rmem0"
 *	pr_u64(pr, "chunks", "chunks %" PRIu64 " ", n);
 *	pr_text(pr, "\n");			// text only
 *	pr_close_obj(pr);
 *
 * In text mode the format is printed with the value; a NULL format prints
 * nothing (a JSON-only field).  In JSON mode the format is ignored and the
 * key/value pair is emitted; keys are ignored inside arrays.
 */
#ifndef RMEM_TOOLS_PRINT_H
#define RMEM_TOOLS_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PR_MAX_DEPTH 16

struct printer {
	FILE *out;
	bool json;			/* JSON instead of text */
	bool pretty;			/* JSON: indent and one member per line */
	int depth;			/* open objects/arrays */
	bool first[PR_MAX_DEPTH];	/* no member printed yet at this depth */
	bool array[PR_MAX_DEPTH];	/* this depth is an array */
};

void pr_init(struct printer *pr, FILE *out, bool json, bool pretty);

/* Objects and arrays: JSON only (text layout is the caller's formats). */
void pr_open_obj(struct printer *pr, const char *key);
void pr_close_obj(struct printer *pr);
void pr_open_arr(struct printer *pr, const char *key);
void pr_close_arr(struct printer *pr);
/* Ends a top-level JSON value with a newline (one object per line). */
void pr_end(struct printer *pr);

void pr_str(struct printer *pr, const char *key, const char *fmt, const char *v);
void pr_u64(struct printer *pr, const char *key, const char *fmt, uint64_t v);
void pr_s64(struct printer *pr, const char *key, const char *fmt, int64_t v);
/* JSON: a quoted "0x%016llx" string (64-bit ids do not survive doubles). */
void pr_hex(struct printer *pr, const char *key, const char *fmt, uint64_t v);
void pr_dbl(struct printer *pr, const char *key, const char *fmt, double v);
void pr_bool(struct printer *pr, const char *key, const char *fmt, bool v);
/* Text: @fmt gets the humanized size ("64.0MiB") as %s; JSON: the number of bytes. */
void pr_size(struct printer *pr, const char *key, const char *fmt, uint64_t bytes);
/* JSON null (a value that is not known, e.g. a rate on the first refresh). */
void pr_null(struct printer *pr, const char *key, const char *fmt);
/* Text only. */
void pr_text(struct printer *pr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Formats @bytes as "64.0MiB"/"512B" into @buf; returns @buf. */
const char *fmt_bytes(char *buf, size_t len, uint64_t bytes);

#endif /* RMEM_TOOLS_PRINT_H */
