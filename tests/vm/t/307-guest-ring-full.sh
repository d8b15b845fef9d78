# virtio_rmem when a request cannot go on the ring: the guest driver's fault
# knobs make every 7th request fail with -ENOMEM (a DMA mapping failing,
# possibly with nothing in flight) and every 5th with -ENOSPC while others
# are in flight (a full ring), under polled QD1 I/O and QD16 random I/O of
# two jobs (each its own region) on two queues.  All I/O completes and
# verifies: before the fix a -ENOMEM with nothing in flight stopped the
# queue for good, and a queue stopped on a full ring whose completions the
# poll loop reaped was never restarted (the QD16 job made no progress).
# Then the same with poll_queues=1: one queue has no interrupt and only
# blk-mq polling (io_uring --hipri, two jobs) reaps it, beside libaio on the
# other; all I/O completes and verifies, and the poll queue did the reaping.
# (io_uring with IOPOLL: since 5.16 the kernel polls for nothing else.)
# vms: 1
# timeout: 600
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/guest.inc
rg_host $((128 << 20)) 0x3071 2
rg_bind_rmem
d=$RG_DISK
faults=/sys/kernel/debug/virtio_rmem/faults
[ -d $faults ] || fail "no $faults: virtio_rmem was built without the test tier's fault knobs"
echo 7 >$faults/nomem_every || fail "set nomem_every"
echo 5 >$faults/ring_full_every || fail "set ring_full_every"

# Each job is bounded by the test's timeout: a stuck queue fails it (and the
# harness reports the hung task).
fio_verify "QD1 polled 4k reads and writes + verify" qd1 /dev/$d /tmp/fio1.log --ioengine=psync \
	--rw=randwrite --bs=4k --size=16M --do_verify=1
fio_verify "QD16 4k randrw on two queues + verify" qd16 /dev/$d /tmp/fio2.log --ioengine=libaio \
	--iodepth=16 --numjobs=2 --rw=randwrite --bs=4k --offset=32M --offset_increment=16M --size=16M \
	--do_verify=1 \
	--randrepeat=1
fio_verify "QD8 64k writes + verify" seq64k /dev/$d /tmp/fio3.log --ioengine=libaio --iodepth=8 \
	--rw=write --bs=64k --offset=96M --size=32M --do_verify=1
grep -h "err=" /tmp/fio[1-3].log | grep -v "err= 0" && fail "fio reported errors"
injected=$(cat $faults/injected)
log "faults injected: $injected; polls $(rg_stat polls), poll hits $(rg_stat poll_hits)"
[ "$injected" -gt 100 ] || fail "only $injected faults injected"
[ "$(rg_stat polls)" -gt 0 ] || fail "no request was polled: the poll path went untested"
[ "$(rg_stat errors)" = 0 ] || fail "driver counted $(rg_stat errors) errors"
echo 0 >$faults/nomem_every
echo 0 >$faults/ring_full_every

check "vdpa dev del" vdpa dev del $RG_DEV
check "rmmod virtio_rmem" rmmod virtio_rmem
vhost_dev_add "$RG_DEV" $((128 << 20)) 0x3072
RG_RMEM_PARAMS=poll_queues=1 rg_bind_rmem
d=$RG_DISK
dmesg | grep -q "$d: .* 2 queue(s) (1 poll)" || fail "virtio_rmem did not set up 1 poll queue of 2"
[ "$(cat /sys/block/$d/queue/io_poll)" = 1 ] || fail "/dev/$d does not support polled I/O"
echo 7 >$faults/nomem_every || fail "set nomem_every"
echo 5 >$faults/ring_full_every || fail "set ring_full_every"
injected=$(cat $faults/injected)
fio --name=aio --filename=/dev/$d --direct=1 --ioengine=libaio --iodepth=16 --rw=randwrite \
	--bs=4k --offset=64M --size=32M --do_verify=1 --verify=crc32c --verify_fatal=1 \
	--output=/tmp/fio5.log & aio=$!
fio_verify "polled 4k writes on the poll queue + verify" hipri /dev/$d /tmp/fio4.log \
	--ioengine=io_uring --hipri=1 --iodepth=4 --numjobs=2 --rw=randwrite --bs=4k --size=16M \
	--offset_increment=16M --do_verify=1
wait $aio || fail "libaio beside the polled jobs failed"
grep -h "err=" /tmp/fio[45].log | grep -v "err= 0" && fail "fio reported errors"
log "poll queue: $(rg_stat poll_reaped) reaped by blk-mq polling, $(($(cat $faults/injected) - injected)) faults"
[ "$(rg_stat poll_reaped)" -gt 0 ] || fail "nothing was reaped by polling the poll queue"
[ "$(cat $faults/injected)" -gt "$injected" ] || fail "no fault injected beside the poll queue"
[ "$(rg_stat errors)" = 0 ] || fail "driver counted $(rg_stat errors) errors"
echo 0 >$faults/nomem_every
echo 0 >$faults/ring_full_every
rg_no_host_errors
rg_del_unload
pass
