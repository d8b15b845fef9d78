# rdma backend life cycle: a device without a donor refuses to go live; reset
# (unbind) frees the donor chunks and the slot; delete with I/O in flight ends
# that I/O cleanly; after delete no QP, CQ, PD, MR or cm_id is left behind
# (`rdma resource` before and after); rmmod refused while devices exist.
# vms: 1
# timeout: 600
. /tests/vm/t/vhost.inc
. /tests/vm/t/appliance.inc
rxe_up
appliance_start --memory 64M --chunk-size 1M --no-hugepages
vhost_load
modprobe virtio_vdpa || fail "modprobe virtio_vdpa"
modprobe virtio_blk || fail "modprobe virtio_blk"
before=$(rdma_resources)
log "before: $before"

# rdma without a donor: not configured, the driver cannot complete FEATURES_OK.
check "vdpa dev add rmem0" vdpa dev add mgmtdev rmem name rmem0
c=/sys/bus/vdpa/devices/rmem0/rmem
echo $((32 << 20)) >$c/capacity && echo 0xabc >$c/device_id && echo 20 >$c/chunk_shift &&
	echo rdma >$c/backend || fail "configure rmem0"
vhost_write_fails $c/donor "10.0.0.300" || fail "bad donor address accepted"
vhost_write_fails $c/donor "10.0.0.1:0" || fail "donor port 0 accepted"
vhost_write_fails $c/donor "10.0.0.1:99999" || fail "donor port 99999 accepted"
echo virtio_vdpa >/sys/bus/vdpa/devices/rmem0/driver_override
echo rmem0 >/sys/bus/vdpa/drivers_probe 2>/dev/null
vhost_disk rmem0 >/dev/null 2>&1 && fail "a disk appeared without a donor"
[ -e /sys/bus/vdpa/devices/rmem0/driver ] && echo rmem0 >/sys/bus/vdpa/drivers/virtio_vdpa/unbind
echo "$RMEM_MY_IP:7471" >$c/donor || fail "set donor"
[ "$(cat $c/donor)" = "$RMEM_MY_IP:7471" ] || fail "donor reads $(cat $c/donor)"
vhost_bind rmem0 virtio_vdpa
vd=$(vhost_disk rmem0) || fail "no disk for rmem0"
vhost_write_fails $c/donor "$RMEM_MY_IP:7472" || fail "donor writable while live"
check "write 4 MiB" dd if=/dev/urandom of=/dev/$vd bs=1M count=4 oflag=direct
[ "$(vhost_stat rmem0 chunks)" -ge 4 ] || fail "chunks $(vhost_stat rmem0 chunks) after 4 MiB (1 MiB chunks)"
[ "$(owners_used)" = "$(vhost_stat rmem0 chunks)" ] || fail "donor has $(owners_used) used, device $(vhost_stat rmem0 chunks)"
during=$(rdma_resources)
log "during: $during"
[ "$during" != "$before" ] || fail "a live rdma device holds no RDMA resources?"
rmmod vhost_rmem 2>/dev/null && fail "rmmod succeeded with live devices"

echo rmem0 >/sys/bus/vdpa/drivers/virtio_vdpa/unbind || fail "unbind rmem0"
[ "$(vhost_stat rmem0 chunks)" = 0 ] || fail "reset left $(vhost_stat rmem0 chunks) chunks"
[ "$(owners_used)" = 0 ] || fail "reset left $(owners_used) chunks on the donor"
vhost_bind rmem0 virtio_vdpa
vd=$(vhost_disk rmem0) || fail "no disk for rmem0 after rebind"
nz=$(dd if=/dev/$vd bs=1M count=4 iflag=direct 2>/dev/null | tr -d '\000' | wc -c)
[ "$nz" = 0 ] || fail "data survived a reset"

dd if=/dev/urandom of=/dev/$vd bs=64k count=100000 oflag=direct 2>/dev/null &
writer=$!
sleep 3
check "vdpa dev del rmem0 during I/O" vdpa dev del rmem0
wait $writer
log "writer exited with $?"
[ -e /sys/bus/vdpa/devices/rmem0 ] && fail "rmem0 still exists"
[ "$(owners_used)" = 0 ] || fail "delete left $(owners_used) chunks on the donor"
i=0
while [ "$(rdma_resources)" != "$before" ] && [ $i -lt 50 ]; do
	i=$((i + 1))
	sleep 0.2
done
after=$(rdma_resources)
log "after: $after"
[ "$after" = "$before" ] || fail "RDMA resources leaked: before '$before', after '$after'"
check "rmmod once no device is left" rmmod vhost_rmem
appliance_stop
pass
