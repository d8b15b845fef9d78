# The same image booted through pxelinux (e1000 NIC, Debian's pxelinux.0 and
# pxelinux.cfg/default) reaches "serving" and answers a host.
# vms: 2
# timeout: 300
# shellcheck shell=sh
. /tests/lib/appliance.inc
[ "$RMEM_ROLE" = a ] || fail "role b is the PXE-booted appliance, not this script"
appliance_peer_wait "the pxelinux-booted donor"
check "alloc/write/read/free against the pxelinux-booted donor" tc -D 8 basic -n 4
pass
