# The lanes' error paths on the rdma backend, forced with the host module's
# fault knobs (stock virtio_blk on virtio_vdpa, donor on rxe loopback):
#  - fail_ops=1: the data connection of a read breaks after its WRs are
#    posted: that read fails with EIO, the lane drains its connection and
#    makes a new one, the next read returns the data written before;
#  - fail_ops=-1 under fio at iodepth 32: every request fails, none hangs,
#    nothing oopses; set back to 0, fio verify passes;
#  - fail_alloc=1: a write into a fresh chunk fails (donor "full"), counted,
#    nothing is allocated for it; the next write succeeds;
#  - delay_ms=300: writes held between their checks and their post (what
#    a fenced host's late write looks like) are reached, complete and
#    read back.
# vms: 1
# timeout: 900
# cmdline: slub_debug=FZP
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
vhost_donor_here 96M
vhost_rdma_disk rmem0 $((48 << 20)) 0x2221
vhost_debugfs
faults=/sys/kernel/debug/vhost_rmem/faults
[ -d $faults ] || fail "no $faults: vhost_rmem was built without the test tier's fault knobs"
dev=/dev/$vd

# All on CPU 0, so on one queue and one lane: the read after the break is
# the first request on the broken connection's lane.
on0() { busybox taskset -c 0 "$@"; }
dd if=/dev/urandom of=/tmp/pattern bs=64k count=1 2>/dev/null
check "write the pattern" on0 dd if=/tmp/pattern of=$dev bs=64k count=1 seek=16 oflag=direct
conns=$(vhost_rdma rmem0 lane_connects)
inj=$(cat $faults/injected)
echo 1 >$faults/fail_ops
on0 dd if=$dev of=/tmp/back bs=64k count=1 skip=16 iflag=direct 2>/dev/null &&
	fail "a read whose connection broke mid-request succeeded"
[ "$(cat $faults/injected)" = $((inj + 1)) ] || fail "fail_ops was not reached"
check "read back after the break" on0 dd if=$dev of=/tmp/back bs=64k count=1 skip=16 iflag=direct
cmp -s /tmp/pattern /tmp/back || fail "data differs after the lane reconnected"
[ "$(vhost_rdma rmem0 lane_connects)" -gt "$conns" ] ||
	fail "no new data connection after the break ($(vhost_rdma rmem0 lane_connects))"
[ "$(vhost_stat rmem0 err_backend)" -ge 1 ] || fail "the failed read was not counted"

echo -1 >$faults/fail_ops
fio --name=storm --filename=$dev --direct=1 --ioengine=libaio --iodepth=32 --rw=randread \
	--bs=4k --size=8M --time_based --runtime=3 --continue_on_error=all \
	--output=/tmp/fio-storm.log >/dev/null 2>&1
echo 0 >$faults/fail_ops
grep -q "err=" /tmp/fio-storm.log || { cat /tmp/fio-storm.log; fail "fio under fail_ops=-1 did not finish"; }
log "fail_ops=-1: $(cat $faults/injected) faults injected, $(vhost_stat rmem0 err_backend) requests failed"
fio_verify "fio verify after the storm" after "$dev" /tmp/fio-after.log --ioengine=libaio \
	--iodepth=32 --rw=randwrite --bs=4k --size=8M --do_verify=1 --randrepeat=1
grep "err=" /tmp/fio-after.log | grep -v "err= 0" && fail "fio reported errors after the storm"

chunks=$(vhost_stat rmem0 chunks)
echo 1 >$faults/fail_alloc
dd if=/tmp/pattern of=$dev bs=64k count=1 seek=640 oflag=direct 2>/dev/null &&
	fail "a write into a fresh chunk succeeded though its allocation failed"
[ "$(vhost_stat rmem0 chunks)" = "$chunks" ] || fail "a chunk was kept for the failed write"
check "write after the failed allocation" dd if=/tmp/pattern of=$dev bs=64k count=1 seek=640 oflag=direct
check "read it back" dd if=$dev of=/tmp/back bs=64k count=1 skip=640 iflag=direct
cmp -s /tmp/pattern /tmp/back || fail "data differs after the failed allocation"

inj=$(cat $faults/injected)
echo 300 >$faults/delay_ms
check "held writes" dd if=/tmp/pattern of=$dev bs=4k count=4 seek=2048 oflag=direct
echo 0 >$faults/delay_ms
[ "$(cat $faults/injected)" -ge $((inj + 4)) ] ||
	fail "delay_ms reached $(($(cat $faults/injected) - inj)) times for 4 writes"
check "read the held writes back" dd if=$dev of=/tmp/back bs=4k count=4 skip=2048 iflag=direct
head -c 16384 /tmp/pattern | cmp -s - /tmp/back || fail "data differs after held writes"
vhost_rdma_end rmem0
pass
