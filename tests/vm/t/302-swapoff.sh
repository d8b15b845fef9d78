# swapoff with virtio_rmem: while a verified working set is mostly in swap on
# /dev/rmem0, rmmod virtio_rmem is refused (the swap device holds the
# module); swapoff brings every page back (swap empty, the pages verify
# after it); the device then deletes cleanly and the module unloads.
# vms: 1
# timeout: 900
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/guest.inc
WS=48
rg_host $((128 << 20)) 0x3201
rg_bind_rmem
rg_swapon

swapoff_now() {
	rmmod virtio_rmem 2>/tmp/rmmod.err && fail "rmmod virtio_rmem succeeded under an active swap device"
	log "rmmod refused as it must: $(cat /tmp/rmmod.err)"
	[ "$RG_SWAP_KB" -ge $((WS * 1024 / 2)) ] || fail "only $RG_SWAP_KB KiB in swap before swapoff"
	# swapoff charges what it brings back to the owner's cgroup: lift the limit.
	echo max >"$_cg/memory.high" || fail "lift memory.high"
	r0=$(rg_stat reads)
	check "swapoff with $RG_SWAP_KB KiB in swap" swapoff /dev/$RG_DISK
	grep -q "^/dev/$RG_DISK " /proc/swaps && fail "/dev/$RG_DISK still in /proc/swaps"
	[ "$(rg_swap_used_kb)" = 0 ] || fail "$(rg_swap_used_kb) KiB still in swap after swapoff"
	SWAPOFF_READS=$(($(rg_stat reads) - r0))
	log "swapoff read $SWAPOFF_READS requests back from the device"
}
rg_memstress ms-swapoff $WS swapoff_now
[ "$RG_MS_RC" = 0 ] || fail "pages differ after swapoff (memstress exit $RG_MS_RC)"
[ "$SWAPOFF_READS" -gt 0 ] || fail "swapoff read nothing from the device"
[ "$(rg_stat errors)" = 0 ] || fail "virtio_rmem counted $(rg_stat errors) errors"
rg_no_host_errors
rg_del_unload
pass
