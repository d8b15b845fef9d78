# Two devices (ram backend, both through vhost_vdpa) never see each other's
# data or memory, and a device cannot take the id of another live device.
# vms: 1
# timeout: 300
# shellcheck shell=sh
. /tests/lib/vhost.inc
vhost_load
modprobe vhost_vdpa || fail "modprobe vhost_vdpa"
vhost_dev_add rmem0 $((64 << 20)) 0x4001
vhost_dev_add rmem1 $((32 << 20)) 0x4002
vhost_write_fails /sys/bus/vdpa/devices/rmem1/rmem/device_id 0x4001 || fail "rmem1 took rmem0's id"
vhost_bind rmem0 vhost_vdpa
vhost_bind rmem1 vhost_vdpa
check "vdpa dev add rmem2" vdpa dev add mgmtdev rmem name rmem2
vhost_write_fails /sys/bus/vdpa/devices/rmem2/rmem/device_id 0x4002 || fail "rmem2 took live rmem1's id"
a=$(vhost_chardev rmem0) || fail "no char device for rmem0"
b=$(vhost_chardev rmem1) || fail "no char device for rmem1"
check "harness isolation" rmem-vhost-harness isolation "$a" "$b"
for d in rmem0 rmem1 rmem2; do
	check "vdpa dev del $d" vdpa dev del $d
done
check "rmmod" rmmod vhost_rmem
pass
