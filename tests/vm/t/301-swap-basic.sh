# Swap end to end on one vhost_rmem device, with each driver: stock
# virtio_blk, then virtio_rmem (moved over with the documented unbind/bind
# command).  mkswap + swapon; rmem-memstress in a cgroup whose memory.high is
# 25 % of its working set writes seeded pages, reads them all back twice and
# verifies: 0 mismatches.  Swap usage, the guest driver's and the host
# device's counters show the pages went to the device.  Then the same on the
# rdma backend with a donor on rxe loopback, where the donor's owner table
# shows the chunks (skipped loudly if vhost_rmem has no rdma backend).
# vms: 1
# timeout: 1200
# mem: 1G
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
. /tests/lib/guest.inc
WS=48	# MiB of working set; memory.high = 12 MiB

# swap_run DISK LABEL: mkswap/swapon DISK, run memstress, check, swapoff.
swap_run() {
	check "mkswap /dev/$1" mkswap /dev/$1
	check "swapon /dev/$1" swapon /dev/$1
	grep -q "^/dev/$1 " /proc/swaps || fail "$2: /dev/$1 not in /proc/swaps"
	hw0=$(rg_host_stat write_bytes)
	hr0=$(rg_host_stat read_bytes)
	rg_memstress "ms-$2" $WS "${3:-}"
	[ "$RG_MS_RC" = 0 ] || fail "$2: memstress found mismatches or failed (exit $RG_MS_RC)"
	# 75 % of the working set cannot be in memory: at least half of it must
	# have been in swap once everything was written.
	[ "$RG_SWAP_KB" -ge $((WS * 1024 / 2)) ] || fail "$2: only $RG_SWAP_KB KiB in swap with ${WS} MiB at 25 %"
	[ "$RG_PSWPOUT" -gt $((WS * 256 / 2)) ] || fail "$2: only $RG_PSWPOUT pages swapped out"
	[ "$RG_PSWPIN" -gt 0 ] || fail "$2: nothing swapped in"
	hw=$(($(rg_host_stat write_bytes) - hw0))
	hr=$(($(rg_host_stat read_bytes) - hr0))
	log "$2: host device wrote $hw bytes, read $hr bytes"
	[ "$hw" -ge $((RG_PSWPOUT * 4096)) ] || fail "$2: host saw $hw bytes written for $RG_PSWPOUT pages out"
	[ "$hr" -gt 0 ] || fail "$2: host device read nothing back"
	[ "$(rg_host_stat chunks)" -gt 0 ] || fail "$2: host holds no chunks"
	check "swapoff /dev/$1" swapoff /dev/$1
}

rg_host $((128 << 20)) 0x3101

# --- stock virtio_blk
rg_bind_blk
swap_run "$RG_DISK" virtio_blk
rg_no_host_errors

# --- virtio_rmem, moved over by hand
rg_move_to_rmem
r0=$(rg_stat requests)
swap_run "$RG_DISK" virtio_rmem
for f in requests reads writes vq_requests merges polls poll_hits errors discards; do
	log "virtio_rmem $f = $(rg_stat $f)"
done
[ "$(rg_stat errors)" = 0 ] || fail "virtio_rmem counted $(rg_stat errors) errors"
[ "$(rg_stat reads)" -gt 0 ] && [ "$(rg_stat writes)" -gt 0 ] || fail "virtio_rmem counters did not move"
[ "$(rg_stat requests)" -gt "$r0" ] || fail "no requests through virtio_rmem"
rg_no_host_errors
check "vdpa dev del $RG_DEV" vdpa dev del $RG_DEV

# --- virtio_rmem on the rdma backend: the donor's owner table holds the pages
rxe_up
appliance_start --memory 96M --chunk-size 1M --no-hugepages
RG_DEV=rmem1
owners_during() {
	RG_OWNERS=$(owners_used)
	log "donor owner table: $RG_OWNERS chunks in use while the working set is out"
}
if rg_host_rdma $RG_DEV $((96 << 20)) 0x3102; then
	rg_bind_rmem
	[ "$(rg_stat backend)" = rdma ] || fail "driver reports backend $(rg_stat backend)"
	swap_run "$RG_DISK" rdma owners_during
	[ "$RG_OWNERS" -gt 0 ] || fail "donor owner table empty while $RG_SWAP_KB KiB were in swap"
	# Chunks of 1 MiB: what was in swap needs at least that many.
	[ "$RG_OWNERS" -ge $((RG_SWAP_KB / 1024)) ] || fail "donor holds $RG_OWNERS chunks for $RG_SWAP_KB KiB"
	vhost_map_matches_owners $RG_DEV || fail "device map and donor owner table differ"
	rg_no_host_errors
	check "vdpa dev del $RG_DEV" vdpa dev del $RG_DEV
	[ "$(owners_used)" = 0 ] || fail "donor still has $(owners_used) chunks after delete"
else
	vdpa dev del $RG_DEV
	rg_skip_part "rdma backend: $RG_NO_RDMA"
fi
appliance_stop
rg_pass
