# The data path under load, one VM (rxe loopback, donor here), virtio_rmem on
# vhost_rmem rdma devices against NVMe-oF (nvmet-rdma exporting brd,
# nvme-rdma host) on the same rxe0, all measured in this run:
#   iops_qd32_vs_nvmeof        fio 4 KiB randread, iodepth 32, numjobs = vCPUs,
#                              IOPS rmem / NVMe-oF                (goal >= 1.5)
#   host_cpu_per_io_vs_nvmeof  CPU seconds of the whole VM (guest driver, vhost
#                              lanes, rxe, donor: host and guest are one
#                              kernel here) per I/O at that job, rmem / NVMe-oF
#                                                                 (goal <= 0.7)
#   iops_qd<N>                 scaling: 4 KiB randread IOPS of one device at
#                              iodepth 1, 4, 16, 64 (one job)
#   iops_dev<N>                1, 2, 4 devices at once, one job of iodepth 16 each,
#                              total IOPS
# The ratio pair is measured ROUNDS times back to back; the median is
# reported.  The scaling table is one pass (people read it; no goal).
# vms: 1
# timeout: 2400
# mem: 1G
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
. /tests/lib/guest.inc
. /tests/lib/nvmeof.inc
ROUNDS=3
RT=8			# seconds per fio run
CAP=$((64 << 20))
NCPU=$(nproc)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# cpu_ticks: user + nice + system + irq + softirq of all CPUs (USER_HZ).
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

rxe_up
appliance_start --memory 320M --chunk-size 1M --no-hugepages
rg_load_rmem
modprobe vdpa; modprobe vhost_iotlb
check "insmod vhost_rmem" rmem_insmod vhost_rmem
modprobe virtio_vdpa || fail "modprobe virtio_vdpa"
disks=
for i in 1 2 3 4; do
	rg_host_rdma rmem$i $CAP $((0x3f10 + i)) || fail "$RG_NO_RDMA"
	vhost_bind rmem$i virtio_vdpa
	d=$(rg_disk rmem$i rmem) || fail "no /dev/rmemN for rmem$i"
	disks="$disks /dev/$d"
	fio --name=fill --filename=/dev/$d --direct=1 --ioengine=libaio --iodepth=4 --rw=write \
		--bs=128k --size=32M --output=/tmp/fill.log >/dev/null || { cat /tmp/fill.log; fail "prefill $d"; }
done
set -- $disks
D1=$1
NVME=$(nvmeof_up rmem-bench 64) || fail "NVMe-oF over rxe0 did not come up (the benchmark's peer)"
fio --name=fill --filename=$NVME --direct=1 --ioengine=libaio --iodepth=4 --rw=write \
	--bs=128k --size=32M --output=/tmp/nvfill.log >/dev/null || { cat /tmp/nvfill.log; fail "NVMe-oF prefill"; }

# randread DEVS QD JOBS: total IOPS of 4 KiB random reads over the filled
# area; CPU ticks the run took go to /tmp/ticks.
randread() {
	_devs=$1 _qd=$2 _jobs=$3
	_args=
	for _d in $_devs; do
		_args="$_args --name=rr$_d --filename=$_d"
	done
	_t0=$(cpu_ticks)
	# shellcheck disable=SC2086 # one --name/--filename pair per device
	fio --direct=1 --ioengine=libaio --rw=randread --bs=4k --size=32M --iodepth=$_qd \
		--numjobs=$_jobs --time_based --runtime=$RT --group_reporting $_args \
		--minimal >/tmp/rr.terse 2>/tmp/rr.err || { cat /tmp/rr.err; fail "fio randread on $_devs"; }
	echo $(($(cpu_ticks) - _t0)) >/tmp/ticks
	# terse field 8: read IOPS (group reporting: one line, all jobs)
	awk -F';' '{ s += $8 } END { printf "%d", s }' /tmp/rr.terse
}

r_iops='' r_cpu='' lines=
r=1
while [ $r -le $ROUNDS ]; do
	rm_iops=$(randread "$D1" 32 "$NCPU")
	rm_ticks=$(cat /tmp/ticks)
	nv_iops=$(randread "$NVME" 32 "$NCPU")
	nv_ticks=$(cat /tmp/ticks)
	# CPU seconds per I/O: ticks / 100 / (IOPS * RT)
	rm_cpu=$(awk -v t="$rm_ticks" -v i="$rm_iops" -v s=$RT 'BEGIN { printf "%.3e", t / 100 / (i * s) }')
	nv_cpu=$(awk -v t="$nv_ticks" -v i="$nv_iops" -v s=$RT 'BEGIN { printf "%.3e", t / 100 / (i * s) }')
	r_iops="$r_iops $(ratio "$rm_iops" "$nv_iops")"
	r_cpu="$r_cpu $(ratio "$rm_cpu" "$nv_cpu")"
	lines="$lines
 $r   $rm_iops   $nv_iops   $rm_cpu   $nv_cpu"
	r=$((r + 1))
done
echo "-------------------------------------------------------------------------"
echo " 4 KiB randread QD32 x $NCPU jobs, TCG; CPU = s of all CPUs per I/O"
echo " round iops:rmem nvmeof   cpu_per_io:rmem nvmeof"
echo "$lines"
echo "-------------------------------------------------------------------------"
echo " scaling: 4 KiB randread IOPS"
for qd in 1 4 16 64; do
	v=$(randread "$D1" $qd 1)
	echo " 1 device, 1 job, iodepth $qd: $v"
	echo "BENCH: iops_qd$qd $v"
done
for n in 1 2 4; do
	devs=$(echo $disks | cut -d' ' -f1-$n)
	v=$(randread "$devs" 16 1)
	echo " $n device(s), a job of iodepth 16 each: $v"
	echo "BENCH: iops_dev$n $v"
done
cat /sys/bus/vdpa/devices/rmem1/stats/queues
log "rmem1: zero_copy $(vhost_rdma rmem1 zero_copy) bounced $(vhost_rdma rmem1 bounced) data connections $(vhost_rdma rmem1 lane_connects)"
echo "BENCH: iops_qd32_vs_nvmeof $(echo $r_iops | median)"
echo "BENCH: host_cpu_per_io_vs_nvmeof $(echo $r_cpu | median)"
for i in 1 2 3 4; do vdpa dev del rmem$i; done
appliance_stop
pass
