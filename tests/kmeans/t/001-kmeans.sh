# make bench-kmeans, guest side: kmeans wall time versus the share of its
# memory that is local (cgroup v2 memory.max = ratio x peak RSS at 100 %),
# swapping onto each backend in turn, all on this VM's soft-RoCE link:
#   rmem    our device on the rdma backend, donor appliance on rxe
#   nvmeof  kernel nvmet-rdma exporting a brd RAM disk, nvme-rdma host
#   nbd     nbd-server exporting a tmpfs file over TCP, nbd-client
#   zram    compressed RAM
#   disk    virtio-blk backed by a file on the build machine (host hook)
#   ram     our device on its ram backend (the vDPA block path, no network)
# Prints "KMEANS: <backend> <ratio> <rep> <seconds> <checksum>" per run.
# Knobs: make bench-kmeans KM_RATIOS=100,70,40 KM_REPS=1 KM_POINTS=N (the host
# hook puts them on the kernel command line; the kernel hands them to init
# as environment variables).
# vms: 1
# mem: 2G
# timeout: 5400
. /tests/vm/t/appliance.inc
KM_RATIOS=$(echo "${KM_RATIOS:-100,90,80,70,60,50,40}" | tr ',' ' ')
KM_REPS=${KM_REPS:-3}
KM_ARGS="-p ${KM_POINTS:-3000000} -d 8 -k 8 -i 4 -s 7"
KM_BACKENDS=$(echo "${KM_BACKENDS:-rmem,nvmeof,nbd,zram,disk,ram}" | tr ',' ' ')
log "ratios: $KM_RATIOS; repetitions: $KM_REPS; kmeans $KM_ARGS; backends: $KM_BACKENDS"
SWAP_MB=256
command -v kmeans >/dev/null || fail "kmeans is not in the initramfs"

rxe_up
modprobe vdpa && modprobe vhost_iotlb && modprobe virtio_vdpa || fail "vdpa modules"
modprobe virtio_blk
rmem_insmod vhost_rmem || fail "insmod vhost_rmem"
[ -f /rmem/modules/virtio_rmem.ko ] && rmem_insmod virtio_rmem

