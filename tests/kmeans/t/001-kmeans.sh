# make bench-kmeans, guest side: kmeans wall time versus the share of its
# memory that is local (cgroup v2 limit = ratio x peak RSS at 100 %),
# swapping onto each backend in turn, all on this VM's soft-RoCE link:
#   rmem    our device on the rdma backend, donor appliance on rxe, virtio_rmem
#   nvmeof  kernel nvmet-rdma exporting a brd RAM disk, nvme-rdma host
#   nbd     nbd-server exporting a tmpfs file over TCP, nbd-client
#   zram    compressed RAM
#   disk    virtio-blk backed by a file on the build machine (host hook)
#   ram     our device on its ram backend (the vDPA block path, no network), virtio_rmem
# Prints per run "KMEANS: <backend> <ratio> <rep> <seconds> <checksum>" and
# "KMEANS-STATS: <backend> <ratio> <rep> key=value..." (swap, block and
# device counters, deltas over the run; tests/kmeans/report.sh reads both).
# Knobs: make bench-kmeans KM_RATIOS=100,70,40 KM_REPS=1 KM_POINTS=N
# KM_BACKENDS=rmem,zram KM_LIMIT=high|max (the host hook puts them on the
# kernel command line; the kernel hands them to init as environment variables).
# vms: 1
# mem: 2G
# timeout: 5400
# shellcheck shell=sh
. /tests/lib/appliance.inc
. /tests/lib/nvmeof.inc
KM_RATIOS=$(echo "${KM_RATIOS:-100,90,80,70,60,50,40}" | tr ',' ' ')
KM_REPS=${KM_REPS:-3}
KM_ARGS="-p ${KM_POINTS:-1000000} -d 8 -k 8 -i 4 -s 7"
KM_BACKENDS=$(echo "${KM_BACKENDS:-rmem,nvmeof,nbd,zram,disk,ram}" | tr ',' ' ')
# The local-memory limit is memory.high, not memory.max (KM_LIMIT=max to
# compare): with memory.max, reclaim that cannot write pages out as fast as
# kmeans faults them in makes the kernel OOM-kill it, and over soft-RoCE under
# TCG each page out is a slow emulated RDMA round trip (seen: nvmeof at 50 %
# was OOM-killed under memory.max, 1 M points). memory.high throttles
# the program until reclaim catches up instead, so the slow backend shows as
# time, which is what is measured. Usage may briefly exceed the limit; each
# run reports its memory.peak over the limit (peak_pct) so that stays visible.
KM_LIMIT=${KM_LIMIT:-high}
case $KM_LIMIT in high|max) ;; *) fail "KM_LIMIT=$KM_LIMIT: high or max" ;; esac
log "ratios: $KM_RATIOS; repetitions: $KM_REPS; kmeans $KM_ARGS; backends: $KM_BACKENDS; limit: memory.$KM_LIMIT"
SWAP_MB=256
command -v kmeans >/dev/null || fail "kmeans is not in the initramfs"

rxe_up
modprobe vdpa && modprobe vhost_iotlb && modprobe virtio_vdpa || fail "vdpa modules"
rmem_insmod vhost_rmem || fail "insmod vhost_rmem"
# virtio_rmem before virtio_blk: a driver registered first is offered new
# virtio devices first, and virtio_rmem declines all but ours (the disk
# backend's plain virtio-blk disk goes to virtio_blk).
rmem_insmod virtio_rmem || fail "insmod virtio_rmem"
modprobe virtio_blk || fail "modprobe virtio_blk"

# vdpa_disk NAME BACKEND ID: a vhost_rmem device bound to virtio_vdpa and
# driven by virtio_rmem; prints its /dev node.
vdpa_disk() {
	vdpa dev add mgmtdev rmem name "$1" || return 1
	_c=/sys/bus/vdpa/devices/$1/rmem
	echo $((SWAP_MB << 20)) >"$_c/capacity" && echo "$3" >"$_c/device_id" || return 1
	# The device's chunk size must be the donor's (--chunk-size 1M below).
	echo 20 >"$_c/chunk_shift" && echo "$2" >"$_c/backend" || return 1
	if [ "$2" = rdma ]; then
		echo "$RMEM_MY_IP:7471" >"$_c/donor" || return 1
	fi
	echo virtio_vdpa >"/sys/bus/vdpa/devices/$1/driver_override" && echo "$1" >/sys/bus/vdpa/drivers_probe || return 1
	_i=0
	while [ $_i -lt 100 ]; do
		for _b in /sys/bus/vdpa/devices/"$1"/virtio*/block/rmem*; do
			[ -e "$_b" ] && [ -b "/dev/$(basename "$_b")" ] && { echo "/dev/$(basename "$_b")"; return 0; }
		done
		_i=$((_i + 1))
		sleep 0.1
	done
	echo "no /dev/rmemN under $1 (is virtio_rmem driving it?)"
	ls -l /sys/bus/vdpa/devices/"$1"/virtio*/ /sys/bus/vdpa/devices/"$1"/virtio*/block 2>&1
	return 1
}

