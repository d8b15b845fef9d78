# vhost_rmem on the rdma backend (donor on rxe loopback in the same VM), bound
# to virtio_vdpa: stock virtio_blk sees the disk; unwritten blocks read zeros
# without chunks; fio verifies 4 KiB random and 128 KiB sequential I/O; the
# device's map matches the donor's owner table; discard frees the donor's
# chunks; swap works; delete releases the lease slot.
# vms: 1
# timeout: 900
. /tests/vm/t/vhost.inc
. /tests/vm/t/appliance.inc
rxe_up
appliance_start --memory 64M --chunk-size 1M --no-hugepages
vhost_rdma_disk rmem0 "$((32 << 20))" 0x1001
log "rmem0 is /dev/$vd, donor $(cat /sys/bus/vdpa/devices/rmem0/rmem/donor), state $(vhost_rdma rmem0 state)"
[ "$(vhost_rdma rmem0 state)" = connected ] || fail "rdma state $(vhost_rdma rmem0 state)"
[ "$(cat /sys/block/$vd/size)" = $((32 << 11)) ] || fail "size $(cat /sys/block/$vd/size) sectors"
nz=$(dd if=/dev/$vd bs=1M count=8 iflag=direct 2>/dev/null | tr -d '\000' | wc -c)
[ "$nz" = 0 ] || fail "never-written blocks read $nz non-zero bytes"
[ "$(vhost_stat rmem0 chunks)" = 0 ] || fail "reads allocated chunks"
[ "$(owners_used)" = 0 ] || fail "reads allocated donor chunks"

check "fio 4k randwrite + verify" fio --name=rand4k --filename=/dev/$vd --direct=1 \
	--ioengine=libaio --iodepth=8 --rw=randwrite --bs=4k --size=8M --verify=crc32c \
	--verify_fatal=1 --do_verify=1 --randrepeat=1 --output=/tmp/fio1.log
check "fio 128k seq write + verify" fio --name=seq128k --filename=/dev/$vd --direct=1 \
	--ioengine=libaio --iodepth=4 --rw=write --bs=128k --offset=16M --size=16M \
	--verify=crc32c --verify_fatal=1 --do_verify=1 --output=/tmp/fio3.log
ch=$(vhost_stat rmem0 chunks)
[ "$ch" -gt 0 ] || fail "no chunks held after writes"
[ "$(vhost_rdma rmem0 chunks)" = "$ch" ] || fail "rdma/chunks $(vhost_rdma rmem0 chunks) != stats/chunks $ch"
log "chunks held after fio: $ch; allocs $(vhost_rdma rmem0 allocs); donor says $(owners_used) used"
vhost_map_matches_owners rmem0 || fail "device map and donor owner table differ"
[ "$(owners_used)" = "$ch" ] || fail "donor has $(owners_used) chunks in use, device holds $ch"

check "blkdiscard the whole disk" blkdiscard /dev/$vd
[ "$(vhost_stat rmem0 chunks)" = 0 ] || fail "$(vhost_stat rmem0 chunks) chunks left after a full discard"
[ "$(owners_used)" = 0 ] || fail "donor still has $(owners_used) chunks in use after a full discard"
nz=$(dd if=/dev/$vd bs=1M count=8 iflag=direct 2>/dev/null | tr -d '\000' | wc -c)
[ "$nz" = 0 ] || fail "discarded blocks read $nz non-zero bytes"

check "mkswap" mkswap /dev/$vd
check "swapon" swapon /dev/$vd
grep -q "^/dev/$vd " /proc/swaps || fail "swap not listed"
check "swapoff" swapoff /dev/$vd
for f in err_chain err_header err_unsupported err_shape err_align err_range err_access err_backend; do
	[ "$(vhost_stat rmem0 $f)" = 0 ] || fail "stock driver caused $f = $(vhost_stat rmem0 $f)"
done
slot=$(vhost_rdma rmem0 slot)
check "vdpa dev del" vdpa dev del rmem0
[ -b /dev/$vd ] && fail "/dev/$vd still there after delete"
[ "$(owners_used)" = 0 ] || fail "delete left $(owners_used) chunks on the donor"
tc dump --slots | grep -q "device 4097 " && fail "delete left the lease slot $slot claimed"
check "rmmod vhost_rmem" rmmod vhost_rmem
appliance_stop
pass
