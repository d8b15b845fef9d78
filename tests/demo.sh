#!/usr/bin/env bash
# make demo: boot the most complete path that works today in QEMU, narrate it,
# and close with a summary of what it showed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
log=$top/build/test-logs/demo/demo.log
start=$(date +%s)
echo "== make demo: a donor VM PXE-boots the appliance, a host VM swaps onto its memory (QEMU/TCG, ~3 min)"
RMEM_VM_FOLLOW=1 "$top/tests/vm/run.sh" --tier demo --only demo | tee /tmp/rmem-demo.$$
rc=${PIPESTATUS[0]}
echo
echo "== Demo summary ($(($(date +%s) - start)) s; full guest log: ${log#"$top"/})"
{ grep -a '^#   DEMO: ' /tmp/rmem-demo.$$ | sed 's/^#   //'; grep -a '^DEMO: ' "$log" | tr -d '\r'; } | sed 's/^DEMO: /  - /'
rm -f /tmp/rmem-demo.$$
if [ $rc = 0 ]; then
	echo "  The same path for a real QEMU guest (vhost-vdpa-device-pci): make check-full; operators: image/README.md, docs/."
else
	echo "  The demo FAILED; see the log above and $log"
fi
exit $rc
