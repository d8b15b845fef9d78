# The host's RDMA device goes away under a connected device (an operator's
# `rdma link delete`, a driver unbind): the removal completes at once (the
# module gives up its QP, CQ, PD and cm_id on RDMA_CM_EVENT_DEVICE_REMOVAL's
# break, instead of holding the device), I/O fails with IOERR instead of
# hanging, and when the link comes back the device reconnects by itself:
# same donor boot, lease still held, the data written before reads back.
# Donor in VM b, so only the module uses the removed device in VM a.
# vms: 2
# timeout: 600
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
rxe_up
if [ "$RMEM_ROLE" = b ]; then
	appliance_start --memory 64M --chunk-size 1M --no-hugepages --lease-timeout 60s
	peer_ready
	serve_forever
fi
wait_peer
RMEM_DONOR=$RMEM_PEER_IP
export RMEM_DONOR
vhost_rdma_disk rmem0 "$((16 << 20))" 0x7001
check "make a pattern" dd if=/dev/urandom of=/tmp/pat bs=1M count=2
check "write 2 MiB" dd if=/tmp/pat of=/dev/$vd bs=1M oflag=direct
e1=$(vhost_rdma rmem0 epoch)

log "removing rxe0 under the connected device"
check "rdma link delete rxe0 (bounded: 30 s)" timeout 30 rdma link delete rxe0
i=0
while [ "$(vhost_rdma rmem0 state)" = connected ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
state=$(vhost_rdma rmem0 state)
[ "$state" = down ] || [ "$state" = connecting ] || fail "rdma state '$state' without an RDMA device"
timeout 30 dd if=/dev/$vd of=/dev/null bs=4k count=1 iflag=direct 2>/tmp/dd.err
rc=$?
[ $rc = 124 ] && fail "a read hung without the RDMA device"
[ $rc != 0 ] || fail "a read of donor data succeeded without the RDMA device"
grep -q "Input/output error" /tmp/dd.err || fail "no IOERR: $(cat /tmp/dd.err)"

log "adding rxe0 back"
rxe_up
vhost_wait_connected rmem0 30 || fail "no reconnect within 30 s of the link's return"
log "reconnected after ~$((i / 10)) s; connects $(vhost_rdma rmem0 connects), disconnects $(vhost_rdma rmem0 disconnects)"
[ "$(vhost_rdma rmem0 epoch)" = "$e1" ] || fail "epoch changed: the donor did not restart"
[ "$(vhost_rdma rmem0 lost_chunks)" = 0 ] || fail "$(vhost_rdma rmem0 lost_chunks) chunks marked lost"
[ "$(dd if=/dev/$vd bs=1M count=2 iflag=direct 2>/dev/null | md5sum)" = "$(md5sum </tmp/pat)" ] ||
	fail "data written before the removal does not read back"
vhost_map_matches_owners rmem0 || fail "map and the remote owner table differ"
check "vdpa dev del" vdpa dev del rmem0
[ "$(owners_used)" = 0 ] || fail "delete left $(owners_used) chunks on the remote donor"
check "rmmod" rmmod vhost_rmem
pass
