# Through vhost_vdpa with the userspace harness as the guest, on the rdma
# backend (donor on rxe loopback in this VM): patterns across many chunks read
# back byte-exact, unwritten sectors are zeros, discard and reset give every
# chunk back to the donor (its owner table is empty, the lease slot released),
# unmapped or read-only IOVAs are refused with IOERR.
# vms: 1
# timeout: 600
. /tests/vm/t/vhost.inc
. /tests/vm/t/appliance.inc
rxe_up
appliance_start --memory 64M --chunk-size 1M --no-hugepages
vhost_load
modprobe vhost_vdpa || fail "modprobe vhost_vdpa"
vhost_dev_add_rdma rmem0 $((48 << 20)) 0x2001
vhost_bind rmem0 vhost_vdpa
cdev=$(vhost_chardev rmem0) || fail "no /dev/vhost-vdpa-N for rmem0"
log "rmem0 is $cdev"
check "harness io" rmem-vhost-harness io "$cdev"
[ "$(vhost_rdma rmem0 allocs)" -gt 0 ] || fail "no donor chunk was allocated"
[ "$(vhost_stat rmem0 chunks)" = 0 ] || fail "$(vhost_stat rmem0 chunks) chunks left after discard + reset"
[ "$(owners_used)" = 0 ] || fail "donor owner table has $(owners_used) used words after discard + reset"
tc dump --slots | grep -q "device 8193 " && fail "reset left the device's lease slot claimed"
[ "$(vhost_stat rmem0 writes)" -gt 0 ] || fail "no writes counted"
[ "$(vhost_stat rmem0 err_access)" -ge 3 ] || fail "err_access $(vhost_stat rmem0 err_access), want >= 3"
[ "$(vhost_stat rmem0 err_range)" -ge 1 ] || fail "err_range not counted"
[ "$(vhost_stat rmem0 err_backend)" = 0 ] || fail "backend errors: $(vhost_stat rmem0 err_backend)"
check "vdpa dev del" vdpa dev del rmem0
check "rmmod" rmmod vhost_rmem
appliance_stop
pass
