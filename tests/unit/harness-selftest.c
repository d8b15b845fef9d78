// SPDX-License-Identifier: GPL-2.0
/*
 * The unit runner must turn every way a case can go wrong into "not ok":
 * a failed CHECK, a crash, a case that never ends.  If it did not, every
 * other unit test could fail silently; so it is tested first.
 */
#include "rmem_test.h"

RMEM_CASE(inner_pass) { CHECK_EQ(2 + 2, 4); }
RMEM_CASE(inner_check_fails) { CHECK_EQ(2 + 2, 5); }
RMEM_CASE(inner_crashes) { abort(); }
RMEM_CASE(inner_hangs) { for (;;) pause(); }
RMEM_CASE(inner_str_fails) { CHECK_STR("a", "b"); }

/* Runs @cases with stdout captured; returns the failure count, fills @out. */
static unsigned int run_captured(const struct rmem_case *cases, size_t n,
				 char *out, size_t outlen)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	unsigned int failed;
	size_t len;

	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	rmem_case_timeout = 1;
	failed = rmem_run_cases(cases, n);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	len = fread(out, 1, outlen - 1, tmp);
	out[len] = '\0';
	fclose(tmp);
	return failed;
}

RMEM_CASE(counts_every_failure_kind)
{
	static const struct rmem_case inner[] = {
		RMEM_REF(inner_pass), RMEM_REF(inner_check_fails),
		RMEM_REF(inner_crashes), RMEM_REF(inner_hangs),
		RMEM_REF(inner_str_fails),
	};
	char out[4096];

	CHECK_EQ(run_captured(inner, 5, out, sizeof(out)), 4);
	CHECK(strstr(out, "1..5\n"));
	CHECK(strstr(out, "ok 1 - inner_pass\n"));
	CHECK(strstr(out, "not ok 2 - inner_check_fails"));
	CHECK(strstr(out, "2 + 2 == 5"));
	CHECK(strstr(out, "not ok 3 - inner_crashes # killed by signal 6"));
	CHECK(strstr(out, "not ok 4 - inner_hangs # killed by signal 14 (timeout)"));
	CHECK(strstr(out, "not ok 5 - inner_str_fails"));
}

RMEM_CASE(all_pass_is_zero)
{
	static const struct rmem_case inner[] = { RMEM_REF(inner_pass) };
	char out[512];

	CHECK_EQ(run_captured(inner, 1, out, sizeof(out)), 0);
	CHECK(!strstr(out, "not ok"));
}

RMEM_TEST_MAIN(RMEM_REF(counts_every_failure_kind), RMEM_REF(all_pass_is_zero))
