# The donor runs in one VM (role b), the client in another (role a), joined
# by the emulated link: connect, allocate, write, read back, rebuild the map
# from the owner table, free, over the network.
# vms: 2
# timeout: 300
# shellcheck shell=sh
. /tests/lib/appliance.inc
appliance_peer_donor
tc info || fail "cannot reach the donor in the other VM"
out=$(tc -D 1 basic -n 16 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] || fail "alloc/write/read/free across VMs failed"
check "fill 4 chunks across VMs" tc -D 2 -n 4 write --seed 3 --state /tmp/state
out=$(tc reconnect --state /tmp/state 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] || fail "map rebuild + verify across VMs failed (exit $rc)"
check "detach device 2" tc -D 2 detach
used=$(owners_used)
[ "$used" = 0 ] || fail "owner table has $used used words at the end"
pass
