#!/usr/bin/env bash
# One results file for all tiers of a run, so `make check` can number tests
# across tiers and close with exactly one summary line.
#   results.sh reset
#   results.sh record ok|fail|skip <tier/name> [why]
#   results.sh summary        → "N passed, N failed, N skipped"; exit 1 on any failure
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$top/build/test-results
# make check exports nothing: its tiers share the default file.  A standalone
# tier run sets RMEM_RESULTS to a file of its own, so runs in one clone never
# reset each other.
file=${RMEM_RESULTS:-$dir/results}

case ${1:-} in
reset)
	mkdir -p "$dir"
	: >"$file"
	;;
record)
	status=$2 name=$3 why=${4:-}
	mkdir -p "$dir"
	touch "$file"
	n=$(($(wc -l <"$file") + 1))
	case $status in
	ok) line="ok $n - $name" ;;
	fail) line="not ok $n - $name${why:+ # $why}" ;;
	skip) line="ok $n - $name # SKIP ${why:-no reason given}" ;;
	*) echo "results.sh: bad status '$status'" >&2; exit 2 ;;
	esac
	echo "$line" >>"$file"
	echo "$line"
	;;
summary)
	touch "$file"
	passed=$(grep -c '^ok .* - ' "$file" | head -n1 || true)
	skipped=$(grep -c '# SKIP' "$file" || true)
	failed=$(grep -c '^not ok ' "$file" || true)
	passed=$((passed - skipped))
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ] && [ $((passed + skipped)) -gt 0 ]
	;;
*)
	echo "usage: results.sh reset | record ok|fail|skip NAME [WHY] | summary" >&2
	exit 2
	;;
esac
