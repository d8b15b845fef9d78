#!/usr/bin/env bash
# make bench: run the benchmark scripts (tests/bench/t/NNN-name.sh) in QEMU
# guests through the VM harness.  Guests print perftest-style tables for people
# and "BENCH: <key> <number>" lines for machines; this collects the latter
# into build/bench/results.json (one key per measure).  Numbers under TCG are
# only meaningful as ratios against baselines measured in the same run.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/bench
mkdir -p "$out"
RMEM_VM_FOLLOW=1 "$top/tests/harness/run.sh" --tier bench ${T:+--only "$T"}
rc=$?
json=$out/results.json
{
	echo "{"
	cat "$top"/build/test-logs/bench/*.log 2>/dev/null | tr -d '\r' |
		sed -n 's/^BENCH: \([a-z0-9_]*\) \(-\{0,1\}[0-9][0-9.eE+-]*\)$/\1 \2/p' |
		awk '{ v[$1] = $2; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
		     END { for (i = 0; i < n; i++) printf "  \"%s\": %s%s\n", order[i], v[order[i]], (i < n - 1 ? "," : "") }'
	echo "}"
} >"$json.tmp" && mv "$json.tmp" "$json"
echo "== results: ${json#"$top"/}"
cat "$json"
exit $rc
