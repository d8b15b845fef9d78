# RDMA READ between two VMs joined by the UDP socket link (127.0.0.1 only):
# the topology of every donor-in-another-VM test.
# vms: 2
# timeout: 300
# shellcheck shell=sh
rxe_up
if [ "$RMEM_ROLE" = b ]; then
	# Serve one ib_read_lat client, then idle until the host stops this VM.
	(timeout 250 ib_read_lat -d rxe0 -x 1 -s 4096 -n 300 >/tmp/srv.log 2>&1; cat /tmp/srv.log) &
	peer_ready
	serve_forever
fi
wait_peer
out=$(retry 10 1 timeout 200 ib_read_lat -d rxe0 -x 1 -s 4096 -n 300 "$RMEM_PEER_IP" 2>&1) ||
	{ echo "$out"; fail "ib_read_lat to the peer VM did not complete"; }
perf_result ib_read_lat "$out"
log "ib_read_lat 4096 B between VMs: iters=$perf_iters t_min=$perf_tmin t_typical=$perf_typical t_avg=$perf_avg p99=$perf_p99 usec"
[ "$perf_iters" = 300 ] || fail "ran $perf_iters iterations, expected 300"
pass
