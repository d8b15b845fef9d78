# A host's access ends at the donor before its chunks go to anyone else.
# Device rv0 writes a chunk; then it "stalls" (fault knob stall_renew: its
# renewals are not sent) while one write of it is held past the checks that
# let it touch the chunk (delay_ms), so the host's own fence cannot stop it.
# The donor reaps the lease, revokes that host's registrations (rv0's
# control connection and the host's shared data connections), clears and
# frees the chunk; a client takes every chunk of the donor and fills them.
# Then the held write goes out on its old connection with its old rkey: it
# must fail at the donor (the guest's write gets an I/O error) and the new
# owner's bytes must be intact.  Before revocation the write landed in the
# new owner's chunk.  rv1, a healthy device of the same host, loses its
# shared connections with rv0's but not a request: what the donor refuses
# on a revoked connection is redone, and fio over both queues verifies
# without an error.
# vms: 1
# timeout: 300
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
rxe_up
appliance_start --memory 16M --chunk-size 1M --no-hugepages --lease-timeout 3s
n=$(tc info | sed -n 's/^chunks \([0-9]*\) .*/\1/p')
[ -n "$n" ] && [ "$n" -ge 8 ] || fail "donor has '$n' chunks"
F=/sys/kernel/debug/vhost_rmem/faults

vhost_up virtio_vdpa virtio_blk
# A 3 s lease needs operations bounded well below it (223-vhost-chunk-clear).
echo 500 >/sys/module/vhost_rmem/parameters/rdma_timeout_ms || fail "set rdma_timeout_ms"
vhost_dev_new rdma rv0 $((4 << 20)) 0x1100
vhost_bind rv0 virtio_vdpa
vd=$(vhost_disk rv0) || fail "no disk for rv0"
vhost_dev_new rdma rv1 $((4 << 20)) 0x1101
vhost_bind rv1 virtio_vdpa
vd1=$(vhost_disk rv1) || fail "no disk for rv1"
head -c 1048576 /dev/urandom >/tmp/pa
head -c 4096 /dev/urandom >/tmp/pb
check "rv0 writes its first chunk" dd if=/tmp/pa of=/dev/"$vd" bs=1M count=1 oflag=direct
check "rv1 writes its first chunk" dd if=/tmp/pa of=/dev/"$vd1" bs=1M count=1 oflag=direct
[ "$(owners_used)" = 2 ] || fail "rv0 and rv1 hold $(owners_used) chunks, want 2"
check "rv0 writes it again (the chunk is there now)" dd if=/tmp/pa of=/dev/"$vd" bs=4k count=1 oflag=direct
[ "$(vhost_rdma rv0 zero_copy)" -ge 1 ] ||
	fail "rv0's writes were not zero-copy (zero_copy $(vhost_rdma rv0 zero_copy), bounced $(vhost_rdma rv0 bounced))"
revoked0=$(stat_of conns_revoked)
revoked0=${revoked0:-0}

# The held write: past its checks now, posted 15 s later.
echo 15000 >$F/delay_ms || fail "set delay_ms"
echo $((0x1100)) >$F/stall_renew || fail "set stall_renew"
dd if=/tmp/pb of=/dev/"$vd" bs=4k count=1 oflag=direct >/tmp/late.log 2>&1 &
late=$!
t0=$(date +%s)
i=0
while [ "$(owners_used)" != 1 ]; do
	i=$((i + 1))
	[ $i -lt 60 ] || { tc dump; cat "$RMEM_APP_LOG"; fail "the donor did not reap rv0's lease in 30 s"; }
	sleep 0.5
done
log "rv0's lease reaped $(($(date +%s) - t0)) s after its host stalled"
grep -q "lease of device 0000000000001100 .* did not move" "$RMEM_APP_LOG" ||
	{ cat "$RMEM_APP_LOG"; fail "the donor did not log the expiry of rv0's lease"; }

# The new owner takes every free chunk, the reaped one among them.
rmem-testclient -a "$RMEM_MY_IP" -D 0x77 hold -n $((n - 1)) --renew-ms 500 --seed 77 >/tmp/hold 2>&1 &
holder=$!
wait_for_line /tmp/hold '^holding' 60 || { cat /tmp/hold; fail "the new owner did not fill the donor"; }
kill -0 $late 2>/dev/null ||
	fail "the held write ended before the new owner filled the donor (raise delay_ms): $(cat /tmp/late.log)"

wait $late
late_rc=$?
log "held write (exit $late_rc): $(tr '\n' ' ' </tmp/late.log)"
tc -D 0x77 verify -n $((n - 1)) --seed 77 >/tmp/verify 2>&1 ||
	{ cat /tmp/verify; fail "the late write landed in the new owner's chunk"; }
[ "$late_rc" != 0 ] || fail "the held write succeeded after its lease was reaped"
echo 0 >$F/delay_ms
echo 0 >$F/stall_renew
dmesg | grep -q "rv0: queue data RDMA WRITE refused by the donor (remote access error)" ||
	{ dmesg | tail -n 30; fail "the host did not see its late write refused by the donor"; }

# rv1 over both CPUs' shared connections, revoked with rv0's; within its
# own chunk (the donor is full), half each.
fio_verify "rv1: fio over both queues after the revocation" rv1 /dev/"$vd1" /tmp/fio-rv1.log \
	--ioengine=libaio --iodepth=4 --rw=randrw --bs=4k --size=512k --offset_increment=512k --numjobs=2 \
	--cpus_allowed=0,1 --cpus_allowed_policy=split --do_verify=1
vhost_no_errors rv1 "rv1 after the revocation:"
[ "$(vhost_rdma rv1 errors)" = 0 ] || fail "rv1's backend counts $(vhost_rdma rv1 errors) errors"
log "rv1: retried $(vhost_rdma rv1 retried), zero_copy $(vhost_rdma rv1 zero_copy)"

stat_reaches() {
	_i=0
	while [ "$(stat_of "$1")" -lt "$2" ]; do
		_i=$((_i + 1))
		[ $_i -lt 40 ] || return 1
		sleep 0.25
	done
}
# rv0's control connection and the host's shared data connections.
stat_reaches conns_revoked $((revoked0 + 2)) ||
	fail "the donor counts $(stat_of conns_revoked) revocations, want more than $revoked0"
grep -q "revoked the access of host .* for device 0000000000001100" "$RMEM_APP_LOG" ||
	{ cat "$RMEM_APP_LOG"; fail "the donor did not log the revocation"; }
kill -0 $holder || { cat /tmp/hold; fail "the new owner died"; }

kill -TERM $holder
wait $holder || { cat /tmp/hold; fail "the new owner did not stop cleanly"; }
check "vdpa dev del rv0" vdpa dev del rv0
check "vdpa dev del rv1" vdpa dev del rv1
check "rmmod" rmmod vhost_rmem
appliance_stop
pass
