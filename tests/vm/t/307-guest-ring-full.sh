# virtio_rmem when a request cannot go on the ring: the guest driver's fault
# knobs make every 7th request fail with -ENOMEM (a DMA mapping failing,
# possibly with nothing in flight) and every 5th with -ENOSPC while others
# are in flight (a full ring), under polled QD1 I/O and QD16 random I/O of
# two jobs (each its own region) on two queues.  All I/O completes and
# verifies: before the fix a -ENOMEM with nothing in flight stopped the
# queue for good, and a queue stopped on a full ring whose completions the
# poll loop reaped was never restarted (the QD16 job made no progress).
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
rg_no_host_errors
rg_del_unload
pass
