# A parked device given a new device id or capacity gets a new store: it
# never goes on speaking for the old id on the donor (before the fix, the
# store kept the old id while the registry let another device take it, so
# that device's chunks could be adopted or freed by this one).  With
# keep_chunks the old id's lease is left for its owner, the new id claims
# its own slot, and a device that takes the old id adopts its chunks.
# vms: 1
# timeout: 600
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc

old=0x2191 new=0x2192	# 8593, 8594 in tc's decimal
# slot_of DECIMAL_ID: the donor's lease slot of that device id, if any.
slot_of() { tc dump --slots | sed -n "s/^slot \([0-9]*\) device $1 .*/\1/p"; }
vhost_donor_here 64M
vhost_up vhost_vdpa
vhost_harness_dev rdma rmem0 $((32 << 20)) $old
echo 1 >/sys/bus/vdpa/devices/rmem0/rmem/keep_chunks || fail "set keep_chunks"
check "I/O as $old" rmem-vhost-harness io "$cdev"
s=$(slot_of 8593)
[ -n "$s" ] || fail "no lease slot for $old after I/O (keep_chunks)"
chunks=$(owners_of_slot "$s")
[ "$chunks" -gt 0 ] || fail "I/O as $old left no chunk on the donor"

# Parked: a new id (and a larger capacity) for the same device.
echo rmem0 >/sys/bus/vdpa/drivers/vhost_vdpa/unbind || fail "unbind rmem0"
echo $new >/sys/bus/vdpa/devices/rmem0/rmem/device_id || fail "set device_id $new"
echo $((48 << 20)) >/sys/bus/vdpa/devices/rmem0/rmem/capacity || fail "grow capacity"
vhost_bind rmem0 vhost_vdpa
cdev=$(vhost_chardev rmem0) || fail "no /dev/vhost-vdpa-N for rmem0"
check "I/O as $new" rmem-vhost-harness io "$cdev"
[ -n "$(slot_of 8594)" ] ||
	{ tc dump --slots; fail "the device still speaks for $old: no lease slot for $new"; }
[ "$(slot_of 8593)" = "$s" ] || fail "the lease of $old moved or went: slot '$(slot_of 8593)', was $s"
[ "$(owners_of_slot "$s")" = "$chunks" ] ||
	fail "$old's slot holds $(owners_of_slot "$s") chunks, kept $chunks"

# The old id's chunks were kept for it: a device that takes the id adopts them.
vhost_harness_dev rdma rmem1 $((32 << 20)) $old
check "I/O on rmem1 as $old" rmem-vhost-harness io "$cdev"
[ "$(vhost_rdma rmem1 rebuilt)" = "$chunks" ] ||
	fail "rmem1 rebuilt $(vhost_rdma rmem1 rebuilt) chunks of $old, the donor kept $chunks"
check "vdpa dev del rmem0" vdpa dev del rmem0
check "vdpa dev del rmem1" vdpa dev del rmem1
check "rmmod vhost_rmem" rmmod vhost_rmem
appliance_stop
pass
