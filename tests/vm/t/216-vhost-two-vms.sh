# The donor in a second VM (role b) over the emulated UDP link; vhost_rmem in
# role a serves a virtio_blk disk from it: fio verifies data, the map matches
# the donor's owner table, delete gives every chunk back.
# vms: 2
# timeout: 900
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
appliance_peer_donor
tc info >/dev/null || fail "cannot reach the donor in the other VM"
vhost_rdma_disk rmem0 "$((16 << 20))" 0x6001
fio_verify "fio 4k randwrite + verify across VMs" rand4k /dev/$vd /tmp/fio1.log --ioengine=libaio \
	--iodepth=4 --rw=randwrite --bs=4k --size=2M --do_verify=1 --randrepeat=1
vhost_map_matches_owners rmem0 || fail "map and the remote owner table differ"
check "vdpa dev del" vdpa dev del rmem0
[ "$(owners_used)" = 0 ] || fail "delete left $(owners_used) chunks on the remote donor"
check "rmmod" rmmod vhost_rmem
pass
