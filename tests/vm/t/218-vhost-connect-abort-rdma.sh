# A donor that accepts and drops the connection at once, 100 times (the host
# module's fail_connect fault knob: the break notification runs before the
# connect returns, the worst order): every device start fails cleanly, no
# reconnect outlives a failed start (before the fix, the start freed its
# backend with the reconnect still queued: a use-after-free, made loud here
# by SLUB poisoning), nothing leaks, and once the knob is off the device
# starts and serves.
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
[ "$injected" -ge 100 ] || fail "the knob fired $injected times for 100 starts"

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
