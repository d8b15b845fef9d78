# Through vhost_vdpa with the userspace harness as the guest (ram backend):
# patterns across many chunks read back byte-exact, unwritten sectors are
# zeros, discard empties the device, GET_ID/FLUSH answer, unmapped or
# read-only IOVAs are refused with IOERR.
# vms: 1
# timeout: 300
# shellcheck shell=sh
. /tests/lib/vhost.inc
vhost_up vhost_vdpa
vhost_harness_dev ram rmem0 $((128 << 20)) 0x2001
log "rmem0 is $cdev"
check "harness io" rmem-vhost-harness io "$cdev"
[ "$(vhost_stat rmem0 chunks)" = 0 ] || fail "$(vhost_stat rmem0 chunks) chunks left after discard + reset"
[ "$(vhost_stat rmem0 writes)" -gt 0 ] || fail "no writes counted"
[ "$(vhost_stat rmem0 err_access)" -ge 3 ] || fail "err_access $(vhost_stat rmem0 err_access), want >= 3"
[ "$(vhost_stat rmem0 err_range)" -ge 1 ] || fail "err_range not counted"
check "vdpa dev del" vdpa dev del rmem0
check "rmmod" rmmod vhost_rmem
pass
