# Through vhost_vdpa with the userspace harness as the guest, on the rdma
# backend (donor on rxe loopback in this VM): patterns across many chunks read
# back byte-exact (also across chunk boundaries, one round trip per 64 KiB
# window; again with 16 KiB chunks, several in a window), unwritten sectors
# are zeros, discard and reset give every chunk back to the donor (its owner
# table is empty, the lease slot released), unmapped or read-only IOVAs are
# refused with IOERR.
# vms: 1
# timeout: 600
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
vhost_donor_here 64M
vhost_up vhost_vdpa
vhost_harness_dev rdma rmem0 $((48 << 20)) 0x2001
log "rmem0 is $cdev"
check "harness io" rmem-vhost-harness io "$cdev"
[ "$(vhost_rdma rmem0 allocs)" -gt 0 ] || fail "no donor chunk was allocated"
[ "$(vhost_stat rmem0 chunks)" = 0 ] || fail "$(vhost_stat rmem0 chunks) chunks left after discard + reset"
[ "$(owners_used)" = 0 ] || fail "donor owner table has $(owners_used) used words after discard + reset"
tc dump --slots | grep -q "device 8193 " && fail "reset left the device's lease slot claimed"
[ "$(vhost_stat rmem0 writes)" -gt 0 ] || fail "no writes counted"
# Data moves go per 64 KiB window of a request, not per 4 KiB block: the
# harness's 64 KiB requests at odd sectors touch 17 blocks in 2 windows.
reqs=$(($(vhost_stat rmem0 reads) + $(vhost_stat rmem0 writes)))
posts=$(vhost_rdma rmem0 data_posts) wrs=$(vhost_rdma rmem0 data_wrs)
log "$reqs read/write requests, $posts data round trips, $wrs RDMA READ/WRITE WRs"
[ "$posts" -gt 0 ] && [ "$wrs" -ge "$posts" ] || fail "data_posts $posts, data_wrs $wrs"
[ "$posts" -le $((2 * reqs)) ] || fail "$posts round trips for $reqs requests: not batched per window"
[ "$(vhost_stat rmem0 err_access)" -ge 3 ] || fail "err_access $(vhost_stat rmem0 err_access), want >= 3"
[ "$(vhost_stat rmem0 err_range)" -ge 1 ] || fail "err_range not counted"
[ "$(vhost_stat rmem0 err_backend)" = 0 ] || fail "backend errors: $(vhost_stat rmem0 err_backend)"
check "vdpa dev del" vdpa dev del rmem0

# 16 KiB chunks: a 64 KiB window spans four chunks, one WR (at least) each.
appliance_stop
appliance_start --memory 64M --chunk-size 16K --no-hugepages
vhost_harness_dev rdma rmem1 $((48 << 20)) 0x2002 14
check "harness io, 16 KiB chunks" rmem-vhost-harness io "$cdev"
reqs=$(($(vhost_stat rmem1 reads) + $(vhost_stat rmem1 writes)))
posts=$(vhost_rdma rmem1 data_posts) wrs=$(vhost_rdma rmem1 data_wrs)
log "16 KiB chunks: $reqs requests, $posts data round trips, $wrs WRs, $(vhost_rdma rmem1 allocs) chunks allocated"
[ "$(vhost_rdma rmem1 allocs)" -gt 100 ] || fail "only $(vhost_rdma rmem1 allocs) chunks allocated"
[ "$posts" -le $((2 * reqs)) ] || fail "$posts round trips for $reqs requests: not batched per window"
[ "$(owners_used)" = 0 ] || fail "donor owner table has $(owners_used) used words after discard + reset"
[ "$(vhost_stat rmem1 err_backend)" = 0 ] || fail "backend errors: $(vhost_stat rmem1 err_backend)"
check "vdpa dev del" vdpa dev del rmem1
check "rmmod" rmmod vhost_rmem
appliance_stop
pass
