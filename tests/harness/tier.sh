# Sourced by the tier runners (tests/harness/run.sh, tests/unit/run.sh; bash):
# where a tier records its results.  Under `make check` (RMEM_CHECK_AGGREGATE
# set) every tier appends to the run's shared file and the closing summary
# decides; standalone, a tier has a results file of its own, so runs in one
# clone never reset each other, and ends with the summary line.
# Needs $top; sets $results (the recorder) and $standalone.
# shellcheck shell=bash

results=$top/tests/harness/results.sh

# tier_begin: start recording (a fresh private file when standalone).
tier_begin() {
	standalone=0
	[ -n "${RMEM_CHECK_AGGREGATE:-}" ] && return 0
	standalone=1
	mkdir -p "$top/build/test-results"
	export RMEM_RESULTS=$top/build/test-results/results.$$
	"$results" reset
}

# tier_end [SUMMARY]: exits; standalone with SUMMARY 1 (the default), after
# the summary line, with its exit code (SUMMARY 0: a --list run, nothing to
# sum up).
tier_end() {
	_rc=0
	if [ "$standalone" = 1 ]; then
		if [ "${1:-1}" = 1 ]; then
			"$results" summary
			_rc=$?
		fi
		rm -f "$RMEM_RESULTS"
	fi
	exit $_rc
}
