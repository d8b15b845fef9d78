# The donor dies (SIGKILL) under I/O: requests fail with IOERR within the
# timeout (rdma_timeout_ms, default 5 s; usually at once, on the donor's
# DISCONNECTED), nothing hangs.  The donor restarts with a new boot epoch: the
# device reconnects, detects the epoch change, and the old data fails loudly
# (IOERR, never zeros); new writes work; discarding the lost range clears it.
# vms: 1
# timeout: 600
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
rxe_up
appliance_start --memory 64M --chunk-size 1M --no-hugepages
vhost_rdma_disk rmem0 "$((32 << 20))" 0x5001
check "write 4 MiB" dd if=/dev/urandom of=/dev/$vd bs=1M count=4 oflag=direct
e1=$(vhost_rdma rmem0 epoch)

# The writer rewrites 8-24 MiB until a write fails: however fast the device
# is, it is writing when the donor dies.
(while dd if=/dev/urandom of=/dev/$vd bs=64k seek=128 count=256 oflag=direct 2>/tmp/writer.err; do :; done) &
writer=$!
sleep 2
log "killing the donor (pid $RMEM_APP_PID) under I/O"
kill -9 "$RMEM_APP_PID"
wait "$RMEM_APP_PID" 2>/dev/null
i=0
while kill -0 $writer 2>/dev/null && [ $i -lt 600 ]; do
	i=$((i + 1))
	sleep 0.1
done
kill -0 $writer 2>/dev/null && fail "the writer still runs 60 s after the donor died (hang)"
wait $writer
log "writer stopped after ~$((i / 10)) s: $(tr '\n' ' ' </tmp/writer.err)"
grep -q "Input/output error" /tmp/writer.err || fail "the writer saw no I/O error after the donor died"
[ "$(vhost_stat rmem0 err_backend)" -gt 0 ] || fail "no backend error counted"
dd if=/dev/$vd of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null && fail "read of donor data succeeded with the donor dead"
state=$(vhost_rdma rmem0 state)
[ "$state" = down ] || [ "$state" = connecting ] || fail "rdma state '$state' with the donor dead"

appliance_start --memory 64M --chunk-size 1M --no-hugepages
vhost_wait_connected rmem0 30 || fail "no reconnect within 30 s of the donor's restart"
e2=$(vhost_rdma rmem0 epoch)
log "epoch $e1 -> $e2, lost chunks $(vhost_rdma rmem0 lost_chunks)"
[ "$e1" != "$e2" ] || fail "the epoch did not change"
[ "$(vhost_rdma rmem0 epoch_changes)" = 1 ] || fail "epoch_changes $(vhost_rdma rmem0 epoch_changes)"
[ "$(vhost_rdma rmem0 lost_chunks)" -ge 4 ] || fail "lost_chunks $(vhost_rdma rmem0 lost_chunks), want >= 4"
out=$(dd if=/dev/$vd bs=4k count=1 iflag=direct 2>&1 | tr -d '\000')
dd if=/dev/$vd of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null &&
	fail "old data read back after the donor lost it (must be IOERR, never zeros)"
check "new writes work after the epoch change" dd if=/dev/urandom of=/tmp/new bs=1M count=1
# 5 MiB: a chunk neither the first write (0-4 MiB) nor the writer (8 MiB on)
# touched, so it cannot be one of the lost chunks, whenever the kill lands.
check "write 1 MiB at 5 MiB" dd if=/tmp/new of=/dev/$vd bs=1M seek=5 oflag=direct
[ "$(dd if=/dev/$vd bs=1M skip=5 count=1 iflag=direct 2>/dev/null | md5sum)" = "$(md5sum </tmp/new)" ] ||
	fail "new data does not read back"
check "discard the lost range" blkdiscard -o 0 -l $((4 << 20)) /dev/$vd
nz=$(dd if=/dev/$vd bs=1M count=4 iflag=direct 2>/dev/null | tr -d '\000' | wc -c)
[ "$nz" = 0 ] || fail "discarded lost range reads $nz non-zero bytes"
check "vdpa dev del" vdpa dev del rmem0
check "rmmod" rmmod vhost_rmem
appliance_stop
pass
