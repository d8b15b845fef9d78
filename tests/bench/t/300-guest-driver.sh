# virtio_rmem against stock virtio_blk on the same vhost_rmem device, one VM
# (rxe loopback; the rdma backend with a donor here when vhost_rmem has it,
# else the ram backend - the table says which).  Ratios, all measured in this
# run:
#   read_lat_vs_virtio_blk  fio 4 KiB QD1 randread (psync, direct) median clat,
#                           virtio_rmem / virtio_blk                 (< 1: we win)
#   read_lat_ratio          virtio_rmem read clat / raw ib_read_lat 4 KiB (rdma only)
#   read_lat_vs_nvmeof      virtio_rmem read clat / the same fio job on NVMe-oF (nvmet-rdma
#                           exporting brd, nvme-rdma host, same rxe0)   (< 1: we win)
#   write_bw_ratio          128 KiB sequential direct writes QD8, MiB/s, virtio_rmem /
#                           raw ib_write_bw 128 KiB                  (goal >= 0.8)
#   write_bw_vs_nvmeof      the same write job, virtio_rmem / NVMe-oF    (> 1: we win)
#   blk_read_lat_ratio      virtio_blk read clat / raw ib_read_lat 4 KiB (rdma only)
#   read_lat_vs_ram_backend virtio_rmem read clat, rdma backend / the same on a ram-backend
#                           device: what the RDMA round trip adds (rdma only)
#   ram_read_lat_ratio      ram-backend read clat / raw ib_read_lat: what the path costs
#                           before any network (rdma only)
#   poll_speedup            QD1 read clat with poll_us=0 / with polling (> 1: polling wins)
#   merge_speedup           sequential 4 KiB direct writes, QD32 batched: MiB/s with all
#                           merging on / all off (block layer nomerges=2 + merge=0)
#   driver_merge_speedup    the same with block-layer merging off: our merge=1 / merge=0
#   swapin_vs_virtio_blk    rmem-memstress verify time (swap-in bound), virtio_rmem /
#                           virtio_blk                               (< 1: we win)
# Each pair is measured ROUNDS times back to back; the median ratio is reported.
# vms: 1
# timeout: 2400
# mem: 1G
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
. /tests/lib/guest.inc
. /tests/lib/nvmeof.inc
ROUNDS=3
RT=8		# seconds per latency measurement
WS=32		# MiB working set of the swap-in benchmark (memory.high 8 MiB: rg_memstress)
CAP=$((96 << 20))

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

rxe_up
appliance_start --memory 128M --chunk-size 1M --no-hugepages
rg_load_rmem
modprobe vdpa; modprobe vhost_iotlb
check "insmod vhost_rmem" rmem_insmod vhost_rmem
modprobe virtio_vdpa || fail "modprobe virtio_vdpa"
backend=rdma
if ! rg_host_rdma $RG_DEV $CAP 0x3f01; then
	log "BENCH NOTE: $RG_NO_RDMA; measuring on the ram backend (no read_lat_ratio)"
	vdpa dev del $RG_DEV
	vhost_dev_add $RG_DEV $CAP 0x3f01
	backend=ram
fi
vhost_bind $RG_DEV virtio_vdpa
RG_DISK=$(rg_disk $RG_DEV rmem) || fail "no /dev/rmemN"
modprobe virtio_blk || fail "modprobe virtio_blk"
V=$(rg_virtio $RG_DEV)