# vdpa_disk NAME BACKEND ID: a vhost_rmem device bound to virtio_vdpa; prints its /dev node.
vdpa_disk() {
	vdpa dev add mgmtdev rmem name "$1" || return 1
	_c=/sys/bus/vdpa/devices/$1/rmem
	echo $((SWAP_MB << 20)) >"$_c/capacity" && echo "$3" >"$_c/device_id" && echo "$2" >"$_c/backend" || return 1
	[ "$2" = rdma ] && { echo "$RMEM_MY_IP" >"$_c/donor" || return 1; }
	echo virtio_vdpa >"/sys/bus/vdpa/devices/$1/driver_override" && echo "$1" >/sys/bus/vdpa/drivers_probe || return 1
	_i=0
	while [ $_i -lt 100 ]; do
		for _b in /sys/bus/vdpa/devices/"$1"/virtio*/block/*; do
			[ -e "$_b" ] && [ -b "/dev/$(basename "$_b")" ] && { echo "/dev/$(basename "$_b")"; return 0; }
		done
		_i=$((_i + 1))
		sleep 0.1
	done
	return 1
}

setup_rmem() {
	appliance_start --memory $((SWAP_MB + 32))M --chunk-size 1M --no-hugepages >/dev/null
	vdpa_disk kmrmem rdma 7001
}
setup_ram() { vdpa_disk kmram ram 7002; }
setup_zram() {
	modprobe zram num_devices=1 || return 1
	echo $((SWAP_MB << 20)) >/sys/block/zram0/disksize && echo /dev/zram0
}
setup_disk() {
	# The host hook attaches the file-backed disk as the only other virtio-blk.
	for _d in /sys/block/vd*; do
		[ -e "$_d/device/driver" ] || continue
		readlink "$_d/device" | grep -q vdpa && continue
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
setup_nvmeof() {
	modprobe brd rd_nr=1 rd_size=$((SWAP_MB * 1024)) && modprobe nvmet && modprobe nvmet_rdma && modprobe nvme_rdma || return 1
	_n=/sys/kernel/config/nvmet
	mkdir "$_n/subsystems/rmem-km" && echo 1 >"$_n/subsystems/rmem-km/attr_allow_any_host" &&
		mkdir "$_n/subsystems/rmem-km/namespaces/1" &&
		echo /dev/ram0 >"$_n/subsystems/rmem-km/namespaces/1/device_path" &&
		echo 1 >"$_n/subsystems/rmem-km/namespaces/1/enable" && mkdir "$_n/ports/1" &&
		echo "$RMEM_MY_IP" >"$_n/ports/1/addr_traddr" && echo rdma >"$_n/ports/1/addr_trtype" &&
		echo 4420 >"$_n/ports/1/addr_trsvcid" && echo ipv4 >"$_n/ports/1/addr_adrfam" &&
		ln -s "$_n/subsystems/rmem-km" "$_n/ports/1/subsystems/rmem-km" || return 1
	# What nvme-cli's "connect" writes.
	echo "transport=rdma,traddr=$RMEM_MY_IP,trsvcid=4420,nqn=rmem-km" >/dev/nvme-fabrics || return 1
	_i=0
	while [ $_i -lt 100 ]; do
		# Multipath hides nvme0c0n1 without a /dev node: insist on a block device.
		for _b in /dev/nvme*n1; do [ -b "$_b" ] && { echo "$_b"; return 0; }; done
		_i=$((_i + 1)); sleep 0.1
	done
	return 1
}

available=
for b in $KM_BACKENDS; do
	dev=$(setup_$b 2>/tmp/setup-$b.log | tail -n 1)
	if [ -n "$dev" ] && [ -b "$dev" ] && mkswap "$dev" >/dev/null 2>&1; then
		eval "dev_$b=$dev"
		available="$available $b"
		log "backend $b: swap on $dev"
	else
		log "backend $b: NOT AVAILABLE (setup failed; see below)"
		cat /tmp/setup-$b.log
		echo "KMEANS-MISSING: $b"
	fi
done
[ -n "$available" ] || fail "no swap backend could be set up"

echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir -p /sys/fs/cgroup/km
# run_km RATIO_LIMIT_BYTES|max : one kmeans run in the cgroup; prints seconds and checksum.
run_km() {
	echo "$1" >/sys/fs/cgroup/km/memory.max || return 1
	echo max >/sys/fs/cgroup/km/memory.swap.max
	echo 0 >/sys/fs/cgroup/km/memory.peak 2>/dev/null
	sh -c "echo \$\$ >/sys/fs/cgroup/km/cgroup.procs; exec kmeans $KM_ARGS" >/tmp/km.out 2>&1 || { cat /tmp/km.out; return 1; }
	echo "$(sed -n 's/^kmeans: seconds=\([0-9.]*\).*/\1/p' /tmp/km.out) $(sed -n 's/^kmeans: checksum=//p' /tmp/km.out)"
}

# Peak RSS at 100 % local: one run without a limit and without swap.
out=$(run_km max) || fail "kmeans failed without a memory limit"
peak=$(cat /sys/fs/cgroup/km/memory.peak)
set -- $out
ref_sum=$2
log "100% local: $1 s, peak $((peak >> 20)) MiB, checksum $ref_sum"
echo "KMEANS-PEAK: $peak"

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
			out=$(run_km "$lim") || { swapoff "$dev"; fail "kmeans failed on $b at $ratio %"; }
			swapoff "$dev" || fail "swapoff $dev ($b)"
			set -- $out
			echo "KMEANS: $b $ratio $rep $1 $2"
			[ "$2" = "$ref_sum" ] || fail "checksum $2 on $b at $ratio % differs from the local run's $ref_sum"
		done
	done
	rep=$((rep + 1))
done
for b in $available; do
	[ "$b" = rmem ] && log "rmem device stats: $(cd /sys/bus/vdpa/devices/kmrmem/rmem/stats 2>/dev/null && for f in *; do printf '%s=%s ' "$f" "$(cat "$f")"; done)"
done
pass
