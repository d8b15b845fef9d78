# make demo, host side (role a = the host VM; role b is the donor, which
# PXE-boots the appliance image: see 001-demo.host).  The product path as a
# rack runs it: vhost_rmem in this host VM serves a device on the donor's
# memory, QEMU 10 here gives it to a guest VM with stock
# -device vhost-vdpa-device-pci, and that guest swaps on it with virtio_rmem.
# Narrated for a person; lines starting with "DEMO:" are collected into the
# closing summary.
# vms: 2
# mem: 2G
# timeout: 1800
# initramfs: full
# shellcheck shell=sh
. /tests/lib/appliance.inc
. /tests/lib/vhost.inc
. /tests/lib/nested.inc
[ "$RMEM_ROLE" = a ] || fail "role b is the PXE-booted donor, not this script"
say() { printf '\n== %s\n' "$*"; }

say "Host VM: Debian $(uname -r) under QEMU/TCG; soft-RoCE on the link to the donor VM"
rxe_up
# shellcheck disable=SC2046 # the row splits into its columns
out=$(perf_loopback ib_read_lat -s 4096 -n 300) && set -- $(echo "$out" | perf_row) &&
	echo "DEMO: raw RDMA READ 4 KiB on this VM's rxe0: typical $5 us (perftest ib_read_lat)"

say "Waiting for the donor VM: it network-boots (iPXE, TFTP) into rmem-appliance as PID 1"
nested_donor_wait
echo "$RMEM_DONOR:7471" >/tmp/donors
rmemctl -f /tmp/donors donor show || fail "rmemctl donor show"
echo "DEMO: donor $RMEM_DONOR booted over PXE and serves $(rmemctl -j -f /tmp/donors donor show | sed -n 's/.*"chunks_total": *\([0-9]*\).*/\1/p') chunks of 1 MiB"

say "Host module: vhost_rmem makes a 256 MiB device on the donor's memory and hands it to vhost_vdpa"
vhost_load
modprobe vhost_vdpa || fail "modprobe vhost_vdpa"
nested_device rmem0
echo "DEMO: rmemctl dev add rmem0 ... driver vhost_vdpa → $NESTED_CHARDEV, for QEMU's -device vhost-vdpa-device-pci"

nested_accel
case $NESTED_ACCEL in
*kvm*) how="under KVM: QEMU's TCG emulates AMD SVM, so the host VM has /dev/kvm" ;;
*) how="TCG inside TCG: it boots in a few minutes" ;;
esac
say "Guest VM: QEMU 10 in this host starts a 256 MiB guest ($how)"
echo "   qemu-system-x86_64 ... -m 256M -device vhost-vdpa-device-pci,vhostdev=$NESTED_CHARDEV"
echo "   The guest loads virtio_rmem, swaps on /dev/rmem0 and runs a program that writes 40 MiB"
echo "   of checksummed pages inside a cgroup held to 12 MiB, then reads every page back."
NESTED_TIMEOUT=1500
nested_start "$NESTED_CHARDEV" virtio_rmem RMEM_MS_SIZE=40 RMEM_MS_HIGH=12
# Show the guest's own lines as they come, and the pool every 15 s.
shown=0
guest_lines() {
	_n=$(wc -l </tmp/inner.log)
	tr -d '\r' </tmp/inner.log | awk -v a="$shown" -v b="$_n" 'NR > a && NR <= b' |
		grep -E '^\[swap\]|^memstress|^RMEM-TEST:|^Swap' | sed 's/^/   guest| /'
	shown=$_n
}
n=0
while kill -0 "$NESTED_PID" 2>/dev/null && ! grep -q '^RMEM-PHASE: quiet' /tmp/inner.log; do
	sleep 1
	guest_lines
	n=$((n + 1))
	if [ $((n % 15)) = 0 ]; then
		say "rmem-top -b: the pool after $n s (donor chunks in use, host device I/O)"
		rmem-top -f /tmp/donors -b -n 1
	fi
done
guest_lines
nested_wait_quiet 1 || { nested_finish; fail "the guest never got its working set into swap"; }
say "The guest's working set sits on the donor: rmem-top, and the host's map against the donor's owner table"
rmem-top -f /tmp/donors -b -n 1
nested_check_held rmem0
echo "DEMO: the guest's swapped pages live in $(owners_used) chunks on the donor; the host's map of rmem0 equals the donor's owner table (read one-sided, no donor CPU)"
nested_finish
guest_lines
echo "DEMO: guest: $(tr -d '\r' </tmp/inner.log | grep -m1 '^memstress: verified' | sed 's/^memstress: //')"
echo "DEMO: guest driver: $(tr -d '\r' </tmp/inner.log | grep -m1 'virtio_rmem counters:' | sed 's/^.*counters: *//')"
echo "DEMO: host device counters: $(vhost_stat rmem0 writes) writes, $(vhost_stat rmem0 reads) reads"

say "The guest powered off: QEMU reset the device, which gives every chunk back to the donor"
nested_wait_freed 20 || fail "the donor still holds $(owners_used) chunks after the guest powered off"
rmemctl -f /tmp/donors donor show
check "rmemctl dev del rmem0" rmemctl dev del rmem0
echo "DEMO: after the guest's power-off the donor's owner table is empty again; rmem0 deleted"
pass
