#!/usr/bin/env bash
# make demo: boot the most complete path that works today in QEMU, narrate it,
# and close with a summary of what it showed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
log=$top/build/test-logs/demo/demo.log
start=$(date +%s)
echo "== make demo: booting a Debian 6.12 VM under QEMU/TCG (takes ~30 s)"
RMEM_VM_FOLLOW=1 "$top/tests/vm/run.sh" --tier demo --only demo
rc=$?
echo
echo "== Demo summary ($(($(date +%s) - start)) s; full guest log: ${log#"$top"/})"
grep -a '^DEMO: ' "$log" | tr -d '\r' | sed 's/^DEMO: /  - /'
if [ $rc = 0 ]; then
	echo "  Remote memory itself (donor appliance, host module, guest swap) joins this demo as those issues land."
else
	echo "  The demo FAILED; see the log above and $log"
fi
exit $rc
