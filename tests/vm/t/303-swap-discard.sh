# swapon --discard with virtio_rmem: after the program whose pages were in
# swap exits, swap discards its freed clusters and the host frees the chunks
# behind them (ram backend: stats/chunks; rdma backend: the donor's owner
# table) - and without --discard the chunks stay, so the discard did it.
# vms: 1
# timeout: 1200
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
. /tests/lib/guest.inc
WS=32

swap_drained() { [ "$(rg_swap_used_kb)" = 0 ]; }

# chunks_after_exit DISK SWAPON_ARGS: swap a working set out and in, then
# prints the chunks the host holds once swap is empty again (bounded wait
# for the discard work).
chunks_after_exit() {
	check "mkswap" mkswap /dev/$1
	check "swapon $2" swapon $2 /dev/$1
	rg_memstress "ms-discard$2" $WS >/dev/null
	[ "$RG_MS_RC" = 0 ] || fail "memstress failed (exit $RG_MS_RC)"
	[ "$RG_SWAP_KB" -ge $((WS * 1024 / 2)) ] || fail "only $RG_SWAP_KB KiB went to swap"
	# rg_memstress reclaimed the exited group's swap cache: slots are free.
	# A few pages of other processes may sit in swap too: each can pin at
	# most one chunk, so that many chunks may legitimately stay.
	retry 50 0.2 swap_drained
	LEFT=$(($(rg_swap_used_kb) / 4))
	# Discards of freed clusters run from a work item: wait for them (bounded).
	[ -n "$2" ] && retry 150 0.2 sh -c "[ \$(cat /sys/bus/vdpa/devices/$RG_DEV/stats/chunks) -le $LEFT ]"
	CH=$(rg_host_stat chunks)
	log "swap $2: $CH chunks held after exit, $LEFT pages still in swap"
	check "swapoff" swapoff /dev/$1
}

rg_host $((128 << 20)) 0x3301
rg_bind_rmem
chunks_after_exit $RG_DISK ""
log "without --discard: $CH chunks held after exit"
[ "$CH" -gt 0 ] || fail "no chunks held without discard: the control proves nothing"
CONTROL=$CH
check "blkdiscard (reset)" blkdiscard /dev/$RG_DISK
[ "$(rg_host_stat chunks)" = 0 ] || fail "blkdiscard left chunks"
d0=$(rg_stat discards)
chunks_after_exit $RG_DISK -d
log "with --discard: $CH chunks held after exit, $(($(rg_stat discards) - d0)) discards sent"
[ "$CH" -le "$LEFT" ] && [ "$CH" -lt "$CONTROL" ] ||
	fail "$CH chunks still held after exit with swapon --discard ($LEFT pages in swap, $CONTROL without discard)"
check "vdpa dev del" vdpa dev del $RG_DEV

rxe_up
appliance_start --memory 64M --chunk-size 1M --no-hugepages
RG_DEV=rmem1
if rg_host_rdma $RG_DEV $((64 << 20)) 0x3302; then
	rg_bind_rmem
	chunks_after_exit $RG_DISK -d
	log "rdma with --discard: device holds $CH chunks, donor owner table $(owners_used)"
	[ "$CH" -le "$LEFT" ] || fail "$CH chunks still held after exit (rdma, $LEFT pages in swap)"
	[ "$(owners_used)" = "$CH" ] || fail "donor has $(owners_used) chunks in use, device holds $CH"
	check "vdpa dev del" vdpa dev del $RG_DEV
else
	vdpa dev del $RG_DEV
	rg_skip_part "rdma backend: $RG_NO_RDMA"
fi
appliance_stop
rg_pass
