# Free chunks are zeros, so a first write pays no chunk clearing and no
# tenant ever reads another's bytes, even through a rebuilt map (which counts
# every block of a chunk as written).  On a small donor, every chunk is
# dirtied and freed by each kind of freer in turn: a host discard and a host
# delete (vhost_rmem clears before it frees: rdma/chunk_clears; writes into
# fresh chunks clear nothing), then the reaper (a client fills every chunk
# with patterns and exits; its lease expires).  After each, a device with
# keep_chunks writes one 4 KiB block into every chunk of the donor, is
# deleted and re-created with the same id: the rebuilt map reads back
# exactly those blocks, and zeros everywhere else.  Last, a block zeroed with
# WRITE_ZEROES in a chunk that keeps other data reads zeros through a rebuilt
# map too (before the fix only the host's live bit went, and the donor kept
# the old bytes).  First of all, the 3 s lease is refused to operations
# bounded by the default 5 s, accepted with 500 ms.
# vms: 1
# timeout: 900
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
rxe_up
appliance_start --memory 24M --chunk-size 1M --no-hugepages --lease-timeout 3s
n=$(tc info | sed -n 's/^chunks \([0-9]*\) .*/\1/p')
[ -n "$n" ] && [ "$n" -ge 8 ] || fail "donor has '$n' chunks"
log "donor: $n chunks of 1 MiB"

# adopt_check ID: a device (keep_chunks) writes one 4 KiB block into every
# chunk of the donor, is deleted and re-created with the same id: the rebuilt
# map reads back exactly those blocks and zeros everywhere else.
adopt_check() {
	head -c 4096 /dev/urandom >/tmp/p4k
	vhost_dev_new rdma ac1 $((n << 20)) "$1"
	echo 1 >/sys/bus/vdpa/devices/ac1/rmem/keep_chunks || fail "set keep_chunks"
	vhost_bind ac1 virtio_vdpa
	vd=$(vhost_disk ac1) || fail "no disk for ac1"
	k=0
	: >/tmp/expect
	while [ $k -lt "$n" ]; do
		dd if=/tmp/p4k of=/dev/$vd bs=4k seek=$((k * 256)) oflag=direct 2>/dev/null ||
			fail "write 4 KiB into chunk $k"
		cat /tmp/p4k >>/tmp/expect
		head -c $(((1 << 20) - 4096)) /dev/zero >>/tmp/expect
		k=$((k + 1))
	done
	[ "$(owners_used)" = "$n" ] || fail "$(owners_used) of $n donor chunks used by ac1"
	check "vdpa dev del ac1 (keep_chunks)" vdpa dev del ac1
	vhost_dev_new rdma ac2 $((n << 20)) "$1"
	vhost_bind ac2 virtio_vdpa
	vd=$(vhost_disk ac2) || fail "no disk for ac2"
	check "read the adopted device" dd if=/dev/$vd of=/tmp/got bs=1M count="$n" iflag=direct
	[ "$(vhost_rdma ac2 rebuilt)" = "$n" ] || fail "rebuilt $(vhost_rdma ac2 rebuilt) chunks, want $n"
	cmp /tmp/expect /tmp/got || fail "$2: a rebuilt chunk reads bytes nobody wrote to it"
	check "vdpa dev del ac2" vdpa dev del ac2
	[ "$(owners_used)" = 0 ] || fail "$(owners_used) chunks left after ac2"
}

# 0. A 3 s lease is too short for operations bounded by the default 5 s
# (rdma_timeout_ms): a write in flight at the fence point could land after
# the reaper gave its chunk away.  The module refuses that donor and says
# what to change; with rdma_timeout_ms=500 the fence fits the lease.
vhost_up virtio_vdpa virtio_blk
vhost_dev_new rdma tmo $((4 << 20)) 0x2230
echo virtio_vdpa >/sys/bus/vdpa/devices/tmo/driver_override || fail "driver_override of tmo"
echo tmo >/sys/bus/vdpa/drivers_probe 2>/dev/null
ls /sys/bus/vdpa/devices/tmo/virtio*/block >/dev/null 2>&1 &&
	fail "a device got a disk on a donor whose lease its operation timeout outlives"
