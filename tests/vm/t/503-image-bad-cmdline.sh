# Garbage rmem.* values on the donor's kernel command line: each is named on
# its console with the default kept, and the donor still serves this host.
# vms: 2
# timeout: 300
# shellcheck shell=sh
. /tests/lib/appliance.inc
[ "$RMEM_ROLE" = a ] || fail "role b is the appliance image, not this script"
appliance_peer_wait "the donor with a bad command line"
check "alloc/write/read/free against the donor" tc -D 9 basic -n 4
pass
