# The product path: vhost_rmem serves a device through vhost_vdpa, QEMU 10
# inside this host VM gives it to a second-level guest with stock
# -device vhost-vdpa-device-pci, and that guest swaps on it and verifies
# every page.  (This VM is the host; the inner guest's console is copied
# into this log so the harness sees its kernel warnings too.)
# vms: 1
# mem: 2G
# timeout: 1200
# initramfs: full
. /tests/vm/t/vhost.inc
vhost_load
modprobe vhost_vdpa || fail "modprobe vhost_vdpa"
vhost_dev_add rmem0 $((256 << 20)) 4242
vhost_bind rmem0 vhost_vdpa
chardev=$(vhost_chardev rmem0) || fail "no /dev/vhost-vdpa-N for rmem0"
# vhost_vdpa pins the guest's RAM against RLIMIT_MEMLOCK (8 MiB by default,
# CAP_IPC_LOCK notwithstanding): QEMU needs a limit above the guest's memory,
# as libvirt sets for vDPA devices.
ulimit -l unlimited || fail "cannot raise RLIMIT_MEMLOCK for QEMU"
log "rmem0 → $chardev; starting the nested guest (QEMU $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}'), TCG in TCG: slow)"
timeout 1000 qemu-system-x86_64 -machine pc -accel tcg -cpu max -smp 1 -m 256M \
	-nodefaults -no-user-config -display none -no-reboot -bios /usr/share/qemu/qboot.rom \
	-serial file:/tmp/inner.log -kernel /full/vmlinuz -initrd /full/initrd.gz \
	-append "console=ttyS0 panic=-1 rmem.test=swap rmem.tier=fullguest RMEM_GUEST_DRIVER=${RMEM_GUEST_DRIVER:-virtio_blk}" \
	-device "vhost-vdpa-device-pci,vhostdev=$chardev" >/tmp/qemu.out 2>&1
rc=$?
cat /tmp/qemu.out
echo "----- nested guest console"
sed 's/^/inner| /' /tmp/inner.log | tr -d '\r'
echo "----- end of nested guest console"
[ $rc = 0 ] || fail "nested QEMU exited with $rc"
grep -q '^RMEM-TEST: PASS' /tmp/inner.log || fail "the nested guest did not pass: $(grep '^RMEM-TEST:' /tmp/inner.log)"
for s in writes reads chunks; do
	log "host counter $s = $(vhost_stat rmem0 "$s")"
done
[ "$(vhost_stat rmem0 writes)" -gt 0 ] && [ "$(vhost_stat rmem0 reads)" -gt 0 ] ||
	fail "the host device's counters did not move: the guest's swap did not reach vhost_rmem"
pass
