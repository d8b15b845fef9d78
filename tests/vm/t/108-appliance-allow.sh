# A donor with an allow-list refuses hosts from elsewhere before any
# exchange.  VM a serves with --allow naming only its own address; VM b is
# "another machine": its rmem-testclient and its host module (a vhost_rmem
# device on the rdma backend) are refused with the reason and never reach
# the descriptor (no rkey, no layout), and b reports what it saw to a over
# the test link.  The donor counts each refusal (stats refused_not_allowed,
# within connects_rejected), logs at most its burst of lines per window for
# a flood of them, and keeps serving its allowed address throughout.
# vms: 2
# timeout: 300
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
REPORT_PORT=7998
rxe_up

if [ "$RMEM_ROLE" = b ]; then
	donor=$RMEM_PEER_IP
	# The donor's refusal is also the sign that it is up (bounded: 90 s).
	i=0
	until rmem-testclient -a "$donor" -t 3000 info >/tmp/client.log 2>&1 ||
		grep -q 'rejected the connection' /tmp/client.log || [ $i -ge 90 ]; do
		i=$((i + 1))
		sleep 1
	done
	{
		echo "client:"
		cat /tmp/client.log
		vhost_load
		modprobe virtio_vdpa && modprobe virtio_blk
		vdpa dev add mgmtdev rmem name rmemx
		c=/sys/bus/vdpa/devices/rmemx/rmem
		echo $((16 << 20)) >$c/capacity
		echo 0x1081 >$c/device_id
		echo 20 >$c/chunk_shift
		echo rdma >$c/backend
		echo "$donor:7471" >$c/donor
		echo virtio_vdpa >/sys/bus/vdpa/devices/rmemx/driver_override
		echo rmemx >/sys/bus/vdpa/drivers_probe
		ls /sys/bus/vdpa/devices/rmemx/virtio*/block 2>/dev/null | sed 's/^/disk: /'
		echo "module:"
		dmesg | grep 'vhost_rmem.*rejected the connection'
		vdpa dev del rmemx && echo "deleted rmemx"
		for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			rmem-testclient -a "$donor" -t 3000 info >/dev/null 2>&1 && echo "flood: accepted"
		done
		echo "report done"
	} >/tmp/report 2>&1
	(while :; do nc -l -p $REPORT_PORT </tmp/report >/dev/null 2>&1; done) &
	serve_forever
fi

echo "=== rmem-appliance --allow $RMEM_MY_IP/32" >>"$RMEM_APP_LOG"
rmem-appliance --listen 0.0.0.0 --memory 64M --chunk-size 1M --no-hugepages \
	--allow "$RMEM_MY_IP/32" >>"$RMEM_APP_LOG" 2>&1 &
RMEM_APP_PID=$!
check "the allowed address is served" retry 50 0.2 tc -t 3000 info
grep -q "hosts allowed from $RMEM_MY_IP/32" "$RMEM_APP_LOG" ||
	{ cat "$RMEM_APP_LOG"; fail "the donor does not say what it allows"; }

i=0
until nc "$RMEM_PEER_IP" $REPORT_PORT </dev/null >/tmp/report 2>/dev/null &&
	grep -q '^report done' /tmp/report; do
	i=$((i + 1))
	[ $i -lt 120 ] || fail "no report from VM b within 120 s"
	sleep 1
done
cat /tmp/report
sed -n '/^client:/,/^module:/p' /tmp/report | grep -q \
	'rejected the connection.*does not accept connections from this address' ||
	fail "VM b's client was not refused with the allow-list's reason"
grep -qi 'rkey\|data_addr\|chunk_count\|epoch' /tmp/report && fail "a refused peer learnt donor details"
grep -q '^disk: ' /tmp/report && fail "VM b's device got a disk from a donor that refuses it"
grep -q "donor $RMEM_MY_IP:7471 rejected the connection: the donor does not accept connections from this address" \
	/tmp/report || fail "VM b's module did not log the allow-list refusal"
grep -q '^deleted rmemx' /tmp/report || fail "VM b could not delete its refused device"
grep -q '^flood: accepted' /tmp/report && fail "a connection from VM b was accepted"

sleep 1.5
refused=$(stat_of refused_not_allowed)
log "refused_not_allowed $refused, connects_rejected $(stat_of connects_rejected)"
[ "$refused" -ge 21 ] || fail "donor counted $refused refusals, want >= 21"
[ "$(stat_of connects_rejected)" -ge "$refused" ] || fail "refusals not in connects_rejected"
lines=$(grep -c "rejected $RMEM_PEER_IP.*does not accept" "$RMEM_APP_LOG")
log "$lines refusal lines in the donor's log"
[ "$lines" -ge 1 ] && [ "$lines" -le 20 ] || fail "$lines log lines for $refused refusals (rate limit)"
check "the allowed address still works" tc -D 3 basic -n 2
appliance_stop
grep -q "rejected connections ([0-9]* not allowed, " "$RMEM_APP_LOG" ||
	{ tail -5 "$RMEM_APP_LOG"; fail "no refusal count at shutdown"; }
pass
