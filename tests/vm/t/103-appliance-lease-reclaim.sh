# A client holding chunks is SIGKILLed; once its lease stops moving for the
# lease timeout (4 s here) the donor's reaper frees exactly its chunks.  A
# second client, renewing, keeps its chunks and their contents.
# vms: 1
# timeout: 120
# shellcheck shell=sh
. /tests/lib/appliance.inc
rxe_up
appliance_start --memory 64M --chunk-size 1M --no-hugepages --lease-timeout 4s

appliance_hold_two
log "client A: slot $sa, client B: slot $sb"
[ "$(owners_of_slot "$sa")" = 6 ] || fail "client A's 6 chunks are not in the owner table"
[ "$(owners_of_slot "$sb")" = 5 ] || fail "client B's 5 chunks are not in the owner table"

# Renewed leases survive well past the timeout.
sleep 6
[ "$(owners_of_slot "$sa")" = 6 ] || fail "a renewed lease (A) was reaped"
[ "$(owners_of_slot "$sb")" = 5 ] || fail "a renewed lease (B) was reaped"

kill -9 $pa
wait $pa 2>/dev/null
# Right after the kill the chunks are still there: the timeout, not the kill, frees them.
n=$(owners_of_slot "$sa")
[ "$n" = 6 ] || fail "A's chunks went away at once ($n left), before any timeout"
t0=$(date +%s)
i=0
while [ "$(owners_of_slot "$sa")" != 0 ]; do
	i=$((i + 1))
	[ $i -lt 60 ] || { tc dump; cat "$RMEM_APP_LOG"; fail "A's chunks not freed 30 s after the kill"; }
	sleep 0.5
done
log "A's chunks freed about $(($(date +%s) - t0)) s after the kill (lease timeout 4 s)"

[ "$(owners_of_slot "$sb")" = 5 ] || fail "client B lost chunks when A's lease expired"
kill -0 $pb || { cat /tmp/hold.b; fail "client B died"; }
check "client B's data intact" tc -D 22 verify -n 5 --seed 22
grep -q "lease of device 000000000000000b (slot $sa) did not move" "$RMEM_APP_LOG" ||
	{ cat "$RMEM_APP_LOG"; fail "the appliance did not log the expiry of A's lease"; }
sleep 1.5
exp=$(stat_of leases_expired)
freed=$(stat_of reaper_chunks_freed)
log "stats: leases_expired=$exp reaper_chunks_freed=$freed"
[ "$exp" = 1 ] || fail "stats block counts $exp expired leases, expected 1"
[ "$freed" = 6 ] || fail "stats block counts $freed reaped chunks, expected 6"

kill -TERM $pb
wait $pb || { cat /tmp/hold.b; fail "client B did not stop cleanly"; }
appliance_stop
pass
