# Donor lost under swap: virtio_rmem swaps onto an rdma-backed device; a
# victim's working set is out on the donor when the donor is killed (-9).
# The victim, touching its lost pages, must get an error - SIGBUS - never
# silently wrong data; a bystander process whose pages are in RAM survives;
# no oops, no hang (the harness fails the test on either); swapoff and the
# device delete then complete.  Needs the rdma backend: skips loudly without.
# vms: 1
# timeout: 900
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
. /tests/lib/guest.inc
vhost_donor_here 64M
vhost_up virtio_vdpa
rg_host_rdma $RG_DEV $((64 << 20)) 0x3401 || skip "donor loss needs the rdma backend: $RG_NO_RDMA"
rg_bind_rmem
rg_swapon

# The bystander: its own verified pages, no memory limit, so they stay in RAM.
rmem-memstress --size 8M --seed 7 --pause >/tmp/bystander.log 2>&1 &
by=$!
retry 100 0.2 grep -q paused /tmp/bystander.log || fail "bystander did not start"

kill_donor() {
	[ "$(owners_used)" -gt 0 ] || fail "nothing on the donor before killing it"
	log "killing the donor (pid $RMEM_APP_PID) with $RG_SWAP_KB KiB in swap"
	kill -KILL "$RMEM_APP_PID"
	wait "$RMEM_APP_PID" 2>/dev/null
}
rg_memstress ms-victim 32 kill_donor
case $RG_MS_RC in
135) log "victim got SIGBUS on its lost pages, as it must" ;;
0) fail "victim verified all pages although the donor holding them was killed" ;;
1) fail "victim read wrong data after donor loss (silent corruption)" ;;
*) fail "victim ended with exit $RG_MS_RC, not SIGBUS" ;;
esac
[ "$(rg_stat errors)" -gt 0 ] || fail "driver counted no errors after donor loss"
kill -USR1 $by
wait $by || { cat /tmp/bystander.log; fail "the bystander did not survive the donor loss"; }
log "bystander verified its pages and exited 0"
check "swapoff after donor loss" swapoff /dev/$RG_DISK
check "vdpa dev del after donor loss" vdpa dev del $RG_DEV
pass
