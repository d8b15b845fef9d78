# The host's map is a cache of the donors' owner tables: with rmem/keep_chunks
# set, deleting a device leaves its chunks and lease slot on the donor (the
# operation used for migration and crash recovery); a new device with the same
# id adopts the slot, rebuilds its map from the owner table, and every byte
# reads back; unwritten blocks still read zeros.
# vms: 1
# timeout: 600
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
rxe_up
appliance_start --memory 64M --chunk-size 1M --no-hugepages
vhost_rdma_disk rmem0 "$((32 << 20))" 0x4001
check "make a pattern" dd if=/dev/urandom of=/tmp/pat bs=1M count=6
check "write 6 MiB at 3 MiB" dd if=/tmp/pat of=/dev/$vd bs=1M seek=3 oflag=direct
check "write 4 KiB at 20 MiB" dd if=/tmp/pat of=/dev/$vd bs=4k count=1 seek=5120 oflag=direct
want=$(md5sum </tmp/pat)
ch=$(vhost_stat rmem0 chunks)
slot=$(vhost_rdma rmem0 slot)
log "rmem0 holds $ch chunks in slot $slot"
[ "$ch" -ge 7 ] || fail "only $ch chunks after writing 7 chunks' worth"
vhost_map_matches_owners rmem0 || fail "map and owner table differ before the delete"

echo 1 >/sys/bus/vdpa/devices/rmem0/rmem/keep_chunks || fail "set keep_chunks"
check "vdpa dev del rmem0 (keep_chunks)" vdpa dev del rmem0
[ "$(owners_used)" = "$ch" ] || fail "donor has $(owners_used) used words after a keep_chunks delete, want $ch"
tc dump --slots | grep -q "device 16385 " || fail "the lease slot was released"

vhost_dev_add_rdma rmem1 $((32 << 20)) 0x4001
vhost_bind rmem1 virtio_vdpa
vd=$(vhost_disk rmem1) || fail "no disk for rmem1"
got=$(dd if=/dev/$vd bs=1M skip=3 count=6 iflag=direct 2>/dev/null | md5sum)
[ "$got" = "$want" ] || fail "data after the rebuild differs from what was written"
[ "$(vhost_rdma rmem1 rebuilt)" = "$ch" ] || fail "rebuilt $(vhost_rdma rmem1 rebuilt) chunks, want $ch"
[ "$(vhost_rdma rmem1 slot)" = "$slot" ] || fail "rmem1 holds slot $(vhost_rdma rmem1 slot), want $slot (adopted)"
vhost_map_matches_owners rmem1 || fail "rebuilt map and owner table differ"
a=$(dd if=/dev/$vd bs=4k skip=5120 count=1 iflag=direct 2>/dev/null | md5sum)
b=$(dd if=/tmp/pat bs=4k count=1 2>/dev/null | md5sum)
[ "$a" = "$b" ] || fail "the 4 KiB block at 20 MiB differs after the rebuild"
nz=$(dd if=/dev/$vd bs=4k skip=5121 count=255 iflag=direct 2>/dev/null | tr -d '\000' | wc -c)
[ "$nz" = 0 ] || fail "never-written blocks of a rebuilt chunk read $nz non-zero bytes"
nz=$(dd if=/dev/$vd bs=1M count=3 iflag=direct 2>/dev/null | tr -d '\000' | wc -c)
[ "$nz" = 0 ] || fail "never-written chunks read $nz non-zero bytes"
check "new writes after the rebuild" dd if=/tmp/pat of=/dev/$vd bs=1M count=1 seek=25 oflag=direct
check "vdpa dev del rmem1" vdpa dev del rmem1
[ "$(owners_used)" = 0 ] || fail "a normal delete left $(owners_used) chunks on the donor"
check "rmmod" rmmod vhost_rmem
appliance_stop
pass
