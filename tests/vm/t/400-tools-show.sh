# rmemctl and rmem-top against a live donor and two vhost_rmem devices doing
# I/O: donor chunk counts (total and per device) equal the owner table read by
# rmem-testclient, device counters grow between refreshes, and rmemctl's dev
# add/set/show/del and lease/chunk views agree with sysfs and the donor.
# vms: 1
# timeout: 600
# shellcheck shell=sh
. /tests/lib/appliance.inc
. /tests/lib/vhost.inc
command -v jq >/dev/null || skip "jq is not in the initramfs (install it on the build machine)"
rxe_up
appliance_start --memory 64M --chunk-size 1M --no-hugepages

# Two "devices" holding chunks on the donor (the vhost rdma backend may not exist yet).
appliance_hold_two
used=$(owners_used)
log "owner table: $used used; device 11 slot $sa, device 22 slot $sb"

# ---- rmemctl donor/lease/chunk
rmemctl -j donor show "$RMEM_MY_IP" >/tmp/donor.json || { cat /tmp/donor.json; fail "rmemctl -j donor show failed"; }
cat /tmp/donor.json
jq -e . /tmp/donor.json >/dev/null || fail "rmemctl -j donor show is not JSON"
[ "$(jq '.[0].state' /tmp/donor.json)" = '"up"' ] || fail "donor not up"
[ "$(jq '.[0].chunks_used' /tmp/donor.json)" = "$used" ] || fail "chunks_used differs from the owner table ($used)"
[ "$(jq '.[0].chunks_total' /tmp/donor.json)" = "$(stat_of chunks_total)" ] || fail "chunks_total differs from the stats block"
[ "$(jq '.[0].leases' /tmp/donor.json)" = 2 ] || fail "expected 2 leases"
[ "$(jq '.[0].devices[] | select(.device_id == "0x000000000000000b") | .chunks' /tmp/donor.json)" = \
	"$(owners_of_slot "$sa")" ] || fail "device 11 chunk count differs from the owner table"
[ "$(jq '.[0].devices[] | select(.device_id == "0x0000000000000016") | .chunks' /tmp/donor.json)" = \
	"$(owners_of_slot "$sb")" ] || fail "device 22 chunk count differs from the owner table"
[ "$(jq '.[0].devices[] | select(.device_id == "0x000000000000000b") | .slot' /tmp/donor.json)" = "$sa" ] ||
	fail "device 11 slot differs"
rmemctl donor show "$RMEM_MY_IP" | tee /tmp/donor.txt
grep -q "dev 0x000000000000000b slot $sa chunks $(owners_of_slot "$sa") " /tmp/donor.txt ||
	fail "text output does not match the JSON"
rmemctl lease show "$RMEM_MY_IP" dev 22 | tee /tmp/lease.txt
grep -q "slot $sb dev 0x0000000000000016 state held .* chunks 5" /tmp/lease.txt || fail "lease show"
[ "$(rmemctl -j lease show "$RMEM_MY_IP" | jq '.[0].leases | length')" = 2 ] || fail "lease show -j: 2 leases"
rmemctl -d chunk show "$RMEM_MY_IP" | tee /tmp/chunk.txt
[ "$(rmemctl -j -d chunk show "$RMEM_MY_IP" dev 11 | jq '.[0].devices[0].map | length')" = 6 ] ||
	fail "chunk show -d: device 11 should map 6 chunks"
# chunk show -d lists exactly the (chunk, vchunk) pairs the owner table gives slot $sa.
tc dump --owners | sed -n "s/^chunk \([0-9]*\) owner [^ ]* slot $sa gen [0-9]* vchunk \([0-9]*\)$/\1 \2/p" |
	sort >/tmp/own.a
rmemctl -j -d chunk show "$RMEM_MY_IP" dev 11 | jq -r '.[0].devices[0].map[] | "\(.chunk) \(.vchunk)"' |
	sort >/tmp/map.a
[ "$(wc -l </tmp/own.a)" = 6 ] || { tc dump --owners; fail "owner table: slot $sa does not hold 6 chunks"; }
cmp -s /tmp/own.a /tmp/map.a || { cat /tmp/own.a /tmp/map.a; fail "chunk show -d differs from the owner table"; }
# A donors file drives commands that name no donor.
check "donor add" rmemctl -f /tmp/donors donor add "$RMEM_MY_IP"
[ "$(rmemctl -f /tmp/donors -j donor show | jq '.[0].chunks_used')" = "$used" ] || fail "donors file"
rmemctl -f /tmp/donors donor add "$RMEM_MY_IP" 2>/dev/null && fail "adding a donor twice succeeded"

