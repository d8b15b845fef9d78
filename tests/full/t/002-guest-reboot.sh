# A second-level guest that reboots: its first boot swaps on the device with
# our virtio_rmem driver, then reboots; QEMU's reset of the device must free
# every chunk on the donor before the second boot swaps again (and verifies)
# on the same device.  Donor PXE-booted as in 001-swap-e2e.
# vms: 2
# mem: 2G
# timeout: 2400
# initramfs: full
# shellcheck shell=sh
. /tests/lib/appliance.inc
. /tests/lib/vhost.inc
. /tests/lib/nested.inc
nested_host
NESTED_TIMEOUT=2100
# Two boots and two swap runs: a smaller working set than 001's.
# RMEM_HOLD: each boot says "ready" once its disk is there, then waits 30 s
# before its first write, so the state after the reboot's reset can be
# checked before the second boot allocates anything.
nested_start "$NESTED_CHARDEV" virtio_rmem rmem.after=reboot RMEM_MS_SIZE=32 RMEM_MS_HIGH=12 RMEM_HOLD=30
nested_wait_quiet 1 || { nested_finish; fail "the first boot never swapped"; }
nested_check_held rmem0
first=$(vhost_stat rmem0 writes)
nested_wait_phase ready 2 || { nested_finish; fail "the second boot never found its disk"; }
nested_wait_freed 15 || { kill "$NESTED_PID"; nested_finish; fail "the reset at reboot left $(owners_used) chunks on the donor"; }
log "after the reboot's reset: donor owner table empty, host map holds $(vhost_stat rmem0 chunks) chunks"
[ "$(vhost_stat rmem0 chunks)" = 0 ] || fail "host map still holds $(vhost_stat rmem0 chunks) chunks after reset"
nested_wait_quiet 2 || { nested_finish; fail "the second boot never swapped"; }
nested_check_held rmem0
log "host writes: $first after boot 1, $(vhost_stat rmem0 writes) after boot 2"
# Both boots passed once the second verdict is printed; the guest would
# reboot forever, so stop it here.
retry 120 1 nested_passes 2 || { kill "$NESTED_PID"; nested_finish; fail "no verdict from the second boot"; }
kill "$NESTED_PID"
NESTED_KILLED=1
nested_finish
check "rmemctl dev del rmem0" rmemctl dev del rmem0
nested_wait_freed 20 || fail "donor still holds $(owners_used) chunks after delete"
pass
