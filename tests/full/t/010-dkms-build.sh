# DKMS packaging of both modules.  The .host hook ran dkms add/build/install
# on the build machine for this kernel (private trees, see scripts/dkms.sh) and
# put what dkms installed in /lib/modules/$(uname -r)/updates/dkms/.  Here
# they are loaded the way a host that ran `dkms install` loads them - depmod,
# then modprobe by name, dependencies from modules.dep (the build/modules
# copies in /rmem/modules are in no index) - and they must work: vermagic of
# this kernel, a ram-backed device added with rmemctl and bound to
# virtio_vdpa, claimed by the DKMS-built virtio_rmem, verified I/O.
# vms: 1
# timeout: 300
# shellcheck shell=sh
. /tests/lib/vhost.inc
rel=$(uname -r)
upd=/lib/modules/$rel/updates/dkms
d=/rmem/dkms
if [ -f $d/FAILED ]; then
	cat $d/FAILED
	fail "host side: $(head -n1 $d/FAILED)"
fi
[ -f $d/SHA256SUMS ] || fail "no DKMS-built modules in the initramfs ($d/SHA256SUMS missing: did 010-dkms-build.host run?)"
(cd "$upd" && sha256sum -c $d/SHA256SUMS) || fail "the modules in $upd are not the ones dkms installed on the build machine"
for m in vhost_rmem virtio_rmem; do
	vm=$(modinfo -F vermagic "$upd/$m.ko")
	case "$vm" in
	"$rel "*) log "$m.ko (dkms): vermagic $vm" ;;
	*) fail "$m.ko built by dkms has vermagic '$vm', this kernel is $rel" ;;
	esac
	[ "$(modinfo -F name "$upd/$m.ko")" = $m ] || fail "$upd/$m.ko is not named $m"
done

check "depmod indexes updates/dkms" depmod
for m in vhost_rmem virtio_rmem; do
	grep -q "^updates/dkms/$m.ko:" /lib/modules/$rel/modules.dep || fail "depmod did not index updates/dkms/$m.ko"
done
lsmod | grep -q '^vdpa ' && fail "vdpa already loaded: modprobe's dependency handling would go unchecked"
check "modprobe vhost_rmem (dkms build, dependencies from modules.dep)" modprobe vhost_rmem
for m in vhost_rmem vdpa vhost_iotlb rdma_cm; do
	lsmod | grep -q "^$m " || fail "$m not loaded after modprobe vhost_rmem"
done
[ -e /sys/module/vhost_rmem/parameters/rdma_timeout_ms ] || fail "vhost_rmem has no rdma_timeout_ms parameter"
check "modprobe virtio_vdpa" modprobe virtio_vdpa
# Loaded before any virtio-blk device exists, so it is offered rmem0 first.
check "modprobe virtio_rmem (dkms build)" modprobe virtio_rmem
lsmod | grep -q '^virtio_blk ' && fail "virtio_blk is loaded: it could claim the device first"

check "rmemctl dev add (ram backend, virtio_vdpa)" \
	rmemctl dev add rmem0 capacity 64M id 0x4242 backend ram driver virtio_vdpa
i=0 disk=
while [ $i -lt 100 ] && [ -z "$disk" ]; do
	for b in /sys/bus/vdpa/devices/rmem0/virtio*/block/rmem*; do
		[ -e "$b" ] && [ -b "/dev/$(basename "$b")" ] && disk=$(basename "$b")
	done
	i=$((i + 1))
	sleep 0.1
done
[ -n "$disk" ] || { dmesg | tail -20; fail "no /dev/rmemN appeared for rmem0"; }
v=$(basename /sys/bus/vdpa/devices/rmem0/virtio*)
drv=$(basename "$(readlink /sys/bus/virtio/devices/$v/driver)")
[ "$drv" = virtio_rmem ] || fail "rmem0's $v is bound to $drv, not virtio_rmem"
log "rmem0 is /dev/$disk (virtio_rmem); $(rmemctl dev show rmem0 | head -n1)"
[ "$(cat /sys/block/$disk/size)" = $((64 << 11)) ] || fail "/dev/$disk has $(cat /sys/block/$disk/size) sectors, want $((64 << 11))"

nz=$(dd if=/dev/$disk bs=1M count=4 iflag=direct 2>/dev/null | tr -d '\000' | wc -c)
[ "$nz" = 0 ] || fail "never-written blocks read $nz non-zero bytes"
check "make a 4 MiB pattern" dd if=/dev/urandom of=/tmp/pat bs=1M count=4 iflag=fullblock
check "write it at 3 MiB" dd if=/tmp/pat of=/dev/$disk bs=1M seek=3 oflag=direct conv=fsync
check "read it back" dd if=/dev/$disk of=/tmp/back bs=1M skip=3 count=4 iflag=direct
cmp /tmp/pat /tmp/back || fail "read back differs from what was written"
fio_verify "fio 4k randwrite + verify" rand4k /dev/$disk /tmp/fio.log --ioengine=libaio --iodepth=8 \
	--rw=randwrite --bs=4k --offset=16M --size=16M --do_verify=1 --randrepeat=1
w=$(vhost_stat rmem0 writes) r=$(vhost_stat rmem0 reads) req=$(cat /sys/block/$disk/rmem/requests)
log "host: writes $w reads $r chunks $(vhost_stat rmem0 chunks); guest: requests $req merges $(cat /sys/block/$disk/rmem/merges)"
[ "$w" -gt 0 ] && [ "$r" -gt 0 ] || fail "vhost_rmem counters did not move (writes $w reads $r)"
[ "$req" -gt 0 ] || fail "virtio_rmem counted no requests"
[ "$(cat /sys/block/$disk/rmem/errors)" = 0 ] || fail "virtio_rmem counted $(cat /sys/block/$disk/rmem/errors) errors"
vhost_no_errors rmem0 host

check "rmemctl dev del rmem0" rmemctl dev del rmem0
[ -b /dev/$disk ] && fail "/dev/$disk still there after delete"
check "rmmod virtio_rmem" rmmod virtio_rmem
check "rmmod vhost_rmem" rmmod vhost_rmem
pass