setup_rmem() {
	# Not in $( ): the donor's pid must outlive the setup (donor CPU time).
	# Its verdict, if it fails, must reach the console (fd 3), not the setup's file.
	appliance_start --memory $((SWAP_MB + 32))M --chunk-size 1M --no-hugepages >&3
	echo "$RMEM_APP_PID" >/tmp/km-donor.pid
	vdpa_disk kmrmem rdma 7001 || { cat /sys/bus/vdpa/devices/kmrmem/rdma/state 2>/dev/null; dmesg | tail -n 20; return 1; }
}
setup_ram() { vdpa_disk kmram ram 7002; }
setup_zram() {
	modprobe zram num_devices=1 || return 1
	echo $((SWAP_MB << 20)) >/sys/block/zram0/disksize && echo /dev/zram0
}
setup_disk() {
	# The host hook attaches the file-backed disk as the only virtio_blk disk.
	for _d in /sys/block/vd*; do
		[ -e "$_d/device/driver" ] || continue
		readlink -f "$_d/device" | grep -q vdpa && continue
		echo "/dev/$(basename "$_d")"
		return 0
	done
	return 1
}
setup_nbd() {
	mkdir -p /dev/shm/nbd && dd if=/dev/zero of=/dev/shm/nbd/swap.img bs=1M count=0 seek=$SWAP_MB 2>/dev/null
	cat >/tmp/nbd.conf <<-CONF
	[generic]
	listenaddr = $RMEM_MY_IP
	[swap]
	exportname = /dev/shm/nbd/swap.img
	CONF
	nbd-server -C /tmp/nbd.conf >/tmp/nbd-server.log 2>&1 || return 1
	modprobe nbd nbds_max=1 || return 1
	retry 20 0.5 nbd-client -N swap "$RMEM_MY_IP" /dev/nbd0 -swap -b 4096 >/tmp/nbd-client.log 2>&1 || return 1
	echo /dev/nbd0
}
setup_nvmeof() { nvmeof_up rmem-km "$SWAP_MB"; }	# tests/lib/nvmeof.inc

# Not in $( ): setup_rmem's donor must stay this shell's child.
exec 3>&1
available=
for b in $KM_BACKENDS; do
	setup_$b >/tmp/setup-$b.out 2>/tmp/setup-$b.log
	dev=$(tail -n 1 /tmp/setup-$b.out)
	if [ -n "$dev" ] && [ -b "$dev" ] && mkswap "$dev" >/dev/null 2>&1; then
		eval "dev_$b=$dev"
		available="$available $b"
		log "backend $b: swap on $dev"
	else
		log "backend $b: NOT AVAILABLE (setup failed; see below)"
		cat /tmp/setup-$b.out /tmp/setup-$b.log
		echo "KMEANS-MISSING: $b"
	fi
done
[ -n "$available" ] || fail "no swap backend could be set up"

# ---- per-run counters (deltas over one kmeans run) ----
vmstat_of() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }
LAT_FILES="lat_le_16us lat_le_64us lat_le_256us lat_le_1024us lat_le_4096us lat_le_16384us lat_le_65536us lat_le_262144us lat_le_1048576us lat_le_4194304us lat_gt_4194304us"
# snap BACKEND: one line of counters; the same fields in the same order every time.
snap() {
	_d=$(eval "basename \$dev_$1")
	# shellcheck disable=SC2046 # the stat line splits into its fields
	set -- "$1" $(cat "/sys/block/$_d/stat")
	# block layer: read I/Os and read ms, write I/Os and write ms (Documentation/block/stat.rst)
	printf 'pswpin=%s pswpout=%s rd_ios=%s rd_ms=%s wr_ios=%s wr_ms=%s' \
		"$(vmstat_of pswpin)" "$(vmstat_of pswpout)" "$2" "$5" "$6" "$9"
	case $1 in
	rmem|ram)
		_g=/sys/block/$_d/rmem
		_h=/sys/bus/vdpa/devices/km$1/stats
		printf ' requests=%s vq_requests=%s merges=%s' "$(cat $_g/requests)" "$(cat $_g/vq_requests)" "$(cat $_g/merges)"
		printf ' dev_reads=%s dev_writes=%s lat=' "$(cat $_h/reads)" "$(cat $_h/writes)"
		_sep=
		for _f in $LAT_FILES; do printf '%s%s' "$_sep" "$(cat $_h/$_f)"; _sep=,; done
		;;
	esac
	if [ "$1" = rmem ]; then
		# utime + stime of the donor process, in USER_HZ (100 on x86) ticks
		printf ' donor_ticks=%s' "$(awk '{ print $14 + $15 }' "/proc/$(cat /tmp/km-donor.pid)/stat")"
	fi
	echo
}
# delta BEFORE AFTER: key=(after - before) for every field; lat lists element-wise.
delta() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++) {
			split(x[i], kx, "="); split(y[i], ky, "=")
			if (index(kx[2], ",")) {
				m = split(kx[2], p, ","); split(ky[2], q, ","); v = ""
				for (j = 1; j <= m; j++) v = v (j > 1 ? "," : "") (q[j] - p[j])
			} else v = ky[2] - kx[2]
			printf "%s%s=%s", (i > 1 ? " " : ""), kx[1], v
		}
		print "" }'
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }

