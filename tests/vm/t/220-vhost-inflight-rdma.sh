# Many requests in flight on every queue: stock virtio_blk on a vhost_rmem
# rdma device (virtio_vdpa, donor on rxe loopback), fio 4 KiB randrw at
# iodepth 32 with 4 jobs spread over both vCPUs, verify=crc32c.  Each queue
# the guest used must have had more than one request in flight at once
# (stats/queues inflight_max), more than one queue must have been used,
# each on a data connection, and aligned 4 KiB I/O must all have moved
# without a copy (rdma/bounced 0).  The map still matches the donor's owner
# table afterwards.
# vms: 1
# timeout: 900
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
vhost_donor_here 96M
vhost_rdma_disk rmem0 $((64 << 20)) 0x2201
check "donor connected" vhost_wait_connected rmem0 10
fio_verify "fio randrw 4k qd32 x4 + verify" inflight "/dev/$vd" /tmp/fio-inflight.log \
	--ioengine=libaio --iodepth=32 --numjobs=4 --rw=randrw --bs=4k --size=8M \
	--offset_increment=16M --cpus_allowed=0,1 --cpus_allowed_policy=split \
	--do_verify=1 --randrepeat=1 --group_reporting
grep "err=" /tmp/fio-inflight.log | grep -v "err= 0" && fail "fio reported errors"
cat /sys/bus/vdpa/devices/rmem0/stats/queues
used=0
while read -r q _ reqs _ max; do
	[ "$reqs" -gt 0 ] || continue
	used=$((used + 1))
	[ "$max" -gt 1 ] || fail "queue $q served $reqs requests with at most $max in flight"
done </sys/bus/vdpa/devices/rmem0/stats/queues
[ "$used" -gt 1 ] || fail "only $used queue(s) used by 4 jobs on 2 vCPUs"
zc=$(vhost_rdma rmem0 zero_copy) bounced=$(vhost_rdma rmem0 bounced)
log "zero_copy $zc, bounced $bounced, data connections $(vhost_rdma rmem0 lane_connects)"
[ "$zc" -gt 0 ] || fail "no request moved zero-copy"
[ "$bounced" = 0 ] || fail "$bounced aligned 4 KiB requests bounced"
[ "$(vhost_rdma rmem0 lane_connects)" -ge "$used" ] ||
	fail "$(vhost_rdma rmem0 lane_connects) data connections for $used queues"
[ "$(vhost_stat rmem0 err_backend)" = 0 ] || fail "backend errors: $(vhost_stat rmem0 err_backend)"
vhost_rdma_end rmem0
pass
