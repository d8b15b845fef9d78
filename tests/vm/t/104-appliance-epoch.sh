# A client fills chunks and keeps its handles; reconnecting to the same donor
# boot finds them again through the owner table with the same bytes.  After
# the appliance restarts (new boot epoch) the reconnect reports "all chunks
# lost" and the library refuses the old handles instead of serving them.
# vms: 1
# timeout: 120
# shellcheck shell=sh
. /tests/lib/appliance.inc
rxe_up
appliance_start --memory 64M --chunk-size 1M --no-hugepages

check "write 4 chunks and save the handles" tc -D 5 -n 4 write --seed 7 --state /tmp/state
cat /tmp/state
e1=$(sed -n 's/^epoch //p' /tmp/state)
out=$(tc reconnect --state /tmp/state 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] || fail "reconnect to the same donor boot failed (exit $rc)"

appliance_stop
appliance_start --memory 64M --chunk-size 1M --no-hugepages
out=$(tc reconnect --state /tmp/state 2>&1)
rc=$?
echo "$out"
[ $rc = 3 ] || fail "reconnect after a donor restart exited $rc, expected 3 (epoch changed)"
echo "$out" | grep -q "all chunks lost" || fail "the epoch change was not reported as 'all chunks lost'"
echo "$out" | grep -q "old handles refused" || fail "old handles were not refused"
e2=$(tc info | sed -n 's/^donor [0-9]* epoch \([0-9a-f]*\) .*/\1/p')
log "epoch before $(printf '%016x' "$e1" 2>/dev/null || echo "$e1"), after $e2"
[ "$(owners_used)" = 0 ] || fail "the restarted donor's owner table is not empty"
appliance_stop
pass
