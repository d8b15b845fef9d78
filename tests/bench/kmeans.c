// SPDX-License-Identifier: GPL-2.0
/*
 * kmeans - Lloyd's algorithm over a seeded random data set, as the workload
 * of the local-memory-ratio evaluation (make bench-kmeans).  Its memory is
 * the points array (points x dims floats), walked once per iteration, so a
 * cgroup memory.max below its size makes it swap every iteration.
 *
 *   kmeans [-p POINTS] [-d DIMS] [-k K] [-i ITERS] [-s SEED]
 *
 * Prints the wall time of the iterations and a checksum of the final
 * centroids: every run with the same arguments must print the same
 * checksum, whatever the swap device underneath (the bench fails otherwise).
 * Deterministic: no threads, a fixed reduction order, a private PRNG.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct kmeans_args {
	uint64_t points;
	uint32_t dims;
	uint32_t k;
	uint32_t iters;
	uint64_t seed;
};

/* splitmix64: small, fast, and the same on every machine. */
static uint64_t prng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static float prng_unit(uint64_t *state)
{
	return (float)(prng_next(state) >> 40) / (float)(1u << 24);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Points cluster around K hidden centres so the algorithm has real work;
 * the initial centroids are the first K points (deterministic).
 */
static void kmeans_generate(float *pts, const struct kmeans_args *a)
{
	uint64_t st = a->seed, p;
	uint32_t d;
	float *centres = malloc(sizeof(float) * a->k * a->dims);

	for (d = 0; d < a->k * a->dims; d++)
		centres[d] = prng_unit(&st) * 100.0f;
	for (p = 0; p < a->points; p++) {
		const float *c = centres + (prng_next(&st) % a->k) * a->dims;

		for (d = 0; d < a->dims; d++)
			pts[p * a->dims + d] = c[d] + (prng_unit(&st) - 0.5f) * 20.0f;
	}
	free(centres);
}

static uint64_t kmeans_checksum(const float *cent, const struct kmeans_args *a)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a over the bytes */
	const unsigned char *b = (const unsigned char *)cent;
	size_t i;

	for (i = 0; i < sizeof(float) * a->k * a->dims; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static int kmeans_run(const struct kmeans_args *a)
{
	size_t bytes = sizeof(float) * a->points * a->dims;
	double *sum = calloc((size_t)a->k * a->dims, sizeof(double));
	uint64_t *count = calloc(a->k, sizeof(uint64_t));
	float *cent = malloc(sizeof(float) * a->k * a->dims);
	float *pts = malloc(bytes);
	uint64_t p, changed_total = 0;
	double t0, t1;
	uint32_t it, c, d;

	if (!sum || !count || !cent || !pts) {
		fprintf(stderr, "kmeans: cannot allocate %zu MiB of points\n", bytes >> 20);
		return 1;
	}
	kmeans_generate(pts, a);
	memcpy(cent, pts, sizeof(float) * a->k * a->dims);

	t0 = now_s();
	for (it = 0; it < a->iters; it++) {
		memset(sum, 0, sizeof(double) * a->k * a->dims);
		memset(count, 0, sizeof(uint64_t) * a->k);
		for (p = 0; p < a->points; p++) {
			const float *x = pts + p * a->dims;
			float best = 0;
			uint32_t bc = 0;

			for (c = 0; c < a->k; c++) {
				const float *y = cent + (size_t)c * a->dims;
				float dist = 0;

				for (d = 0; d < a->dims; d++)
					dist += (x[d] - y[d]) * (x[d] - y[d]);
				if (c == 0 || dist < best) {
					best = dist;
					bc = c;
				}
			}
			count[bc]++;
			for (d = 0; d < a->dims; d++)
				sum[(size_t)bc * a->dims + d] += x[d];
		}
		for (c = 0; c < a->k; c++) {
			if (!count[c])
				continue;	/* an empty cluster keeps its centroid */
			for (d = 0; d < a->dims; d++) {
				float v = (float)(sum[(size_t)c * a->dims + d] / (double)count[c]);

				changed_total += v != cent[(size_t)c * a->dims + d];
				cent[(size_t)c * a->dims + d] = v;
			}
		}
	}
	t1 = now_s();

	printf("kmeans: points=%" PRIu64 " dims=%u k=%u iters=%u seed=%" PRIu64
	       " working_set_mib=%zu\n", a->points, a->dims, a->k, a->iters, a->seed,
	       bytes >> 20);
	printf("kmeans: seconds=%.3f updates=%" PRIu64 "\n", t1 - t0, changed_total);
	printf("kmeans: checksum=%016" PRIx64 "\n", kmeans_checksum(cent, a));
	free(pts);
	free(cent);
	free(count);
	free(sum);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kmeans [-p POINTS] [-d DIMS] [-k K] [-i ITERS] [-s SEED]\n"
		"Lloyd's k-means over seeded random points; prints seconds and a checksum\n"
		"of the final centroids (identical for identical arguments).\n"
		"  -p POINTS  number of points (default 4000000)\n"
		"  -d DIMS    dimensions per point (default 8; memory = POINTS*DIMS*4 bytes)\n"
		"  -k K       clusters (default 8)\n"
		"  -i ITERS   iterations (default 5)\n"
		"  -s SEED    data set seed (default 1)\n");
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct kmeans_args a = { 4000000, 8, 8, 5, 1 };
	uint64_t v;
	int opt;

	while ((opt = getopt(argc, argv, "p:d:k:i:s:h")) != -1) {
		switch (opt) {
		case 'p':
			if (parse_u64(optarg, 1, 1ull << 32, &a.points))
				goto bad;
			break;
		case 'd':
			if (parse_u64(optarg, 1, 1024, &v))
				goto bad;
			a.dims = (uint32_t)v;
			break;
		case 'k':
			if (parse_u64(optarg, 1, 4096, &v))
				goto bad;
			a.k = (uint32_t)v;
			break;
		case 'i':
			if (parse_u64(optarg, 1, 100000, &v))
				goto bad;
			a.iters = (uint32_t)v;
			break;
		case 's':
			if (parse_u64(optarg, 0, UINT64_MAX, &a.seed))
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kmeans: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (a.k > a.points) {
		fprintf(stderr, "kmeans: -k %u is more than the %" PRIu64 " points\n", a.k, a.points);
		return 2;
	}
	return kmeans_run(&a);
bad:
	fprintf(stderr, "kmeans: bad value '%s' for -%c (see -h)\n", optarg, opt);
	return 2;
}