dmesg | grep -q "reaps leases after 3000 ms, too soon for operations bounded by rdma_timeout_ms=5000.*lower rdma_timeout_ms below 600" ||
	{ dmesg | tail; fail "the refusal does not say what to change"; }
[ "$(owners_used)" = 0 ] || fail "the refused device holds $(owners_used) chunks"
check "vdpa dev del tmo" vdpa dev del tmo
echo 500 >/sys/module/vhost_rmem/parameters/rdma_timeout_ms || fail "set rdma_timeout_ms"

# 1. A host discard and a host delete, each over half of the chunks.
vhost_dev_new rdma rmem0 $((n << 20)) 0x2231
vhost_bind rmem0 virtio_vdpa
vd=$(vhost_disk rmem0) || fail "no disk for rmem0"
half=$((n / 2))
check "random data over all chunks" dd if=/dev/urandom of=/dev/$vd bs=1M count="$n" oflag=direct
[ "$(vhost_rdma rmem0 chunk_clears)" = 0 ] || fail "writes into fresh chunks cleared $(vhost_rdma rmem0 chunk_clears) chunks"
[ "$(vhost_stat rmem0 chunks)" = "$n" ] || fail "$(vhost_stat rmem0 chunks) chunks held, want $n"
check "discard the first half" blkdiscard -o 0 -l $((half << 20)) /dev/$vd
[ "$(vhost_rdma rmem0 chunk_clears)" = "$half" ] ||
	fail "discard freed $half chunks but cleared $(vhost_rdma rmem0 chunk_clears)"
[ "$(vhost_rdma rmem0 frees)" = "$half" ] || fail "frees $(vhost_rdma rmem0 frees), want $half"
check "vdpa dev del rmem0 (frees the rest)" vdpa dev del rmem0
[ "$(owners_used)" = 0 ] || fail "$(owners_used) chunks left after the delete"
adopt_check 0x2232 "after host frees"

# 2. The reaper: a client fills every chunk with patterns and dies.
check "client fills all $n chunks" tc -D 119 write -n "$n" --seed 7
[ "$(owners_used)" = "$n" ] || fail "$(owners_used) of $n chunks used after the client's fill"
i=0
while [ "$(owners_used)" != 0 ]; do
	i=$((i + 1))
	[ $i -lt 60 ] || { tc dump; fail "the reaper did not free the dead client's chunks in 30 s"; }
	sleep 0.5
done
adopt_check 0x2233 "after the reaper's frees"
# 3. WRITE_ZEROES over a block of a chunk that keeps other data: the host
# answers zeros at once, and so must the donor's copy, read through a
# rebuilt map (which counts every block as written).
head -c 8192 /dev/urandom >/tmp/p8k
vhost_dev_new rdma wz1 $((n << 20)) 0x2234
echo 1 >/sys/bus/vdpa/devices/wz1/rmem/keep_chunks || fail "set keep_chunks"
vhost_bind wz1 virtio_vdpa
vd=$(vhost_disk wz1) || fail "no disk for wz1"
check "write blocks 0 and 1" dd if=/tmp/p8k of=/dev/$vd bs=8k count=1 oflag=direct
check "WRITE_ZEROES block 0" /usr/bin/blkdiscard -z -o 0 -l 4096 /dev/$vd
[ "$(vhost_stat wz1 write_zeroes)" -ge 1 ] || fail "blkdiscard -z sent no WRITE_ZEROES"
check "vdpa dev del wz1 (keep_chunks)" vdpa dev del wz1
vhost_dev_new rdma wz2 $((n << 20)) 0x2234
vhost_bind wz2 virtio_vdpa
vd=$(vhost_disk wz2) || fail "no disk for wz2"
check "read blocks 0 and 1 back" dd if=/dev/$vd of=/tmp/got bs=8k count=1 iflag=direct
{ head -c 4096 /dev/zero; tail -c 4096 /tmp/p8k; } >/tmp/expect
cmp /tmp/expect /tmp/got || fail "a zeroed block reads its old data through a rebuilt map"
check "vdpa dev del wz2" vdpa dev del wz2
[ "$(owners_used)" = 0 ] || fail "$(owners_used) chunks left at the end"
check "rmmod" rmmod vhost_rmem
appliance_stop
pass
