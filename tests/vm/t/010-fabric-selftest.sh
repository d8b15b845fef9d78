# Soft-RoCE on the guest NIC works and one-sided verbs complete over it: the
# fabric every other test stands on.  Prints raw perftest latencies.
# vms: 1
# timeout: 300
# shellcheck shell=sh
rxe_up
check "rxe0 is listed by ibv_devices" sh -c 'ibv_devices | grep -q rxe0'
check "rxe0 port 1 is PORT_ACTIVE" sh -c 'ibv_devinfo -d rxe0 | grep -q PORT_ACTIVE'
check "rxe0 sits on eth0" sh -c 'rdma link show rxe0/1 | grep -q "netdev eth0"'

for t in "ib_read_lat -s 4096" "ib_write_lat -s 4096" "ib_atomic_lat -A CMP_AND_SWAP" "ib_atomic_lat -A FETCH_AND_ADD"; do
	out=$(perf_loopback $t -n 500) || { echo "$out"; fail "$t did not complete over rxe0 loopback"; }
	perf_result "$t" "$out"
	log "$t: bytes=$perf_bytes iters=$perf_iters t_min=$perf_tmin t_typical=$perf_typical t_avg=$perf_avg p99=$perf_p99 usec"
	[ "$perf_iters" = 500 ] || fail "$t ran $perf_iters iterations, expected 500"
done
pass
