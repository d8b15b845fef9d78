# rmem-appliance as a daemon on soft-RoCE, one client: allocate many chunks,
# write 4 KiB patterns (three blocks per chunk), read them back byte-exact,
# free them; the owner table is empty afterwards (read with one-sided RDMA).
# A free of a chunk the client does not own is refused, a double free too,
# and SIGTERM shuts the donor down cleanly.
# vms: 1
# timeout: 120
# shellcheck shell=sh
. /tests/lib/appliance.inc
rxe_up
appliance_start --memory 64M --chunk-size 1M --no-hugepages
cat /tmp/appliance-info
total=$(stat_of chunks_total)
log "donor has $total chunks of 1 MiB"
[ -n "$total" ] && [ "$total" -ge 48 ] || fail "donor reports '$total' chunks, expected >= 48"

out=$(tc -D 1 basic -n 48 -s 4096 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] || fail "alloc/write/read/free cycle over 48 chunks failed"
used=$(owners_used)
[ "$used" = 0 ] || { tc dump --owners; fail "owner table has $used used words after the frees"; }

# Ownership: only the owner's exact word frees a chunk.
line=$(tc -D 3 alloc -n 1 | grep '^chunk ') || fail "alloc for device 3"
set -- $line	# chunk C vchunk V owner W
chunk=$2 owner=$6
log "device 3 holds chunk $chunk (owner word $owner)"
[ "$(owners_used)" = 1 ] || fail "owner table should show exactly device 3's chunk"
tc -D 4 free --chunk "$chunk" --owner "$owner"
rc=$?
[ $rc = 5 ] || fail "device 4 freeing device 3's chunk: exit $rc, expected 5 (refused)"
tc -D 3 free --chunk "$chunk" --owner $((owner + 1))
rc=$?
[ $rc = 5 ] || fail "freeing with a wrong owner word: exit $rc, expected 5 (refused)"
[ "$(owners_used)" = 1 ] || fail "a refused free changed the owner table"
check "device 3 frees its own chunk" tc -D 3 free --chunk "$chunk" --owner "$owner"
check "detach device 3" tc -D 3 detach
check "detach device 4" tc -D 4 detach
used=$(owners_used)
[ "$used" = 0 ] || fail "owner table has $used used words at the end"

sleep 1.5	# the stats block is refreshed about once a second
acc=$(stat_of connects_accepted)
log "donor accepted $acc connections"
[ "$acc" -ge 8 ] || fail "stats block counts $acc accepted connections, expected >= 8"
appliance_stop
grep -q "shutting down" "$RMEM_APP_LOG" || { cat "$RMEM_APP_LOG"; fail "no shutdown message"; }
grep -q "using mlock'ed 4 KiB pages" "$RMEM_APP_LOG" || fail "4 KiB page fallback not reported"
pass
