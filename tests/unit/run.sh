#!/usr/bin/env bash
# Unit tier: run each test binary (built with ASan/UBSan), one result line per
# binary (`ok N - unit/<name>`), the cases' TAP kept in build/test-logs/unit/.
# Standalone it ends with the summary line and its exit code; under `make
# check` failures are only recorded (the closing summary decides).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/harness/tier.sh"
logs=$top/build/test-logs/unit
mkdir -p "$logs"
tier_begin
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for t in "$@"; do
	name=$(basename "$t")
	log=$logs/$name.log
	if timeout 300 "$t" >"$log" 2>&1; then
		"$results" record ok "unit/$name"
	else
		rc=$?
		why="exit $rc"
		[ $rc = 124 ] && why="timeout after 300 s"
		"$results" record fail "unit/$name" "$why; log: build/test-logs/unit/$name.log"
		grep -E '^not ok|^#   ' "$log" | sed 's/^/    /' | head -n 20
	fi
done
tier_end
