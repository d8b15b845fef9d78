# The same image booted through pxelinux (e1000 NIC, Debian's pxelinux.0 and
# pxelinux.cfg/default) reaches "serving" and answers a host.
# vms: 2
# timeout: 300
. /tests/vm/t/appliance.inc
[ "$RMEM_ROLE" = a ] || fail "role b is the PXE-booted appliance, not this script"
rxe_up
RMEM_DONOR=$RMEM_PEER_IP
export RMEM_DONOR
retry 90 2 tc -t 3000 info >/tmp/info 2>&1 || { cat /tmp/info; fail "the pxelinux-booted donor did not answer within 180 s"; }
cat /tmp/info
check "alloc/write/read/free against the pxelinux-booted donor" tc -D 8 basic -n 4
pass
