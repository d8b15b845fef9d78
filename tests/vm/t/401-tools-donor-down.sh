# The donor is killed: rmem-top keeps refreshing, marks it DOWN within 5 s
# with the time it was last seen, rmemctl reports it down with exit 1 without
# hanging, and a restarted donor comes back UP with a new epoch.
# vms: 1
# timeout: 300
# shellcheck shell=sh
. /tests/lib/appliance.inc
command -v jq >/dev/null || skip "jq is not in the initramfs (install it on the build machine)"
rxe_up
appliance_start --memory 64M --chunk-size 1M --no-hugepages

# top_until STATE TRIES LINES WHY: bounded wait (TRIES x 0.2 s) until rmem-top's
# latest refresh shows the donor in STATE; else its last LINES and fail WHY.
# The tries it took are in $i.
top_until() {
	i=0
	until tail -n 1 /tmp/top.json | grep -q "\"state\":\"$1\""; do
		i=$((i + 1))
		[ $i -le "$2" ] || { tail -n "$3" /tmp/top.json; fail "$4"; }
		sleep 0.2
	done
}

rmem-testclient -a "$RMEM_MY_IP" -D 7 hold -n 3 --renew-ms 500 >/tmp/hold 2>&1 &
ph=$!
wait_for_line /tmp/hold '^holding' 60 || { cat /tmp/hold; fail "holder did not start"; }

rmem-top -b --json -d 1 -D "$RMEM_MY_IP" >/tmp/top.json 2>/tmp/top.err &
pt=$!
wait_for_line /tmp/top.json '"state":"up"' 30 || { cat /tmp/top.json /tmp/top.err; fail "rmem-top never saw the donor up"; }
epoch1=$(grep '"state":"up"' /tmp/top.json | tail -n 1 | jq -r '.donors[0].epoch')
[ "$(grep '"state":"up"' /tmp/top.json | tail -n 1 | jq '.donors[0].chunks_used')" = 3 ] || fail "3 chunks held"

kill -9 "$RMEM_APP_PID"
wait "$RMEM_APP_PID" 2>/dev/null
RMEM_APP_PID=
before=$(wc -l </tmp/top.json)
# The requirement: DOWN within 5 s of the donor going away.
top_until down 25 3 "rmem-top did not mark the donor DOWN within 5 s"
log "DOWN after about $((i / 5)) s"
kill -0 $pt || fail "rmem-top exited when the donor died"
line=$(tail -n 1 /tmp/top.json)
echo "$line"
[ "$(echo "$line" | jq '.donors[0].last_seen != null')" = true ] || fail "DOWN row lost its last-seen time"
[ -n "$(echo "$line" | jq -r '.donors[0].error')" ] || fail "DOWN row has no reason"
[ "$(echo "$line" | jq '.pool.donors_down')" = 1 ] || fail "pool header does not count the donor down"
# It keeps refreshing: reconnect attempts never block the screen.
sleep 4
after=$(wc -l </tmp/top.json)
log "refreshes: $before before the kill, $after 4 s after DOWN"
[ "$after" -ge $((before + 3)) ] || fail "rmem-top stopped refreshing while the donor is down ($before -> $after)"
tail -n 1 /tmp/top.json | grep -q '"state":"down"' || fail "donor no longer DOWN while dead"

# The screen form says DOWN and when it was last seen.
rmem-top -b -n 1 -D "$RMEM_MY_IP" | tee /tmp/top.txt
grep -q "^$RMEM_MY_IP:7471 *DOWN" /tmp/top.txt || fail "batch text: no DOWN row"
rmemctl -t 1000 -j donor show "$RMEM_MY_IP" >/tmp/ctl.json 2>/tmp/ctl.err
rc=$?
cat /tmp/ctl.json /tmp/ctl.err
[ $rc = 1 ] || fail "rmemctl donor show of a dead donor exited $rc, not 1"
[ "$(jq -r '.[0].state' /tmp/ctl.json)" = down ] || fail "rmemctl -j: state is not down"

# Back: a new boot, a new epoch.
kill -TERM $ph
wait $ph
appliance_start --memory 64M --chunk-size 1M --no-hugepages
top_until up 100 2 "rmem-top did not see the restarted donor within 20 s"
epoch2=$(tail -n 1 /tmp/top.json | jq -r '.donors[0].epoch')
log "epoch $epoch1 -> $epoch2"
[ "$epoch1" != "$epoch2" ] || fail "restarted donor shows the old epoch"
[ "$(tail -n 1 /tmp/top.json | jq '.donors[0].chunks_used')" = 0 ] || fail "a new boot holds chunks"
kill -TERM $pt
wait $pt
rc=$?
[ $rc = 0 ] || { cat /tmp/top.err; fail "rmem-top exited $rc on SIGTERM"; }
appliance_stop
pass
