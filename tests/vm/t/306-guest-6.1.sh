# virtio_rmem on Debian's 6.1 kernel, in the form possible in one VM: 6.1
# has no vDPA, so no virtio-rmem device can exist in this guest.  The real
# device under 6.1 is full/guest-6.1 (make check-full): vhost_rmem in a 6.12
# host VM, the 6.1 kernel as QEMU's nested guest, swap with virtio_blk and
# then virtio_rmem.  What this proves on 6.1 in make check: the module built for 6.1 loads; offered a
# plain virtio-blk disk first (QEMU's virtio-blk-pci, no rmem bit) it declines
# it and stock virtio_blk still takes it; swap on that disk with stock
# virtio_blk passes the same verified memstress as on 6.12; the module unloads.
# vms: 1
# kver: 6.1
# timeout: 900
# shellcheck shell=sh
. /tests/lib/guest.inc
case $(uname -r) in 6.1.*) ;; *) fail "not a 6.1 kernel: $(uname -r)" ;; esac
check "insmod virtio_rmem (6.1 build)" rmem_insmod virtio_rmem
for p in merge poll_us poll_max_bytes sync max_queues; do
	[ -e /sys/module/virtio_rmem/parameters/$p ] || fail "parameter $p missing"
done
v=
for d in /sys/bus/virtio/devices/virtio*; do
	[ "$(cat $d/device)" = 0x0002 ] && v=$(basename $d)
done
[ -n "$v" ] || fail "no virtio-blk device in this guest"
[ -e /sys/bus/virtio/devices/$v/driver ] &&
	fail "$v bound to $(basename "$(readlink /sys/bus/virtio/devices/$v/driver)") although it has no rmem bit"
ls /dev/rmem* 2>/dev/null && fail "virtio_rmem made a disk of a plain virtio-blk device"
dmesg | grep -i "virtio_rmem" | tail -3
check "modprobe virtio_blk" modprobe virtio_blk
# A driver that declined leaves the device to the next one; bind explicitly
# if the core did not retry it on its own.
[ -e /sys/bus/virtio/devices/$v/driver ] || echo $v >/sys/bus/virtio/drivers/virtio_blk/bind
[ "$(basename "$(readlink /sys/bus/virtio/devices/$v/driver)")" = virtio_blk ] || fail "virtio_blk did not get $v"
vd=$(ls /sys/bus/virtio/devices/$v/block/ 2>/dev/null | head -n1)
retry 50 0.1 test -b /dev/$vd || fail "no /dev/$vd"
log "$v is /dev/$vd with stock virtio_blk on $(uname -r)"
RG_DISK=$vd
check "mkswap" mkswap /dev/$vd
check "swapon" swapon /dev/$vd
rg_memstress ms-61 32
[ "$RG_MS_RC" = 0 ] || fail "memstress mismatches on 6.1 with virtio_blk (exit $RG_MS_RC)"
[ "$RG_SWAP_KB" -ge $((32 * 1024 / 2)) ] || fail "only $RG_SWAP_KB KiB went to swap"
check "swapoff" swapoff /dev/$vd
check "rmmod virtio_rmem" rmmod virtio_rmem
log "virtio_rmem on a real rmem device under 6.1: full/guest-6.1 (make check-full)"
pass
