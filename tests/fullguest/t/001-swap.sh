# Second-level guest of the full-stack tests: it sees the rmem device only
# through QEMU's vhost-vdpa-device-pci, swaps on it and verifies a working
# set far above its memory limit.  RMEM_GUEST_DRIVER (kernel command line)
# picks the driver: virtio_blk (stock), virtio_rmem (ours), or both: first
# stock virtio_blk, then the device is moved to virtio_rmem the way an
# operator does by hand (docs/guest-driver.md) and swaps again.
# vms: 1
# timeout: 900
# shellcheck shell=sh

# find_disk PATTERN: the block device the rmem device became (bounded wait).
find_disk() {
	dev=
	for i in $(seq 150); do
		for b in /sys/block/$1; do
			[ -e "$b" ] && [ -b "/dev/$(basename "$b")" ] && { dev=/dev/$(basename "$b"); return 0; }
		done
		sleep 0.2
	done
	ls /sys/bus/virtio/devices/ /sys/block
	fail "no disk $1 from vhost-vdpa-device-pci appeared"
}

# swap_cycle DEV: mkswap, swapon, the verified stress, a quiet window for
# the host's checks, swapoff.
swap_cycle() {
	b=$(basename "$1")
	log "disk $1 ($(cat /sys/block/$b/size) sectors) via $(basename "$(readlink /sys/block/$b/device/driver 2>/dev/null)")"
	# RMEM_HOLD (seconds, kernel command line): nothing written yet, so the
	# host can check the device holds no chunk (full/guest-reboot: after the
	# reset of a reboot) before this boot's first write.
	if [ -n "$RMEM_HOLD" ]; then
		echo "RMEM-PHASE: ready"
		sleep "$RMEM_HOLD"
	fi
	check "mkswap $1" mkswap "$1"
	check "swapon $1" swapon "$1"
	w0=$(awk '{print $7}' "/sys/block/$b/stat")
	# memory.high, not memory.max: every page out crosses two emulated
	# layers and the link, and a hard limit OOM-kills the program while
	# writeback is still in flight; high throttles it until reclaim catches up.
	log "memstress: $size MiB of checksummed pages in a cgroup with memory.high $high MiB"
	echo $((high << 20)) >/sys/fs/cgroup/stress/memory.high
	sh -c "echo \$\$ >/sys/fs/cgroup/stress/cgroup.procs; exec rmem-memstress --size ${size}M --seed 11" >/tmp/stress.log 2>&1
	rc=$?
	cat /tmp/stress.log
	grep -E 'SwapTotal|SwapFree' /proc/meminfo
	[ $rc = 0 ] || fail "memstress found mismatches or failed (exit $rc) on $1"
	wsect=$(($(awk '{print $7}' "/sys/block/$b/stat") - w0))
	log "$1: $wsect sectors written"
	[ "$wsect" -ge $(((size - high) << 11)) ] || fail "only $wsect sectors went to $1: the working set did not swap"
	if [ -d "/sys/block/$b/rmem" ]; then
		st=
		for f in requests vq_requests merges polls poll_hits poll_skips read_lat_us errors; do
			st="$st $f=$(cat "/sys/block/$b/rmem/$f")"
		done
		log "virtio_rmem counters:$st"
	fi
	# A quiet window for the host: no I/O, the chunks still held, so the
	# host's map and the donor's owner table can be compared while nothing moves.
	echo "RMEM-PHASE: quiet"
	sleep 20
	check "swapoff $1" swapoff "$1"
}

# Sizes in MiB; the demo passes smaller ones on the kernel command line.
size=${RMEM_MS_SIZE:-48} high=${RMEM_MS_HIGH:-16}
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir -p /sys/fs/cgroup/stress
drv=${RMEM_GUEST_DRIVER:-virtio_blk}
case $drv in
virtio_rmem)
	check "insmod virtio_rmem" rmem_insmod virtio_rmem
	modprobe virtio_blk
	find_disk 'rmem*'
	swap_cycle "$dev"
	;;
virtio_blk | both)
	modprobe virtio_blk
	find_disk 'vd*'
	swap_cycle "$dev"
	if [ "$drv" = both ]; then
		v=$(basename "$(readlink "/sys/block/$(basename "$dev")/device")")
		check "unbind $v from virtio_blk" sh -c "echo $v >/sys/bus/virtio/drivers/virtio_blk/unbind"
		# Loaded now, virtio_rmem is offered the unbound device and claims it.
		check "insmod virtio_rmem" rmem_insmod virtio_rmem
		find_disk 'rmem*'
		swap_cycle "$dev"
	fi
	;;
*) fail "RMEM_GUEST_DRIVER=$drv: expected virtio_blk, virtio_rmem or both" ;;
esac
pass
