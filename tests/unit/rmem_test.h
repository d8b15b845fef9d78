/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmem_test.h - the unit tier's tiny test runner (header only).
 *
 * Each unit test binary is one named test of the tier (unit/<binary>) made of
 * cases.  Every case runs in a forked child so that a crash, an ASan/UBSan
 * abort or an endless loop (alarm) in one case is reported against that case
 * and the others still run.  Output is TAP; the binary exits 0 only when every
 * case passed, so the tier runner needs nothing but the exit code.
 *
 *	RMEM_CASE(owner_roundtrip) { CHECK_EQ(decode(encode(x)), x); }
 *	RMEM_TEST_MAIN(RMEM_REF(owner_roundtrip))
 */
#ifndef RMEM_TEST_H
#define RMEM_TEST_H

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

struct rmem_case {
	const char *name;
	void (*fn)(void);
};

/* Failures of the running case; lives in the forked child only. */
static unsigned int rmem_case_failures;

/* Seconds a single case may run before it is killed and reported. */
static unsigned int rmem_case_timeout = 60;

#define RMEM_CASE(name) static void name(void)
#define RMEM_REF(name) { #name, name }

#define RMEM_FAIL_AT(fmt, ...)                                               \
	do {                                                                 \
		rmem_case_failures++;                                        \
		printf("#   %s:%d: " fmt "\n", __FILE__, __LINE__,           \
		       ##__VA_ARGS__);                                       \
	} while (0)

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond))                                                 \
			RMEM_FAIL_AT("CHECK(%s) failed", #cond);             \
	} while (0)

/* Compares as unsigned 64-bit so any integer type and pointer-free enum fits. */
#define CHECK_EQ(a, b)                                                       \
	do {                                                                 \
		uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b);             \
		if (_a != _b)                                                \
			RMEM_FAIL_AT("%s == %s: 0x%" PRIx64 " != 0x%" PRIx64, \
				     #a, #b, _a, _b);                        \
	} while (0)

#define CHECK_MEM(a, b, len)                                                 \
	do {                                                                 \
		if (memcmp((a), (b), (len)))                                 \
			RMEM_FAIL_AT("memcmp(%s, %s, %s) differs", #a, #b,   \
				     #len);                                  \
	} while (0)

#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *_a = (a), *_b = (b);                             \
		if (!_a || !_b || strcmp(_a, _b))                            \
			RMEM_FAIL_AT("%s == %s: \"%s\" != \"%s\"", #a, #b,   \
				     _a ? _a : "(null)", _b ? _b : "(null)"); \
	} while (0)

/*
 * Run @n cases, TAP to stdout.  Returns the number of cases that failed
 * (assertion, signal, timeout or non-zero exit), so callers and the
 * runner's own self-test can check the verdict.
 */
static inline unsigned int rmem_run_cases(const struct rmem_case *cases,
					  size_t n)
{
	unsigned int failed = 0;
	size_t i;

	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		int status = 0;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			printf("not ok %zu - %s # fork failed\n", i + 1,
			       cases[i].name);
			failed++;
			continue;
		}
		if (pid == 0) {
			alarm(rmem_case_timeout);
			rmem_case_failures = 0;
			cases[i].fn();
			fflush(stdout);
			_exit(rmem_case_failures ? 1 : 0);
		}
		while (waitpid(pid, &status, 0) < 0)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			printf("ok %zu - %s\n", i + 1, cases[i].name);
			continue;
		}
		failed++;
		if (WIFSIGNALED(status))
			printf("not ok %zu - %s # killed by signal %d%s\n",
			       i + 1, cases[i].name, WTERMSIG(status),
			       WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
		else
			printf("not ok %zu - %s # exit %d\n", i + 1,
			       cases[i].name, WEXITSTATUS(status));
	}
	printf("# %zu cases, %u failed\n", n, failed);
	fflush(stdout);
	return failed;
}

#define RMEM_TEST_MAIN(...)                                                  \
	int main(void)                                                       \
	{                                                                    \
		static const struct rmem_case cases[] = { __VA_ARGS__ };     \
		setvbuf(stdout, NULL, _IOLBF, 0);                            \
		return rmem_run_cases(cases, sizeof(cases) / sizeof(cases[0])) \
			       ? 1 : 0;                                      \
	}

#endif /* RMEM_TEST_H */
