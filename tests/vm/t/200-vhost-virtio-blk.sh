# vhost_rmem (ram backend) bound to virtio_vdpa: the stock virtio_blk driver of
# the same kernel sees the disk; unwritten blocks read as zeros; fio verifies
# 4 KiB random and 128 KiB sequential I/O; discard frees chunks; swap works.
# vms: 1
# timeout: 600
. /tests/vm/t/vhost.inc
vhost_load
modprobe virtio_vdpa || fail "modprobe virtio_vdpa"
modprobe virtio_blk || fail "modprobe virtio_blk"
vhost_dev_add rmem0 $((128 << 20)) 0x1001
vhost_bind rmem0 virtio_vdpa
vd=$(vhost_disk rmem0) || fail "no virtio_blk disk appeared for rmem0"
log "rmem0 is /dev/$vd"
[ "$(cat /sys/block/$vd/size)" = $((128 << 11)) ] || fail "size $(cat /sys/block/$vd/size) sectors"
[ "$(cat /sys/block/$vd/queue/logical_block_size)" = 4096 ] || fail "logical block size"
[ "$(cat /sys/block/$vd/queue/discard_granularity)" = 4096 ] || fail "discard granularity"
nz=$(dd if=/dev/$vd bs=1M count=8 iflag=direct 2>/dev/null | tr -d '\000' | wc -c)
[ "$nz" = 0 ] || fail "never-written blocks read $nz non-zero bytes"
[ "$(vhost_stat rmem0 chunks)" = 0 ] || fail "reads allocated chunks"
cat /sys/bus/vdpa/devices/rmem0/virtio*/block/$vd/serial 2>/dev/null | grep -q '^rmem0000000000001001' ||
	log "serial: $(cat /sys/block/$vd/serial 2>/dev/null)"

check "fio 4k randwrite + verify" fio --name=rand4k --filename=/dev/$vd --direct=1 \
	--ioengine=libaio --iodepth=8 --rw=randwrite --bs=4k --size=32M --verify=crc32c \
	--verify_fatal=1 --do_verify=1 --randrepeat=1 --output=/tmp/fio1.log
check "fio 4k randread of what was written (verify only)" fio --name=rand4k --filename=/dev/$vd \
	--direct=1 --ioengine=libaio --iodepth=8 --rw=randwrite --bs=4k --size=32M \
	--verify=crc32c --verify_fatal=1 --verify_only --randrepeat=1 --output=/tmp/fio2.log
check "fio 128k seq write + verify" fio --name=seq128k --filename=/dev/$vd --direct=1 \
	--ioengine=libaio --iodepth=4 --rw=write --bs=128k --offset=64M --size=64M \
	--verify=crc32c --verify_fatal=1 --do_verify=1 --output=/tmp/fio3.log
ch=$(vhost_stat rmem0 chunks)
[ "$ch" -gt 0 ] || fail "no chunks held after writes"
log "chunks held after fio: $ch; writes $(vhost_stat rmem0 writes) reads $(vhost_stat rmem0 reads)"

check "blkdiscard the whole disk" blkdiscard /dev/$vd
[ "$(vhost_stat rmem0 chunks)" = 0 ] || fail "$(vhost_stat rmem0 chunks) chunks left after a full discard"
nz=$(dd if=/dev/$vd bs=1M count=8 iflag=direct 2>/dev/null | tr -d '\000' | wc -c)
[ "$nz" = 0 ] || fail "discarded blocks read $nz non-zero bytes"

check "mkswap" mkswap /dev/$vd
check "swapon" swapon /dev/$vd
grep -q "^/dev/$vd " /proc/swaps || fail "swap not listed"
check "swapoff" swapoff /dev/$vd
for f in err_chain err_header err_unsupported err_shape err_align err_range err_access err_backend; do
	[ "$(vhost_stat rmem0 $f)" = 0 ] || fail "stock driver caused $f = $(vhost_stat rmem0 $f)"
done
check "vdpa dev del" vdpa dev del rmem0
[ -b /dev/$vd ] && fail "/dev/$vd still there after delete"
check "rmmod vhost_rmem" rmmod vhost_rmem
pass