to_blk() {
	echo "$V" >/sys/bus/virtio/drivers/virtio_rmem/unbind || fail "unbind $V from virtio_rmem"
	echo "$V" >/sys/bus/virtio/drivers/virtio_blk/bind || fail "bind $V to virtio_blk"
	RG_DISK=$(rg_disk $RG_DEV vd) || fail "no virtio_blk disk"
}
to_rmem() {
	echo "$V" >/sys/bus/virtio/drivers/virtio_blk/unbind || fail "unbind $V from virtio_blk"
	echo "$V" >/sys/bus/virtio/drivers/virtio_rmem/bind || fail "bind $V to virtio_rmem"
	RG_DISK=$(rg_disk $RG_DEV rmem) || fail "no rmem disk"
}
# A reset may drop the device's data: write the area the readers use again,
# so reads reach the backend (never-written blocks are answered without it).
prefill() {
	[ -b "/dev/$RG_DISK" ] || fail "/dev/$RG_DISK is not a block device"
	fio --name=fill --filename=/dev/$RG_DISK --direct=1 --ioengine=libaio --iodepth=4 \
		--rw=write --bs=128k --size=16M --output=/tmp/fill.log >/dev/null ||
		{ cat /tmp/fill.log; fail "prefill failed"; }
}
# read_clat [DEV]: median clat (us) of 4 KiB QD1 random reads over the
# prefilled area (default DEV: /dev/$RG_DISK).
read_clat() {
	fio --name=lat --filename=${1:-/dev/$RG_DISK} --direct=1 --ioengine=psync --rw=randread \
		--bs=4k --size=16M --time_based --runtime=$RT --percentile_list=50:99 \
		--minimal >/tmp/lat.terse 2>/tmp/lat.err || { cat /tmp/lat.err; fail "fio randread"; }
	awk -F';' '{ split($18, a, "="); print a[2] }' /tmp/lat.terse
}
# write_bw: MiB/s of sequential 4 KiB direct writes submitted 32 at a time.
write_bw() {
	fio --name=seq --filename=/dev/$RG_DISK --direct=1 --ioengine=libaio --iodepth=32 \
		--iodepth_batch_submit=32 --iodepth_batch_complete_min=32 --rw=write --bs=4k \
		--size=32M --offset=32M --minimal >/tmp/bw.terse 2>/tmp/bw.err || { cat /tmp/bw.err; fail "fio write"; }
	# terse field 48: write bandwidth in KiB/s
	awk -F';' '{ printf "%.2f", $48 / 1024 }' /tmp/bw.terse
}
# seqw_bw DEV: MiB/s of 128 KiB sequential direct writes at QD8 (the
# bandwidth job compared with ib_write_bw and NVMe-oF).
seqw_bw() {
	fio --name=seqw --filename=$1 --direct=1 --ioengine=libaio --iodepth=8 --rw=write \
		--bs=128k --size=32M --offset=32M --minimal >/tmp/sw.terse 2>/tmp/sw.err ||
		{ cat /tmp/sw.err; fail "fio seq write on $1"; }
	awk -F';' '{ printf "%.2f", $48 / 1024 }' /tmp/sw.terse
}
# swapin_s: seconds rmem-memstress spends reading its swapped-out set back.
swapin_s() {
	mkswap /dev/$RG_DISK >/dev/null || fail "mkswap"
	swapon /dev/$RG_DISK || fail "swapon"
	rg_memstress bench-swap $WS >/dev/null
	[ "$RG_MS_RC" = 0 ] || fail "memstress mismatches on $RG_DISK"
	swapoff /dev/$RG_DISK || fail "swapoff"
	sed -n 's/^memstress: write_s [0-9.]* verify_s \([0-9.]*\)$/\1/p' /tmp/ms.log
}
params() { echo "$1" >/sys/module/virtio_rmem/parameters/merge; echo "$2" >/sys/module/virtio_rmem/parameters/poll_us; }

NVME=$(nvmeof_up rmem-bench 96) || fail "NVMe-oF over rxe0 did not come up (the benchmark's peer)"
log "NVMe-oF peer: $NVME (nvmet-rdma exporting brd over rxe0)"
# brd answers never-written sectors without touching memory: fill it like ours.
fio --name=fill --filename=$NVME --direct=1 --ioengine=libaio --iodepth=4 --rw=write \
	--bs=128k --size=64M --output=/tmp/nvfill.log >/dev/null || { cat /tmp/nvfill.log; fail "NVMe-oF prefill"; }
# The same driver on a ram-backend device: everything of a read but the
# RDMA round trip (guest driver, vDPA, vq worker, copies), to split
# read_lat_ratio into the path's cost and the network's.
RAM_DISK=
if [ $backend = rdma ]; then
	vhost_dev_add rmemram $CAP 0x3f02
	vhost_bind rmemram virtio_vdpa
	RAM_DISK=$(rg_disk rmemram rmem) || fail "no rmem disk on the ram backend"
	fio --name=fill --filename=/dev/$RAM_DISK --direct=1 --ioengine=libaio --iodepth=4 \
		--rw=write --bs=128k --size=16M --output=/tmp/ramfill.log >/dev/null ||
		{ cat /tmp/ramfill.log; fail "ram-backend prefill"; }
