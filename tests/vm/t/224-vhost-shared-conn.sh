# The devices of one host share their data connections to a donor: four
# rdma devices on one donor (stock virtio_blk on virtio_vdpa, a queue per
# vCPU), fio with verify=crc32c on all four at once on both vCPUs.  The
# donor then holds one control connection per device and one data
# connection per queue index (hosts x queues), not one per device and
# queue: the kernel's QP list (`rdma resource`) and the donor's own count
# (stats hosts_connected) agree; the first device made the data
# connections, the others joined them.  Deleting that first device while
# the other three run fio leaves their I/O unaffected (verified, no
# error), on the same connections.  Then one request of one device fails
# (fault knob fail_ops=1: its connection breaks under it) while two
# devices run fio on the shared connections: that request fails, every
# other request the break flushed is redone (rdma/retried) and succeeds,
# so one I/O error per injected failure reaches a guest, and a device
# none of whose own requests failed verifies clean.
# vms: 1
# timeout: 900
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
vhost_donor_here 160M
vhost_up virtio_vdpa virtio_blk
vhost_debugfs
host_qps() { rdma resource show qp | grep -c 'comm \[rdma_cm\]'; }
donor_qps() { rdma resource show qp | grep -c 'comm rmem-appliance'; }
# hosts_connected_is N: the donor's published count of host connections
# becomes N, or N + 1 (rmem-testclient's own, if the donor's stats tick
# fell while it was connected); bounded: the count lags by a reaper tick.
hosts_connected_is() {
	_i=0
	while [ $_i -lt 50 ]; do
		hc=$(stat_of hosts_connected)
		[ "$hc" = "$1" ] || [ "$hc" = $(($1 + 1)) ] && return 0
		_i=$((_i + 1))
		sleep 0.2
	done
	log "donor: hosts_connected $hc, want $1"
	return 1
}
# fio_job DISK NAME: verified 4 KiB randrw on both vCPUs (one job per queue).
fio_job() {
	fio --name="$2" --filename="/dev/$1" --direct=1 --ioengine=libaio --iodepth=16 \
		--numjobs=2 --rw=randrw --bs=4k --size=6M --offset_increment=8M \
		--cpus_allowed=0,1 --cpus_allowed_policy=split --do_verify=1 --randrepeat=1 \
		--verify=crc32c --verify_fatal=1 --group_reporting --eta=never \
		--output="/tmp/fio-$2.log"
}
fio_clean() { ! grep "err=" "/tmp/fio-$1.log" | grep -v "err= 0"; }

# new_disk N: rmemN on the donor, bound, connected; its disk in $vdN.
new_disk() {
	vhost_dev_new rdma rmem$1 $((32 << 20)) 0x224$1
	vhost_bind rmem$1 virtio_vdpa
	vd=$(vhost_disk rmem$1) || fail "no virtio_blk disk appeared for rmem$1"
	eval "vd$1=$vd"
	check "rmem$1 connected" vhost_wait_connected rmem$1 10
}

# rmem0 alone first: it makes the data connections (one per queue).
new_disk 0
nq=$(grep -c . /sys/bus/vdpa/devices/rmem0/stats/queues)
[ "$(nproc)" -ge 2 ] && [ "$nq" -ge 2 ] || fail "want 2 vCPUs and queues, have $(nproc) and $nq"
# shellcheck disable=SC2154 # vd0..vd3 are set by new_disk
check "fio on rmem0 alone" fio_job "$vd0" s0
check "rmem0: fio clean" fio_clean s0
[ "$(vhost_rdma rmem0 lane_connects)" = 2 ] ||
	fail "rmem0 made $(vhost_rdma rmem0 lane_connects) data connections for 2 queues"
for n in 1 2 3; do new_disk $n; done

fio_job "$vd1" s1 & p1=$!
fio_job "$vd2" s2 & p2=$!
fio_job "$vd3" s3 & p3=$!
check "fio on rmem0 beside the others" fio_job "$vd0" s0b
for p in $p1 $p2 $p3; do
	wait "$p" || fail "fio (pid $p) beside rmem0 failed"
done
for j in s0b s1 s2 s3; do check "$j: fio clean" fio_clean $j; done
cat /sys/kernel/debug/vhost_rmem/data_conns
rdma resource show qp
for n in 1 2 3; do
	[ "$(vhost_rdma rmem$n lane_connects)" = 0 ] ||
		fail "rmem$n made $(vhost_rdma rmem$n lane_connects) data connections of its own"
	[ "$(vhost_rdma rmem$n lane_joins)" -ge 2 ] ||
		fail "rmem$n joined $(vhost_rdma rmem$n lane_joins) data connections, want 2"
