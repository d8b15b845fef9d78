# The product path, as a rack runs it: a donor VM PXE-boots the appliance
# image (no disk, no shell); this host VM's vhost_rmem serves a device on the
# rdma backend through vhost_vdpa; QEMU 10 inside this VM gives it to a
# second-level guest with stock -device vhost-vdpa-device-pci, and that guest
# swaps on it with the stock virtio_blk driver and verifies every page.  The
# host's counters must move and the donor's owner table must name exactly
# the device's chunks.  (002-guest-reboot runs our virtio_rmem driver.)
# vms: 2
# mem: 2G
# timeout: 1800
# initramfs: full
# shellcheck shell=sh
. /tests/lib/appliance.inc
. /tests/lib/vhost.inc
. /tests/lib/nested.inc
nested_host
NESTED_TIMEOUT=1500
nested_start "$NESTED_CHARDEV" virtio_blk
nested_wait_quiet 1 && nested_check_held rmem0
nested_finish
for s in writes reads chunks; do
	log "host counter $s = $(vhost_stat rmem0 "$s")"
done
[ "$(vhost_stat rmem0 writes)" -gt 0 ] && [ "$(vhost_stat rmem0 reads)" -gt 0 ] ||
	fail "the host device's counters did not move: the guest's swap did not reach vhost_rmem"
# QEMU reset the device when its guest powered off: that frees the chunks.
nested_wait_freed 20 || fail "the donor still holds $(owners_used) chunks after the guest powered off"
check "rmemctl dev del rmem0" rmemctl dev del rmem0
pass
