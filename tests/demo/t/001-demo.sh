# make demo, guest side: what works today, narrated.  Lines starting with
# "DEMO:" are collected into the closing summary by tests/demo.sh.
# vms: 1
# timeout: 300
echo "== Debian $(uname -r) booted under QEMU (TCG); bringing up soft-RoCE on eth0"
rxe_up
rdma link show
ibv_devinfo -d rxe0 | grep -E 'hca_id|transport|state|active_mtu|link_layer'
echo "DEMO: soft-RoCE device rxe0 on eth0 ($RMEM_MY_IP): $(ibv_devinfo -d rxe0 | grep -o 'PORT_ACTIVE')"
echo "== One-sided RDMA over rxe0 (perftest, 500 iterations each; microseconds)"
printf '%-30s %8s %10s %10s %10s %10s\n' test bytes t_min t_typical t_avg p99
for t in "ib_read_lat -s 4096" "ib_write_lat -s 4096" "ib_atomic_lat -A CMP_AND_SWAP"; do
	out=$(perf_loopback $t -n 500) || { echo "$out"; fail "$t failed"; }
	set -- $(echo "$out" | perf_row)
	[ $# -ge 8 ] || fail "$t printed no result row"
	printf '%-30s %8s %10s %10s %10s %10s\n' "$t" "$1" "$3" "$5" "$6" "$8"
	echo "DEMO: $t: typical $5 us (min $3, p99 $8)"
done
for m in vhost_rmem virtio_rmem; do
	rmem_insmod $m && rmmod $m && echo "DEMO: module $m.ko loads and unloads on $(uname -r)"
done
pass