# ---- devices: rmemctl dev add wraps vdpa + sysfs
vhost_load
modprobe virtio_vdpa || fail "modprobe virtio_vdpa"
modprobe virtio_blk || fail "modprobe virtio_blk"
check "rmemctl dev add rmem0" rmemctl dev add rmem0 capacity 64M id 0x1001 backend ram driver virtio_vdpa
check "rmemctl dev add rmem1" rmemctl dev add rmem1 capacity 64M id 0x1002 backend ram chunk-size 1M
check "rmemctl dev bind rmem1" rmemctl dev bind rmem1 virtio
[ "$(cat /sys/bus/vdpa/devices/rmem1/rmem/chunk_shift)" = 20 ] || fail "chunk-size 1M not applied"
rmemctl dev add rmem2 capacity 64M id 0x1001 backend ram 2>/tmp/dup.err && fail "duplicate id accepted"
cat /tmp/dup.err
[ -e /sys/bus/vdpa/devices/rmem2 ] && fail "a failed dev add left rmem2 behind"
rmemctl dev set rmem0 capacity 32M 2>/tmp/live.err
[ $? = 1 ] || fail "dev set on a live device did not exit 1"
grep -q "live" /tmp/live.err || fail "dev set on a live device: $(cat /tmp/live.err)"
rmemctl dev set rmem0 capacity 3
[ $? = 2 ] || fail "a bad capacity is not a usage error"
v0=$(vhost_disk rmem0) || fail "no disk for rmem0"
v1=$(vhost_disk rmem1) || fail "no disk for rmem1"
[ "$(rmemctl -j dev show rmem0 | jq -r '.[0].disk')" = "$v0" ] || fail "dev show: disk of rmem0"
log "rmem0=/dev/$v0 rmem1=/dev/$v1"

# I/O on both devices while rmem-top samples twice.
fio --name=io0 --filename=/dev/$v0 --direct=1 --ioengine=psync --rw=randrw --bs=4k \
	--size=16M --time_based --runtime=20 --eta=never --output=/tmp/fio0.log &
f0=$!
fio --name=io1 --filename=/dev/$v1 --direct=1 --ioengine=psync --rw=randrw --bs=4k \
	--size=16M --time_based --runtime=20 --eta=never --output=/tmp/fio1.log &
f1=$!
sleep 3
rmem-top -b -n 2 -d 2 --json -D "$RMEM_MY_IP" >/tmp/top.json || fail "rmem-top -b -n 2 --json failed"
cat /tmp/top.json
[ "$(wc -l </tmp/top.json)" = 2 ] || fail "expected 2 JSON objects"
for n in 1 2; do
	sed -n "${n}p" /tmp/top.json >/tmp/top$n.json
	jq -e . /tmp/top$n.json >/dev/null || fail "refresh $n is not JSON"
	[ "$(jq -r '.donors[0].state' /tmp/top$n.json)" = up ] || fail "refresh $n: donor not up"
	[ "$(jq '.donors[0].chunks_used' /tmp/top$n.json)" = "$used" ] ||
		fail "refresh $n: chunks_used differs from the owner table ($used)"
	[ "$(jq '.donors[0].devices[] | select(.device_id == "0x000000000000000b") | .chunks' /tmp/top$n.json)" = 6 ] ||
		fail "refresh $n: device 11 chunks"
	[ "$(jq '.donors[0].leases_alive' /tmp/top$n.json)" = 2 ] || fail "refresh $n: leases alive"
done
for d in rmem0 rmem1; do
	r1=$(jq ".devices[] | select(.name == \"$d\") | .reads + .writes" /tmp/top1.json)
	r2=$(jq ".devices[] | select(.name == \"$d\") | .reads + .writes" /tmp/top2.json)
	log "$d: requests $r1 -> $r2"
	[ -n "$r1" ] && [ -n "$r2" ] || fail "$d missing from rmem-top"
	[ "$r2" -gt "$r1" ] || fail "$d: counters did not grow ($r1 -> $r2)"
	[ "$(jq ".devices[] | select(.name == \"$d\") | .read_ops_s > 0" /tmp/top2.json)" = true ] ||
		fail "$d: no read rate in the second refresh"
	[ "$(jq ".devices[] | select(.name == \"$d\") | .lat_p99_us != null" /tmp/top2.json)" = true ] ||
		fail "$d: no p99"
done
rmem-top -b -n 1 -D "$RMEM_MY_IP" | tee /tmp/top.txt
grep -q "^$RMEM_MY_IP:7471 *UP " /tmp/top.txt || fail "batch text: donor row"
grep -q "^rmem0 *0000000000001001 ram " /tmp/top.txt || fail "batch text: rmem0 row"
wait $f0 $f1
# Quiet now: what rmemctl shows is what sysfs says.
for d in rmem0 rmem1; do
	[ "$(rmemctl -j dev show $d | jq '.[0].stats.chunks')" = "$(vhost_stat $d chunks)" ] ||
		fail "$d: dev show chunks differ from sysfs"
	[ "$(rmemctl -j dev show $d | jq '.[0].stats.writes')" = "$(vhost_stat $d writes)" ] ||
		fail "$d: dev show writes differ from sysfs"
done
rmemctl dev show
check "rmemctl dev unbind rmem1" rmemctl dev unbind rmem1
check "rmemctl dev set rmem1 (unbound)" rmemctl dev set rmem1 capacity 32M
[ "$(cat /sys/bus/vdpa/devices/rmem1/rmem/capacity)" = $((32 << 20)) ] || fail "capacity not set"
check "rmemctl dev del rmem0" rmemctl dev del rmem0
check "rmemctl dev del rmem1" rmemctl dev del rmem1
[ -e /sys/bus/vdpa/devices/rmem0 ] && fail "rmem0 still there"
rmemctl dev del rmem0 2>/dev/null && fail "deleting a missing device succeeded"

kill -TERM $pa $pb
wait $pa $pb
appliance_stop
pass
