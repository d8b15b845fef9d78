# rmem-appliance benchmark, one VM (rxe loopback), ratios against perftest
# measured in the same run:
#   chunk alloc latency (median, p99) / ib_atomic_lat CMP_AND_SWAP   goal <= 1.5
#   4 KiB read / write latency / ib_read_lat / ib_write_lat
#   appliance CPU during a 30 s read/write loop, % of one core        goal < 1
# TCG timing is noisy (the host runs other VMs and builds), so each pair is
# measured ROUNDS times back to back and the median of the per-round ratios
# is reported.  Our client busy-polls like perftest (--spin-us 1000000).
# vms: 1
# timeout: 900
# shellcheck shell=sh
. /tests/lib/appliance.inc
ROUNDS=3
ITERS=1000
rxe_up

perf_typical() {	# perf_typical TOOL ARGS... -> t_typical of the client row
	_out=$(perf_loopback "$@") || { echo "$_out"; fail "$1 did not complete"; }
	_row=$(echo "$_out" | perf_row)
	[ -n "$_row" ] || { echo "$_out"; fail "$1 printed no result row"; }
	echo "$1 $_row" >&2
	set -- $_row
	echo "$5"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

appliance_start --memory 128M --chunk-size 1M --no-hugepages --lease-timeout 60s

r_alloc='' r_alloc99='' r_read='' r_write='' r_cm='' r_free=''
r=1
while [ $r -le $ROUNDS ]; do
	atomic=$(perf_typical ib_atomic_lat -A CMP_AND_SWAP -n $ITERS)
	atomic_cm=$(perf_typical ib_atomic_lat -A CMP_AND_SWAP -n $ITERS -R)
	read_raw=$(perf_typical ib_read_lat -s 4096 -n $ITERS)
	write_raw=$(perf_typical ib_write_lat -s 4096 -n $ITERS)
	tc -D 4242 --spin-us 1000000 bench --iters $ITERS -s 4096 >/tmp/bench.$r 2>&1 ||
		{ cat /tmp/bench.$r; fail "rmem-testclient bench failed"; }
	cat /tmp/bench.$r
	val() { sed -n "s/^BENCH: $1 //p" /tmp/bench.$r; }
	r_alloc="$r_alloc $(ratio "$(val rmem_alloc_t_typical_us)" "$atomic")"
	r_alloc99="$r_alloc99 $(ratio "$(val rmem_alloc_p99_us)" "$atomic")"
	r_cm="$r_cm $(ratio "$(val rmem_alloc_t_typical_us)" "$atomic_cm")"
	# free is exactly one CAS on the same connection: alloc/free shows what
	# the allocator adds to one atomic, free of the emulation's noise.
	r_free="$r_free $(ratio "$(val rmem_alloc_t_typical_us)" "$(val rmem_free_t_typical_us)")"
	r_read="$r_read $(ratio "$(val rmem_read_t_typical_us)" "$read_raw")"
	r_write="$r_write $(ratio "$(val rmem_write_t_typical_us)" "$write_raw")"
	log "round $r: CAS $atomic us (rdma_cm $atomic_cm), read $read_raw, write $write_raw; rmem alloc $(val rmem_alloc_t_typical_us), read $(val rmem_read_t_typical_us), write $(val rmem_write_t_typical_us)"
	r=$((r + 1))
done

# Donor CPU: utime + stime (fields 14, 15 of /proc/PID/stat, USER_HZ = 100)
# across a 30 s loop of one-sided 4 KiB writes and reads.
ticks() { cut -d' ' -f14,15 "/proc/$RMEM_APP_PID/stat" | awk '{ print $1 + $2 }'; }
t0=$(ticks)
s0=$(date +%s)
tc -D 4343 bench --seconds 30 -s 4096 >/tmp/loop.out 2>&1 || { cat /tmp/loop.out; fail "30 s loop failed"; }
t1=$(ticks)
s1=$(date +%s)
cat /tmp/loop.out
cpu=$(awk -v t="$((t1 - t0))" -v s="$((s1 - s0))" 'BEGIN { printf "%.3f", t / 100 / s * 100 }')

alloc=$(echo "$r_alloc" | median)
echo "BENCH: appliance_alloc_over_atomic $alloc"
echo "BENCH: appliance_alloc_p99_over_atomic $(echo "$r_alloc99" | median)"
echo "BENCH: appliance_alloc_over_atomic_rdmacm $(echo "$r_cm" | median)"
echo "BENCH: appliance_alloc_over_own_cas $(echo "$r_free" | median)"
echo "BENCH: appliance_read_4k_over_ib_read_lat $(echo "$r_read" | median)"
echo "BENCH: appliance_write_4k_over_ib_write_lat $(echo "$r_write" | median)"
echo "BENCH: appliance_cpu_pct $cpu"
log "alloc / one CAS: rounds$r_alloc -> $alloc (goal <= 1.5); vs an rdma_cm-connected CAS:$r_cm; vs our own CAS (free):$r_free"
log "4 KiB read / ib_read_lat:$r_read; write / ib_write_lat:$r_write"
log "appliance CPU during the 30 s loop: $cpu % of a core (goal < 1 %), $((t1 - t0)) ticks in $((s1 - s0)) s"
appliance_stop
pass
