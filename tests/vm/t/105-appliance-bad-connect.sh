# Connects with a wrong magic, a wrong version, garbage, truncated, empty and
# otherwise malformed private data are rejected with a reason the client
# prints; the donor keeps serving a good client (holding and renewing its
# lease throughout) and new good clients between the bad ones.
# vms: 1
# timeout: 150
# shellcheck shell=sh
. /tests/lib/appliance.inc
rxe_up
appliance_start --memory 64M --chunk-size 1M --no-hugepages --lease-timeout 10s
# Started directly (not through the tc function) so $! is the client's own pid.
rmem-testclient -a "$RMEM_MY_IP" -D 7 hold -n 3 --renew-ms 500 --seed 7 >/tmp/good.log 2>&1 &
good=$!
wait_for_line /tmp/good.log '^holding' 60 || { cat /tmp/good.log; fail "good client did not start"; }

modes="magic version garbage truncated empty length checksum flags"
for mode in $modes; do
	out=$(tc bad-connect --mode $mode 2>&1)
	rc=$?
	echo "$out"
	[ $rc = 0 ] || fail "bad connect '$mode' was not rejected with the expected reason"
	kill -0 "$RMEM_APP_PID" 2>/dev/null || { cat "$RMEM_APP_LOG"; fail "appliance died after bad connect '$mode'"; }
	tc -q -D 8 basic -n 2 >/tmp/basic.log 2>&1 ||
		{ cat /tmp/basic.log; fail "a good client failed right after bad connect '$mode'"; }
done
echo "$out" | grep -q "donor 10.0.0.1 rejected the connection" || fail "reject not attributed to the donor"
tc bad-connect --mode version 2>&1 | grep -q "donor serves versions 4..4" ||
	fail "version reject does not say which versions the donor serves"

kill -0 $good || { cat /tmp/good.log; fail "the holding client died during the bad connects"; }
check "the holding client's data is intact" tc -D 7 verify -n 3 --seed 7
sleep 1.5
rej=$(stat_of connects_rejected)
log "donor rejected $rej connects"
[ "$rej" -ge 9 ] || fail "stats block counts $rej rejects, expected >= 9"
grep rejected "$RMEM_APP_LOG"
kill -TERM $good
wait $good || { cat /tmp/good.log; fail "holding client did not stop cleanly"; }
appliance_stop
pass