fi
r_blk='' r_raw='' r_rawb='' r_poll='' r_merge='' r_dmerge='' r_swap='' r_nv='' r_wraw='' r_wnv='' r_ram='' r_ramraw=''
lines=
r=1
while [ $r -le $ROUNDS ]; do
	raw=$(perf_loopback ib_read_lat -s 4096 -n 1000 | perf_row | awk '{ print $5 }')
	[ -n "$raw" ] || fail "ib_read_lat printed no row"
	rawbw=$(perf_loopback ib_write_bw -s 131072 -n 2000 | perf_row | awk '{ print $4 }')
	[ -n "$rawbw" ] || fail "ib_write_bw printed no row"
	# perftest's MB/sec is 10^6 bytes: to MiB/s like fio's.
	rawbw=$(awk -v b="$rawbw" 'BEGIN { printf "%.2f", b * 1000000 / 1048576 }')
	params 1 200
	prefill
	rm_on=$(read_clat)
	ram_lat=-
	if [ -n "$RAM_DISK" ]; then
		ram_lat=$(read_clat /dev/$RAM_DISK)
		r_ram="$r_ram $(ratio "$rm_on" "$ram_lat")"
		r_ramraw="$r_ramraw $(ratio "$ram_lat" "$raw")"
	fi
	wr_rmem=$(seqw_bw /dev/$RG_DISK)
	nv_lat=$(read_clat "$NVME")
	wr_nv=$(seqw_bw "$NVME")
	params 1 0
	rm_off=$(read_clat)
	params 1 200
	echo 0 >/sys/block/$RG_DISK/queue/nomerges
	bw_on=$(write_bw)
	echo 2 >/sys/block/$RG_DISK/queue/nomerges
	bw_drv=$(write_bw)
	params 0 200
	bw_off=$(write_bw)
	echo 0 >/sys/block/$RG_DISK/queue/nomerges
	params 1 200
	sw_rmem=$(swapin_s)
	to_blk
	prefill
	blk=$(read_clat)
	sw_blk=$(swapin_s)
	to_rmem
	r_blk="$r_blk $(ratio "$rm_on" "$blk")"
	r_raw="$r_raw $(ratio "$rm_on" "$raw")"
	r_rawb="$r_rawb $(ratio "$blk" "$raw")"
	r_poll="$r_poll $(ratio "$rm_off" "$rm_on")"
	r_merge="$r_merge $(ratio "$bw_on" "$bw_off")"
	r_dmerge="$r_dmerge $(ratio "$bw_drv" "$bw_off")"
	r_swap="$r_swap $(ratio "$sw_rmem" "$sw_blk")"
	r_nv="$r_nv $(ratio "$rm_on" "$nv_lat")"
	r_wraw="$r_wraw $(ratio "$wr_rmem" "$rawbw")"
	r_wnv="$r_wnv $(ratio "$wr_rmem" "$wr_nv")"
	lines="$lines
 $r   $raw   $rm_on   $rm_off   $blk   $nv_lat   $ram_lat   $bw_on   $bw_drv   $bw_off   $sw_rmem   $sw_blk   $rawbw   $wr_rmem   $wr_nv"
	r=$((r + 1))
done

echo "---------------------------------------------------------------------------------------"
echo " virtio_rmem vs virtio_blk, backend $backend, TCG; latencies = median clat (usec)"
echo " round ib_read_lat rmem_poll rmem_nopoll virtio_blk nvmeof rmem_ram  4k-MiB/s:merge drv_only none  swapin_s:rmem blk  128k-MiB/s:ib_write_bw rmem nvmeof"
echo "$lines"
echo "---------------------------------------------------------------------------------------"
echo "virtio_rmem counters: requests $(cat /sys/block/$RG_DISK/rmem/requests) vq_requests $(cat /sys/block/$RG_DISK/rmem/vq_requests) merges $(cat /sys/block/$RG_DISK/rmem/merges) polls $(cat /sys/block/$RG_DISK/rmem/polls) poll_hits $(cat /sys/block/$RG_DISK/rmem/poll_hits) poll_skips $(cat /sys/block/$RG_DISK/rmem/poll_skips) read_lat_us $(cat /sys/block/$RG_DISK/rmem/read_lat_us)"
echo "BENCH: read_lat_vs_virtio_blk $(echo $r_blk | median)"
[ $backend = rdma ] && echo "BENCH: read_lat_ratio $(echo $r_raw | median)"
[ $backend = rdma ] && echo "BENCH: blk_read_lat_ratio $(echo $r_rawb | median)"
echo "BENCH: read_lat_vs_nvmeof $(echo $r_nv | median)"
[ -n "$RAM_DISK" ] && echo "BENCH: read_lat_vs_ram_backend $(echo $r_ram | median)"
[ -n "$RAM_DISK" ] && echo "BENCH: ram_read_lat_ratio $(echo $r_ramraw | median)"
echo "BENCH: write_bw_ratio $(echo $r_wraw | median)"
echo "BENCH: write_bw_vs_nvmeof $(echo $r_wnv | median)"
echo "BENCH: poll_speedup $(echo $r_poll | median)"
echo "BENCH: merge_speedup $(echo $r_merge | median)"
echo "BENCH: driver_merge_speedup $(echo $r_dmerge | median)"
echo "BENCH: swapin_vs_virtio_blk $(echo $r_swap | median)"
vdpa dev del $RG_DEV
[ -z "$RAM_DISK" ] || vdpa dev del rmemram
appliance_stop
pass
