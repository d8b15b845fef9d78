# Garbage rmem.* values on the donor's kernel command line: each is named on
# its console with the default kept, and the donor still serves this host.
# vms: 2
# timeout: 300
. /tests/vm/t/appliance.inc
[ "$RMEM_ROLE" = a ] || fail "role b is the appliance image, not this script"
rxe_up
RMEM_DONOR=$RMEM_PEER_IP
export RMEM_DONOR
retry 90 2 tc -t 3000 info >/tmp/info 2>&1 || { cat /tmp/info; fail "the donor with a bad command line did not answer within 180 s"; }
cat /tmp/info
check "alloc/write/read/free against the donor" tc -D 9 basic -n 4
pass
