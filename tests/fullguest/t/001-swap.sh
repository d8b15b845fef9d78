# Second-level guest of the full-stack tests: it sees the rmem device only
# through QEMU's vhost-vdpa-device-pci, swaps on it with the stock virtio_blk
# driver (or virtio_rmem when RMEM_GUEST_DRIVER=virtio_rmem) and verifies a
# working set far above its memory limit.
# vms: 1
# timeout: 900
drv=${RMEM_GUEST_DRIVER:-virtio_blk}
if [ "$drv" = virtio_rmem ]; then
	check "insmod virtio_rmem" rmem_insmod virtio_rmem
fi
modprobe virtio_blk
dev=
for i in $(seq 100); do
	for b in /sys/block/vd* /sys/block/rmem*; do
		[ -e "$b" ] && [ -b "/dev/$(basename "$b")" ] && { dev=/dev/$(basename "$b"); break 2; }
	done
	sleep 0.2
done
[ -n "$dev" ] || { ls /sys/bus/virtio/devices/ /sys/block; fail "no disk from vhost-vdpa-device-pci appeared"; }
log "disk $dev ($(cat /sys/block/$(basename $dev)/size) sectors) via $(basename "$(readlink /sys/block/$(basename $dev)/device/driver 2>/dev/null)")"
check "mkswap $dev" mkswap "$dev"
check "swapon $dev" swapon "$dev"
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir -p /sys/fs/cgroup/stress
echo $((24 << 20)) >/sys/fs/cgroup/stress/memory.max
sh -c "echo \$\$ >/sys/fs/cgroup/stress/cgroup.procs; exec rmem-memstress --size 64M --seed 11" >/tmp/stress.log 2>&1
rc=$?
cat /tmp/stress.log
grep -E 'SwapTotal|SwapFree' /proc/meminfo
[ $rc = 0 ] || fail "memstress found mismatches or failed (exit $rc) on $dev"
used=$(awk '/^'"$(basename $dev)"' / {print $4}' /proc/swaps 2>/dev/null)
log "swap used at the end: ${used:-?} KiB"
check "swapoff $dev" swapoff "$dev"
pass
