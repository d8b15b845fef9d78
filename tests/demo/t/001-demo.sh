# make demo, guest side (role a = the host VM; role b is the donor, which
# PXE-boots the appliance image: see 001-demo.host).  Narrated for a person;
# lines starting with "DEMO:" are collected into the closing summary.
# vms: 2
# mem: 1G
# timeout: 900
. /tests/vm/t/appliance.inc
. /tests/vm/t/vhost.inc
[ "$RMEM_ROLE" = a ] || fail "role b is the PXE-booted donor, not this script"
say() { printf '\n== %s\n' "$*"; }

say "Host VM: Debian $(uname -r) under QEMU/TCG; soft-RoCE on the link to the donor VM"
rxe_up
out=$(perf_loopback ib_read_lat -s 4096 -n 300) && set -- $(echo "$out" | perf_row) &&
	echo "DEMO: raw RDMA READ 4 KiB on this VM's rxe0: typical $5 us (perftest ib_read_lat)"

say "Waiting for the donor VM: it network-boots (iPXE, TFTP) into rmem-appliance as PID 1"
RMEM_DONOR=$RMEM_PEER_IP
export RMEM_DONOR
retry 90 2 tc -t 3000 info >/tmp/info 2>&1 || { cat /tmp/info; fail "the donor did not answer within 180 s"; }
echo "$RMEM_DONOR:7471" >/tmp/donors
rmemctl -f /tmp/donors donor show || fail "rmemctl donor show"
echo "DEMO: donor $RMEM_DONOR booted over PXE and serves $(rmemctl -j -f /tmp/donors donor show | sed -n 's/.*"chunks_total": *\([0-9]*\).*/\1/p') chunks of 1 MiB"

say "Host module: a 256 MiB rmem device on the rdma backend, handed to this kernel's virtio_blk"
vhost_load
modprobe virtio_vdpa || fail "modprobe virtio_vdpa"
modprobe virtio_blk
vhost_dev_add_rdma rmem0 $((256 << 20)) 4242
vhost_bind rmem0 virtio_vdpa
disk=$(vhost_disk rmem0) || fail "no disk for rmem0"
rmemctl dev show rmem0
echo "DEMO: vhost_rmem device rmem0 (device id 4242, donor $RMEM_DONOR) appears as /dev/$disk"

say "Swap on remote memory: a program writes 48 MiB of checksummed pages inside a 12 MiB cgroup"
check "mkswap /dev/$disk" mkswap "/dev/$disk"
check "swapon /dev/$disk" swapon "/dev/$disk"
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir -p /sys/fs/cgroup/demo
# memory.high, not memory.max: across the emulated link every 4 KiB swapped
# out costs milliseconds, and a hard limit would OOM-kill the program while
# writeback is in flight; high throttles it until reclaim catches up.
echo $((12 << 20)) >/sys/fs/cgroup/demo/memory.high
before=$(owners_used)
sh -c "echo \$\$ >/sys/fs/cgroup/demo/cgroup.procs; exec rmem-memstress --size 48M --seed 42"
rc=$?
[ $rc = 0 ] || fail "memstress failed or found mismatches (exit $rc)"
say "rmem-top (batch mode, 2 refreshes) while the swapped-out pages sit on the donor"
rmem-top -f /tmp/donors -b -n 2 -d 1
grep -E 'SwapTotal|SwapFree' /proc/meminfo
after=$(owners_used)
echo "DEMO: 48 MiB written and read back through swap with 0 mismatches; the donor's owner table went from $before to $after chunks in use"
echo "DEMO: device counters: $(vhost_stat rmem0 writes) writes, $(vhost_stat rmem0 reads) reads, $(vhost_stat rmem0 chunks) chunks held"
check "the device's map equals the donor's owner table" vhost_map_matches_owners rmem0
echo "DEMO: the host's map of rmem0 matches the donor's owner table (read one-sided, no donor CPU)"

say "Swap off and delete: every chunk goes back to the donor"
check "swapoff" swapoff "/dev/$disk"
echo rmem0 >/sys/bus/vdpa/drivers/virtio_vdpa/unbind 2>/dev/null
check "vdpa dev del rmem0" vdpa dev del rmem0
i=0
while [ "$(owners_used)" != 0 ] && [ $i -lt 20 ]; do
	sleep 0.5
	i=$((i + 1))
done
[ "$(owners_used)" = 0 ] || fail "chunks still held on the donor after delete"
echo "DEMO: after swapoff and delete the donor's owner table is empty again"
pass
