# Device life cycle: created parked, configured in sysfs, bad values refused,
# a taken device id refused, config frozen (EBUSY) while a driver is bound,
# reset frees the data, rmmod refused while devices exist, delete with I/O in
# flight completes or fails that I/O cleanly.
# vms: 1
# timeout: 300
. /tests/vm/t/vhost.inc
vhost_load
modprobe virtio_vdpa || fail "modprobe virtio_vdpa"
modprobe virtio_blk || fail "modprobe virtio_blk"
vdpa mgmtdev show | grep -q rmem || fail "management device rmem not listed"
check "vdpa dev add rmem0" vdpa dev add mgmtdev rmem name rmem0
c=/sys/bus/vdpa/devices/rmem0/rmem
[ -e /sys/bus/vdpa/devices/rmem0/driver ] && fail "rmem0 bound before it was configured"
[ "$(cat $c/live)" = 0 ] || fail "live reads $(cat $c/live) while parked"
[ "$(cat $c/num_queues)" = 2 ] || fail "num_queues $(cat $c/num_queues)"

vhost_write_fails $c/capacity 0 || fail "capacity 0 accepted"
vhost_write_fails $c/capacity 1000 || fail "capacity not a multiple of 4096 accepted"
vhost_write_fails $c/device_id 0 || fail "device id 0 accepted"
vhost_write_fails $c/device_id 0xffffffffffffffff || fail "device id ~0 accepted"
vhost_write_fails $c/backend floppy || fail "unknown backend accepted"
vhost_write_fails $c/chunk_shift 11 || fail "chunk_shift 11 accepted"
vhost_write_fails $c/chunk_shift 31 || fail "chunk_shift 31 accepted"
echo $((64 << 20)) >$c/capacity || fail "capacity"
echo 0xabc >$c/device_id || fail "device_id"
echo 20 >$c/chunk_shift || fail "chunk_shift"
[ "$(cat $c/capacity)" = $((64 << 20)) ] || fail "capacity reads $(cat $c/capacity)"
[ "$(cat $c/device_id)" = 0x0000000000000abc ] || fail "device_id reads $(cat $c/device_id)"
[ "$(cat $c/backend)" = ram ] || fail "default backend $(cat $c/backend)"

check "vdpa dev add rmem1" vdpa dev add mgmtdev rmem name rmem1
vhost_write_fails /sys/bus/vdpa/devices/rmem1/rmem/device_id 0xabc || fail "rmem1 took rmem0's device id"
echo "$werr" | grep -qi exist || fail "taken device id: '$werr', want EEXIST"

vhost_bind rmem0 virtio_vdpa
vd=$(vhost_disk rmem0) || fail "no disk for rmem0"
[ "$(cat $c/live)" = 1 ] || fail "live reads $(cat $c/live) while bound"
for f in capacity device_id backend chunk_shift; do
	vhost_write_fails $c/$f "$(cat $c/$f)" || fail "$f writable while live"
	echo "$werr" | grep -qi busy || fail "$f while live: '$werr', want EBUSY"
done

check "write 4 MiB" dd if=/dev/urandom of=/dev/$vd bs=1M count=4 oflag=direct
[ "$(vhost_stat rmem0 chunks)" -ge 4 ] || fail "chunks $(vhost_stat rmem0 chunks) after 4 MiB (1 MiB chunks)"

rmmod vhost_rmem 2>/dev/null && fail "rmmod succeeded with live devices"
grep -q '^vhost_rmem ' /proc/modules || fail "module gone"

# Unbinding resets the device: its data is freed, config is writable again.
echo rmem0 >/sys/bus/vdpa/drivers/virtio_vdpa/unbind || fail "unbind rmem0"
[ "$(vhost_stat rmem0 chunks)" = 0 ] || fail "reset left $(vhost_stat rmem0 chunks) chunks"
echo $((32 << 20)) >$c/capacity || fail "capacity not writable after unbind"
vhost_bind rmem0 virtio_vdpa
vd=$(vhost_disk rmem0) || fail "no disk for rmem0 after rebind"
[ "$(cat /sys/block/$vd/size)" = $((32 << 11)) ] || fail "new capacity not seen"
nz=$(dd if=/dev/$vd bs=1M count=4 iflag=direct 2>/dev/null | tr -d '\000' | wc -c)
[ "$nz" = 0 ] || fail "data survived a reset"

# Delete with I/O in flight: the writer ends (error or not), nothing hangs or warns.
dd if=/dev/zero of=/dev/$vd bs=64k count=100000 oflag=direct 2>/dev/null &
writer=$!
sleep 2
check "vdpa dev del rmem0 during I/O" vdpa dev del rmem0
wait $writer
log "writer exited with $?"
[ -e /sys/bus/vdpa/devices/rmem0 ] && fail "rmem0 still exists"

# The id is free again once its device is gone.
echo 0xabc >/sys/bus/vdpa/devices/rmem1/rmem/device_id || fail "freed device id not reusable"
check "vdpa dev del rmem1" vdpa dev del rmem1
check "rmmod once no device is left" rmmod vhost_rmem
grep -q '^vhost_rmem ' /proc/modules && fail "module still loaded"
pass