echo +memory >/sys/fs/cgroup/cgroup.subtree_control
# run_km LIMIT_BYTES|max NAME: one kmeans run in a fresh cgroup NAME (so
# memory.peak and memory.events are this run's); prints seconds, checksum,
# peak bytes and the limit events.
run_km() {
	_cg=/sys/fs/cgroup/$2
	mkdir "$_cg" || return 1
	if [ "$KM_LIMIT" = high ]; then
		echo "$1" >"$_cg/memory.high" || return 1
	else
		echo "$1" >"$_cg/memory.max" || return 1
	fi
	echo max >"$_cg/memory.swap.max"
	sh -c "echo \$\$ >$_cg/cgroup.procs; exec kmeans $KM_ARGS" >/tmp/km.out 2>&1 ||
		{ cat /tmp/km.out "$_cg/memory.events"; return 1; }
	echo "$(sed -n 's/^kmeans: seconds=\([0-9.]*\).*/\1/p' /tmp/km.out)" \
		"$(sed -n 's/^kmeans: checksum=//p' /tmp/km.out)" \
		"$(cat "$_cg/memory.peak")" \
		"$(awk '$1 == "high" || $1 == "max" || $1 == "oom_kill" { printf "%s%s=%s", s, $1, $2; s = "," }' "$_cg/memory.events")"
	rmdir "$_cg" 2>/dev/null
	return 0
}

# Peak RSS at 100 % local: one run without a limit and without swap.
out=$(run_km max km-peak) || fail "kmeans failed without a memory limit"
set -- $out
ref_sum=$2
peak=$3
log "100% local: $1 s, peak $((peak >> 20)) MiB, checksum $ref_sum"
echo "KMEANS-PEAK: $peak"
echo "KMEANS-LIMIT: memory.$KM_LIMIT"

rep=1
rot=0
while [ $rep -le "$KM_REPS" ]; do
	for ratio in $KM_RATIOS; do
		# Rotate the backend order every point so drift hits all alike.
		order=$(echo $available | tr ' ' '\n' | awk -v r=$rot 'NF { a[n++] = $0 } END { for (i = 0; i < n; i++) print a[(i + r) % n] }')
		rot=$((rot + 1))
		for b in $order; do
			eval "dev=\$dev_$b"
			swapon "$dev" || fail "swapon $dev ($b)"
			lim=$((peak * ratio / 100))
			[ "$ratio" = 100 ] && lim=max
			s0=$(snap $b)
			t0=$(uptime_s)
			out=$(run_km "$lim" "km-$b-$ratio-$rep") || { echo "$out"; swapoff "$dev"; fail "kmeans failed on $b at $ratio %"; }
			t1=$(uptime_s)
			s1=$(snap $b)
			swapoff "$dev" || fail "swapoff $dev ($b)"
			set -- $out
			echo "KMEANS: $b $ratio $rep $1 $2"
			pct=-
			[ "$lim" != max ] && pct=$(awk -v p="$3" -v l="$lim" 'BEGIN { printf "%.1f", 100 * p / l }')
			echo "KMEANS-STATS: $b $ratio $rep wall_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') peak_mib=$(($3 >> 20)) peak_pct=$pct events=$4 $(delta "$s0" "$s1")"
			[ "$2" = "$ref_sum" ] || fail "checksum $2 on $b at $ratio % differs from the local run's $ref_sum"
		done
	done
	rep=$((rep + 1))
done
for b in $available; do
	case $b in
	rmem) log "rmem rdma: $(cd /sys/bus/vdpa/devices/kmrmem/rdma && for f in state chunks allocs frees errors lost_chunks; do printf '%s=%s ' "$f" "$(cat "$f")"; done)" ;;
	esac
done
pass
