# RDMA READ between two VMs joined by the UDP socket link (127.0.0.1 only):
# the topology of every donor-in-another-VM test.
# vms: 2
# timeout: 300
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
row=$(echo "$out" | perf_row)
[ -n "$row" ] || { echo "$out"; fail "ib_read_lat printed no result row"; }
set -- $row
log "ib_read_lat 4096 B between VMs: iters=$2 t_min=$3 t_typical=$5 t_avg=$6 p99=$8 usec"
[ "$2" = 300 ] || fail "ran $2 iterations, expected 300"
pass
