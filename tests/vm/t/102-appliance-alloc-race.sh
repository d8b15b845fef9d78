# Eight client processes allocate concurrently (released together) until the
# donor answers ENOSPC.  Every chunk must be owned exactly once, as read back
# from the owner table; the counts must add up to the chunk count; no client
# may get a chunk twice; the table must say what each client was told.
# vms: 1
# timeout: 150
# shellcheck shell=sh
. /tests/lib/appliance.inc
rxe_up
appliance_start --memory 64M --chunk-size 1M --no-hugepages --lease-timeout 300s
total=$(stat_of chunks_total)
log "donor has $total chunks"

rm -f /tmp/go /tmp/race.*
pids=
for i in 1 2 3 4 5 6 7 8; do
	rmem-testclient -a "$RMEM_MY_IP" -D $((100 + i)) race --start-file /tmp/go >/tmp/race.$i 2>&1 &
	pids="$pids $!"
done
for i in 1 2 3 4 5 6 7 8; do
	wait_for_line /tmp/race.$i "^device .* slot " 60 ||
		{ cat /tmp/race.$i; fail "race worker $i did not attach"; }
done
touch /tmp/go
i=0
for p in $pids; do
	i=$((i + 1))
	wait "$p" || { cat /tmp/race.$i; fail "race worker $i failed"; }
done
for i in 1 2 3 4 5 6 7 8; do
	grep '^race:' /tmp/race.$i
	grep -q '^race: .*then ENOSPC' /tmp/race.$i || fail "race worker $i did not end with ENOSPC"
done

# What the workers were told: "chunk slot vchunk".
cat /tmp/race.* | sed -n 's/^got chunk \([0-9]*\) vchunk \([0-9]*\) slot \([0-9]*\)$/\1 \3 \2/p' |
	sort -n >/tmp/claims
n=$(wc -l </tmp/claims)
[ "$n" = "$total" ] || fail "workers got $n chunks in all, the donor has $total"
d=$(cut -d' ' -f1 /tmp/claims | uniq -d | wc -l)
[ "$d" = 0 ] || fail "$d chunks were handed to more than one worker"

# What the donor's owner table says.
tc dump --owners >/tmp/owners || fail "dump of the owner table failed"
grep -q INVALID /tmp/owners && fail "owner table holds invalid words"
sed -n 's/^chunk \([0-9]*\) owner [^ ]* slot \([0-9]*\) gen [0-9]* vchunk \([0-9]*\)$/\1 \2 \3/p' \
	/tmp/owners | sort -n >/tmp/table
[ "$(wc -l </tmp/table)" = "$total" ] || fail "owner table has $(wc -l </tmp/table) used words, expected $total"
d=$(cut -d' ' -f2,3 /tmp/table | sort | uniq -d | wc -l)
[ "$d" = 0 ] || fail "$d (slot, vchunk) pairs own more than one chunk"
diff /tmp/claims /tmp/table || fail "owner table differs from what the workers were told"
for s in $(cut -d' ' -f2 /tmp/table | sort -n | uniq); do
	log "slot $s owns $(grep -c "^[0-9]* $s " /tmp/table) chunks"
done

for i in 1 2 3 4 5 6 7 8; do
	check "detach device $((100 + i))" tc -q -D $((100 + i)) detach
done
used=$(owners_used)
[ "$used" = 0 ] || fail "owner table has $used used words after every device detached"
appliance_stop
pass
