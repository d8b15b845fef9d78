// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * print.c - text or JSON from the same calls (see print.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "print.h"

void pr_init(struct printer *pr, FILE *out, bool json, bool pretty)
{
	memset(pr, 0, sizeof(*pr));
	pr->out = out;
	pr->json = json;
	pr->pretty = pretty;
	pr->first[0] = true;
}

static void pr_indent(struct printer *pr)
{
	int i;

	if (!pr->pretty)
		return;
	fputc('\n', pr->out);
	for (i = 0; i < pr->depth; i++)
		fputs("  ", pr->out);
}

static void pr_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Separator, indentation and key of the next JSON member. */
static void pr_member(struct printer *pr, const char *key)
{
	if (!pr->first[pr->depth])
		fputc(',', pr->out);
	pr->first[pr->depth] = false;
	if (pr->depth)
		pr_indent(pr);
	if (key && pr->depth && !pr->array[pr->depth]) {
		pr_json_string(pr->out, key);
		fputs(pr->pretty ? ": " : ":", pr->out);
	}
}

static void pr_open(struct printer *pr, const char *key, bool array)
{
	if (!pr->json)
		return;
	pr_member(pr, key);
	fputc(array ? '[' : '{', pr->out);
	if (pr->depth < PR_MAX_DEPTH - 1)
		pr->depth++;
	pr->first[pr->depth] = true;
	pr->array[pr->depth] = array;
}

static void pr_close(struct printer *pr, bool array)
{
	bool empty;

	if (!pr->json || !pr->depth)
		return;
	empty = pr->first[pr->depth];
	pr->depth--;
	if (!empty)
		pr_indent(pr);
	fputc(array ? ']' : '}', pr->out);
}

void pr_open_obj(struct printer *pr, const char *key) { pr_open(pr, key, false); }
void pr_close_obj(struct printer *pr) { pr_close(pr, false); }
void pr_open_arr(struct printer *pr, const char *key) { pr_open(pr, key, true); }
void pr_close_arr(struct printer *pr) { pr_close(pr, true); }

void pr_end(struct printer *pr)
{
	if (!pr->json)
		return;
	fputc('\n', pr->out);
	pr->depth = 0;
	pr->first[0] = true;
}

void pr_str(struct printer *pr, const char *key, const char *fmt, const char *v)
{
	if (!pr->json) {
		if (fmt)
			fprintf(pr->out, fmt, v);
		return;
	}
	pr_member(pr, key);
	pr_json_string(pr->out, v);
}

void pr_u64(struct printer *pr, const char *key, const char *fmt, uint64_t v)
{
	if (!pr->json) {
		if (fmt)
			fprintf(pr->out, fmt, v);
		return;
	}
	pr_member(pr, key);
	fprintf(pr->out, "%" PRIu64, v);
}

void pr_s64(struct printer *pr, const char *key, const char *fmt, int64_t v)
{
	if (!pr->json) {
		if (fmt)
			fprintf(pr->out, fmt, v);
		return;
	}
	pr_member(pr, key);
	fprintf(pr->out, "%" PRId64, v);
}

void pr_hex(struct printer *pr, const char *key, const char *fmt, uint64_t v)
{
	if (!pr->json) {
		if (fmt)
			fprintf(pr->out, fmt, v);
		return;
	}
	pr_member(pr, key);
	fprintf(pr->out, "\"0x%016" PRIx64 "\"", v);
}

void pr_dbl(struct printer *pr, const char *key, const char *fmt, double v)
{
	if (!pr->json) {
		if (fmt)
			fprintf(pr->out, fmt, v);
		return;
	}
	pr_member(pr, key);
	/* JSON has no NaN or infinity. */
	if (isfinite(v))
		fprintf(pr->out, "%.3f", v);
	else
		fputs("null", pr->out);
}

void pr_bool(struct printer *pr, const char *key, const char *fmt, bool v)
{
	if (!pr->json) {
		if (fmt)
			fprintf(pr->out, fmt, v ? "yes" : "no");
		return;
	}
	pr_member(pr, key);
	fputs(v ? "true" : "false", pr->out);
}

void pr_size(struct printer *pr, const char *key, const char *fmt, uint64_t bytes)
{
	char buf[32];

	if (!pr->json) {
		if (fmt)
			fprintf(pr->out, fmt, fmt_bytes(buf, sizeof(buf), bytes));
		return;
	}
	pr_member(pr, key);
	fprintf(pr->out, "%" PRIu64, bytes);
}

void pr_null(struct printer *pr, const char *key, const char *fmt)
{
	if (!pr->json) {
		if (fmt)
			fputs(fmt, pr->out);
		return;
	}
	pr_member(pr, key);
	fputs("null", pr->out);
}

void pr_text(struct printer *pr, const char *fmt, ...)
{
	va_list ap;

	if (pr->json)
		return;
	va_start(ap, fmt);
	vfprintf(pr->out, fmt, ap);
	va_end(ap);
}

const char *fmt_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	unsigned int u = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 "B", bytes);
		return buf;
	}
	while (v >= 1024.0 && u < 6) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, len, "%.1f%s", v, unit[u]);
	return buf;
}
