# virtio_rmem on a vhost_rmem (ram) device: claims it (loaded before
# virtio_blk), /dev/rmem0 has the device's geometry and limits, fio verify
# (crc32c) of random 4 KiB and sequential 128 KiB direct I/O, counters in
# /sys/block/rmem0/rmem/ move, discard frees the host's chunks, the device
# deletes cleanly and the module unloads.
# vms: 1
# timeout: 600
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/guest.inc
rg_host $((128 << 20)) 0x3001 2
rg_bind_rmem
d=$RG_DISK
[ "$(cat /sys/block/$d/size)" = $((128 << 11)) ] || fail "size $(cat /sys/block/$d/size) sectors"
[ "$(cat /sys/block/$d/queue/logical_block_size)" = 4096 ] || fail "logical block size"
[ "$(cat /sys/block/$d/queue/discard_granularity)" = 4096 ] || fail "discard granularity $(cat /sys/block/$d/queue/discard_granularity)"
[ "$(cat /sys/block/$d/queue/max_segments)" = 126 ] || fail "max_segments $(cat /sys/block/$d/queue/max_segments)"
# Readahead follows io_opt: the chunk size (up to 1 GiB) must not become it.
[ "$(cat /sys/block/$d/queue/optimal_io_size)" = 0 ] ||
	fail "optimal_io_size $(cat /sys/block/$d/queue/optimal_io_size), want 0 (no preference)"
[ "$(cat /sys/block/$d/queue/read_ahead_kb)" -le 128 ] ||
	fail "read_ahead_kb $(cat /sys/block/$d/queue/read_ahead_kb): readahead sized by the chunk?"
[ "$(rg_stat device_id)" = 0x3001 ] || fail "device_id $(rg_stat device_id)"
[ "$(rg_stat backend)" = ram ] || fail "backend $(rg_stat backend)"
[ "$(rg_stat num_queues)" = 2 ] || fail "num_queues $(rg_stat num_queues) with 2 vCPUs and 2 device queues"
[ "$(cat /sys/block/$d/queue/rotational)" = 0 ] || fail "rotational"
nz=$(dd if=/dev/$d bs=1M count=8 iflag=direct 2>/dev/null | tr -d '\000' | wc -c)
[ "$nz" = 0 ] || fail "never-written blocks read $nz non-zero bytes"
[ "$(rg_stat reads)" -gt 0 ] || fail "reads counter did not move"

fio_verify "fio 4k randwrite + verify" rand4k /dev/$d /tmp/fio1.log --ioengine=libaio --iodepth=8 \
	--rw=randwrite --bs=4k --size=32M --do_verify=1 --randrepeat=1
fio_verify "fio 4k: verify only, a second time" rand4k /dev/$d /tmp/fio2.log --ioengine=libaio \
	--iodepth=8 --rw=randwrite --bs=4k --size=32M --verify_only --randrepeat=1
fio_verify "fio 4k QD1 psync randwrite + verify (polled path)" qd1 /dev/$d /tmp/fio3.log \
	--ioengine=psync --rw=randwrite --bs=4k --offset=32M --size=8M --do_verify=1
fio_verify "fio 128k seq write + verify" seq128k /dev/$d /tmp/fio4.log --ioengine=libaio --iodepth=4 \
	--rw=write --bs=128k --offset=64M --size=64M --do_verify=1
# Buffered writes of adjacent pages: the block layer and our batch merging
# get adjacent requests to fold.
check "buffered 4k writes + verify" fio --name=buf --filename=/dev/$d --ioengine=psync \
	--rw=write --bs=4k --offset=40M --size=16M --verify=crc32c --verify_fatal=1 \
	--do_verify=1 --output=/tmp/fio5.log
grep -h "err=" /tmp/fio[1-5].log | grep -v "err= 0" && fail "fio reported errors"
for f in requests reads writes vq_requests merges polls poll_hits errors flushes discards; do
	log "stat $f = $(rg_stat $f)"
done
[ "$(rg_stat errors)" = 0 ] || fail "driver counted $(rg_stat errors) errors"
[ "$(rg_stat writes)" -gt 0 ] || fail "writes counter did not move"
[ "$(rg_stat polls)" -gt 0 ] || fail "no request was polled (poll_us default on)"
[ "$(rg_stat vq_requests)" -le "$(rg_stat requests)" ] || fail "more virtio requests than block requests"
ch=$(rg_host_stat chunks)
[ "$ch" -gt 0 ] || fail "no host chunks after writes"
log "host: chunks $ch writes $(rg_host_stat writes) reads $(rg_host_stat reads)"

check "blkdiscard the whole disk" blkdiscard /dev/$d
[ "$(rg_stat discards)" -gt 0 ] || fail "discards counter did not move"
[ "$(rg_host_stat chunks)" = 0 ] || fail "$(rg_host_stat chunks) chunks left after a full discard"
nz=$(dd if=/dev/$d bs=1M count=8 iflag=direct 2>/dev/null | tr -d '\000' | wc -c)
[ "$nz" = 0 ] || fail "discarded blocks read $nz non-zero bytes"
rg_no_host_errors
rg_del_unload
pass
