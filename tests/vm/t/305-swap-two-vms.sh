# Swap across two VMs: the donor runs in VM b; VM a's vhost_rmem device uses
# it over the emulated link (rxe on both ends), virtio_rmem swaps on it, the
# verified memstress passes and the donor's owner table - read with one-sided
# RDMA from VM a - holds the chunks while the working set is out.  Needs the
# rdma backend: skips loudly without.
# vms: 2
# timeout: 1500
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
. /tests/lib/guest.inc
appliance_peer_donor
tc info >/dev/null || fail "cannot reach the donor in the other VM"
vhost_up virtio_vdpa
rg_host_rdma $RG_DEV $((48 << 20)) 0x3501 || skip "two-VM swap needs the rdma backend: $RG_NO_RDMA"
rg_bind_rmem
rg_swapon
owners_during() {
	RG_OWNERS=$(owners_used)
	log "donor in VM b: $RG_OWNERS chunks in use while $RG_SWAP_KB KiB are in swap"
}
WS=24
rg_memstress ms-2vm $WS owners_during
[ "$RG_MS_RC" = 0 ] || fail "memstress mismatches across VMs (exit $RG_MS_RC)"
[ "$RG_SWAP_KB" -ge $((WS * 1024 / 2)) ] || fail "only $RG_SWAP_KB KiB went to swap"
[ "$RG_OWNERS" -ge $((RG_SWAP_KB / 1024)) ] || fail "donor holds $RG_OWNERS chunks for $RG_SWAP_KB KiB"
[ "$(rg_stat errors)" = 0 ] || fail "driver errors: $(rg_stat errors)"
check "swapoff" swapoff /dev/$RG_DISK
check "vdpa dev del" vdpa dev del $RG_DEV
[ "$(owners_used)" = 0 ] || fail "donor still has $(owners_used) chunks after delete"
pass
