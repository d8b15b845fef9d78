# The guest driver on Debian's 6.1 kernel with a real rmem device: 6.1 has
# no vDPA, so it cannot host the device; the host side runs on 6.12 (this
# VM, rdma backend, PXE-booted donor as in 001-swap-e2e) and the 6.1 kernel
# is the nested guest.  It swaps with the stock virtio_blk, then moves the
# device to virtio_rmem by unbind + insmod and swaps again; both runs verify
# every page, and in both quiet windows the donor's owner table names
# exactly the device's map.
# vms: 2
# mem: 2G
# timeout: 2400
# initramfs: full
# shellcheck shell=sh
. /tests/lib/appliance.inc
. /tests/lib/vhost.inc
. /tests/lib/nested.inc
[ -f /full/6.1/vmlinuz ] || fail "no 6.1 nested guest in this initramfs (build/kernels/6.1 missing? run make deps)"
nested_host
NESTED_DIR=/full/6.1 NESTED_TIMEOUT=2100
# Two swap runs in one boot: a smaller working set than 001's keeps the
# test near 25 min (the first run took 1023 s of 1000 with 48 MiB each).
nested_start "$NESTED_CHARDEV" both RMEM_MS_SIZE=32 RMEM_MS_HIGH=12
nested_wait_quiet 1 || { nested_finish; fail "the stock driver's run never swapped"; }
nested_check_held rmem0
nested_wait_quiet 2 || { nested_finish; fail "virtio_rmem's run never swapped"; }
nested_check_held rmem0
nested_finish
tr -d '\r' </tmp/inner.log | grep -q '^RMEM-TEST-BEGIN: .* kernel=6\.1\.' ||
	fail "the nested guest did not run a 6.1 kernel"
tr -d '\r' </tmp/inner.log | grep -q 'via virtio_rmem' || fail "the device never reached virtio_rmem"
nested_wait_freed 20 || fail "the donor still holds $(owners_used) chunks after the guest powered off"
check "rmemctl dev del rmem0" rmemctl dev del rmem0
pass
