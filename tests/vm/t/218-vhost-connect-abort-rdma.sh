# A donor that accepts and drops the connection at once, 100 times (the host
# module's fail_connect fault knob): every device start fails cleanly and
# connects exactly once, no reconnect outlives a failed start (before the
# fix, the break of a connection still being set up queued the backend's
# reconnect and the failed start freed the backend under it: a
# use-after-free, made loud here by SLUB poisoning), nothing leaks, and once
# the knob is off the device starts and serves.
# vms: 1
# timeout: 600
# cmdline: slub_debug=FZP
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc

vhost_donor_here 64M
vhost_up vhost_vdpa
vhost_debugfs
faults=/sys/kernel/debug/vhost_rmem/faults
[ -d $faults ] || fail "no $faults: vhost_rmem was built without the test tier's fault knobs"
before=$(rdma_resources)
vhost_harness_dev rdma rmem0 $((32 << 20)) 0x2181

echo -1 >$faults/fail_connect || fail "set fail_connect"
n=0
while [ $n -lt 100 ]; do
	if rmem-vhost-harness open "$cdev" >/tmp/open.out 2>&1; then
		cat /tmp/open.out
		fail "attempt $n: the device started on a connection the donor dropped"
	fi
	grep -q 'refused FEATURES_OK' /tmp/open.out ||
		{ cat /tmp/open.out; fail "attempt $n failed otherwise than by refusing FEATURES_OK"; }
	n=$((n + 1))
done
echo 0 >$faults/fail_connect || fail "clear fail_connect"
injected=$(cat $faults/injected)
log "100 starts refused; $injected connections dropped by the knob"
# A connection is armed only once installed: a failed start never reconnects,
# so each start connected exactly once.
[ "$injected" = 100 ] || fail "100 starts made $injected connections: a failed start reconnected"

# A reconnect left queued by a failed start would find the knob off now and
# connect (longest backoff: reconnect_max_ms, 5 s by default).
sleep 8
dmesg | grep -q 'rmem0: connected to donor' &&
	{ dmesg | grep 'connected to donor'; fail "a failed start left a reconnect behind"; }
[ "$(vhost_rdma rmem0 state)" = none ] || fail "rdma/state is $(vhost_rdma rmem0 state) after failed starts"
[ "$(owners_used)" = 0 ] || fail "failed starts left $(owners_used) chunks on the donor"

check "the device starts once the donor keeps the connection" rmem-vhost-harness open "$cdev"
check "and serves verified I/O" rmem-vhost-harness io "$cdev"
check "vdpa dev del rmem0" vdpa dev del rmem0
i=0
while [ "$(rdma_resources)" != "$before" ] && [ $i -lt 50 ]; do
	i=$((i + 1))
	sleep 0.2
done
[ "$(rdma_resources)" = "$before" ] ||
	fail "RDMA resources leaked: before '$before', after '$(rdma_resources)'"
check "rmmod vhost_rmem" rmmod vhost_rmem
appliance_stop
pass
