#!/usr/bin/env bash
# make demo: boot the most complete path that works today in QEMU, narrate it,
# and close with a summary of what it showed.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
log=$top/build/test-logs/demo/demo.log
start=$(date +%s)
echo "== make demo: a donor VM PXE-boots the appliance, a guest VM in a host VM swaps onto its memory (QEMU/TCG, ~5 min)"
RMEM_VM_FOLLOW=1 "$top/tests/harness/run.sh" --tier demo --only demo | tee /tmp/rmem-demo.$$
rc=${PIPESTATUS[0]}
echo
echo "== Demo summary ($(($(date +%s) - start)) s; full guest log: ${log#"$top"/})"
{ grep -a '^#   DEMO: ' /tmp/rmem-demo.$$ | sed 's/^#   //'; grep -a '^DEMO: ' "$log" | tr -d '\r'; } | sed 's/^DEMO: /  - /'
rm -f /tmp/rmem-demo.$$
if [ $rc = 0 ]; then
	echo "  The same path is tested by make check-full; running it on real machines: docs/operating.md."
else
	echo "  The demo FAILED; see the log above and $log"
fi
exit $rc
