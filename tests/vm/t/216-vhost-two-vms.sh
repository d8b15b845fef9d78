# The donor in a second VM (role b) over the emulated UDP link; vhost_rmem in
# role a serves a virtio_blk disk from it: fio verifies data, the map matches
# the donor's owner table, delete gives every chunk back.
# vms: 2
# timeout: 900
. /tests/vm/t/vhost.inc
. /tests/vm/t/appliance.inc
rxe_up
if [ "$RMEM_ROLE" = b ]; then
	appliance_start --memory 64M --chunk-size 1M --no-hugepages
	peer_ready
	serve_forever
fi
wait_peer
RMEM_DONOR=$RMEM_PEER_IP
export RMEM_DONOR
tc info >/dev/null || fail "cannot reach the donor in the other VM"
vhost_rdma_disk rmem0 "$((16 << 20))" 0x6001
check "fio 4k randwrite + verify across VMs" fio --name=rand4k --filename=/dev/$vd --direct=1 \
	--ioengine=libaio --iodepth=4 --rw=randwrite --bs=4k --size=2M --verify=crc32c \
	--verify_fatal=1 --do_verify=1 --randrepeat=1 --output=/tmp/fio1.log
vhost_map_matches_owners rmem0 || fail "map and the remote owner table differ"
check "vdpa dev del" vdpa dev del rmem0
[ "$(owners_used)" = 0 ] || fail "delete left $(owners_used) chunks on the remote donor"
check "rmmod" rmmod vhost_rmem
pass