done
for n in 0 1 2 3; do
	[ "$(vhost_rdma rmem$n bounced)" = 0 ] || fail "rmem$n bounced $(vhost_rdma rmem$n bounced) requests"
	[ "$(vhost_stat rmem$n err_backend)" = 0 ] || fail "rmem$n: backend errors"
done
want=$((4 + 2))
log "QPs: host $(host_qps), donor $(donor_qps); without sharing: $((4 + 4 * 2))"
[ "$(host_qps)" = $want ] || fail "host holds $(host_qps) QPs, want $want (4 control + 2 data)"
# The donor's side also has the QP of each rmem-testclient dump.
[ "$(donor_qps)" = $want ] || fail "donor holds $(donor_qps) QPs, want $want"
check "donor counts $want host connections" hosts_connected_is $want
[ "$(grep -c 'users 4 .* ok$' /sys/kernel/debug/vhost_rmem/data_conns)" = 2 ] ||
	fail "want 2 data connections with 4 users each"

# Delete the device that made the connections while the others use them.
fio_job "$vd1" d1 & p1=$!
fio_job "$vd2" d2 & p2=$!
fio_job "$vd3" d3 & p3=$!
sleep 2
check "vdpa dev del rmem0 under the others' I/O" vdpa dev del rmem0
for p in $p1 $p2 $p3; do
	wait "$p" || fail "fio (pid $p) failed across the delete of rmem0"
done
for j in d1 d2 d3; do check "$j: fio clean" fio_clean $j; done
cat /sys/kernel/debug/vhost_rmem/data_conns
[ "$(grep -c 'users 3 .* ok$' /sys/kernel/debug/vhost_rmem/data_conns)" = 2 ] ||
	fail "the data connections did not stay up with 3 users"
for n in 1 2 3; do
	[ "$(vhost_rdma rmem$n lane_connects)" = 0 ] || fail "rmem$n reconnected after the delete"
	[ "$(vhost_stat rmem$n err_backend)" = 0 ] || fail "rmem$n: backend errors after the delete"
done
[ "$(host_qps)" = $((3 + 2)) ] || fail "host holds $(host_qps) QPs after the delete, want 5"

# One device's failed request must not fail the others on its connection.
# A break finds other requests in flight only if the donor had not answered
# them yet: inject up to 5 breaks, a second apart, until one found some.
faults=/sys/kernel/debug/vhost_rmem/faults
errs() { echo $(($(vhost_stat rmem2 err_backend) + $(vhost_stat rmem3 err_backend))); }
retried() { echo $(($(vhost_rdma rmem2 retried) + $(vhost_rdma rmem3 retried))); }
e2=$(vhost_stat rmem2 err_backend)
e3=$(vhost_stat rmem3 err_backend)
e0=$(errs)
r0=$(retried)
inj=$(cat $faults/injected)
# fio_timed DISK NAME: 15 s of verified 4 KiB random writes on both vCPUs
# (verified as it goes, going on after an I/O error), so both devices have
# requests in flight throughout.
fio_timed() {
	fio --name="$2" --filename="/dev/$1" --direct=1 --ioengine=libaio --iodepth=16 \
		--numjobs=2 --rw=randwrite --bs=4k --size=6M --offset_increment=8M \
		--cpus_allowed=0,1 --cpus_allowed_policy=split --time_based --runtime=15 \
		--verify=crc32c --verify_backlog=64 --continue_on_error=io --group_reporting \
		--eta=never --output="/tmp/fio-$2.log"
}
fio_timed "$vd2" f2 & p2=$!
fio_timed "$vd3" f3 & p3=$!
sleep 3
k=0
while [ $k -lt 5 ] && [ "$(retried)" = "$r0" ]; do
	echo 1 >$faults/fail_ops
	sleep 1
	k=$((k + 1))
done
echo 0 >$faults/fail_ops
wait "$p2"
wait "$p3"
n=$(($(cat $faults/injected) - inj))
log "$n failed requests: $(($(errs) - e0)) I/O errors, $(($(retried) - r0)) requests redone"
[ "$n" -ge 1 ] || fail "fail_ops was not reached under fio"
[ "$(errs)" = $((e0 + n)) ] ||
	fail "$n failed requests cost $(($(errs) - e0)) I/O errors: others on their connection failed too"
[ "$(retried)" -gt "$r0" ] || fail "no request flushed by $n breaks was redone (rdma/retried)"
# A device none of whose own requests failed verified every write.
[ "$(vhost_stat rmem2 err_backend)" = "$e2" ] && { check "rmem2: fio clean" fio_clean f2; }
[ "$(vhost_stat rmem3 err_backend)" = "$e3" ] && { check "rmem3: fio clean" fio_clean f3; }

for n in 2 3; do
	check "rmem$n: map matches the donor's owner table" vhost_map_matches_owners rmem$n
	check "vdpa dev del rmem$n" vdpa dev del rmem$n
done
vhost_rdma_end rmem1
pass
