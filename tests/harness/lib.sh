# Helpers for the guest scripts of every tier (sourced by /init before the
# test script; busybox ash, so POSIX sh).
# A test ends with exactly one verdict: pass, fail "why" or skip "why"; the
# host side parses the "RMEM-TEST:" line from the serial console.
# shellcheck shell=sh

log() { echo "[$RMEM_TEST] $*"; }

pass() { echo "RMEM-TEST: PASS"; exit 0; }
fail() { echo "RMEM-TEST: FAIL $*"; exit 1; }
skip() { echo "RMEM-TEST: SKIP $*"; exit 0; }

# check "what it proves" cmd args... : runs cmd, fails the test if it fails.
check() {
	_what=$1
	shift
	"$@" || fail "$_what (command: $*; exit $?)"
}

# retry TRIES SLEEP cmd args... : bounded retry; returns the last exit code.
retry() {
	_tries=$1 _sleep=$2
	shift 2
	while :; do
		"$@" && return 0
		_tries=$((_tries - 1))
		[ $_tries -le 0 ] && return 1
		sleep "$_sleep"
	done
}

# Soft-RoCE on eth0; returns once rxe0's port is ACTIVE (bounded).  A no-op
# when the device is already up, so helpers can call it unconditionally.
rxe_up() {
	_dev=${1:-rxe0} _nic=${2:-eth0}
	rdma link show "$_dev/1" 2>/dev/null | grep -q 'state ACTIVE' && return 0
	modprobe crc32_generic || fail "modprobe crc32_generic"
	modprobe rdma_rxe || fail "modprobe rdma_rxe"
	modprobe ib_uverbs || fail "modprobe ib_uverbs"
	modprobe rdma_ucm || fail "modprobe rdma_ucm"
	rdma link add "$_dev" type rxe netdev "$_nic" || fail "rdma link add $_dev on $_nic"
	_i=0
	while [ $_i -lt 100 ]; do
		rdma link show "$_dev/1" 2>/dev/null | grep -q 'state ACTIVE' && return 0
		_i=$((_i + 1))
		sleep 0.1
	done
	rdma link show
	fail "$_dev port did not become ACTIVE within 10 s"
}

# Two-VM synchronisation over plain TCP on the test link: role b announces
# readiness, role a waits for it (bounded).
RMEM_SYNC_PORT=7999
peer_ready() {
	(while :; do echo ready | nc -l -p $RMEM_SYNC_PORT >/dev/null 2>&1; done) &
}
wait_peer() {
	_t=${1:-120}
	_i=0
	while [ $_i -lt $((_t * 2)) ]; do
		[ "$(nc "$RMEM_PEER_IP" $RMEM_SYNC_PORT </dev/null 2>/dev/null)" = ready ] && return 0
		_i=$((_i + 1))
		sleep 0.5
	done
	fail "peer $RMEM_PEER_IP did not become ready within ${_t} s"
}

# Role b of a two-VM test serves until the host stops its VM.
serve_forever() { while :; do sleep 3600; done; }

# Load one of our modules (built into /rmem/modules) after the kernel modules
# it declares it depends on (our .ko files are not in modules.dep).
rmem_insmod() {
	_m=$1
	shift
	for _d in $(modinfo -F depends "/rmem/modules/$_m.ko" 2>/dev/null | tr ',' ' '); do
		modprobe "$_d" || { echo "rmem_insmod: modprobe $_d (needed by $_m) failed"; return 1; }
	done
	insmod "/rmem/modules/$_m.ko" "$@" || return 1
	# The host proves the rack key (written, never on the command line).
	if [ "$_m" = vhost_rmem ] && [ -f /etc/rmem/rack.key ]; then
		cat /etc/rmem/rack.key >/sys/module/vhost_rmem/parameters/rack_key ||
			{ echo "rmem_insmod: loading the rack key into vhost_rmem failed"; return 1; }
	fi
}

# perftest result row (bytes iters t_min t_max t_typical t_avg t_stdev p99 p99.9)
# from a client's output on stdin.
perf_row() { grep -E '^ *[0-9]+ +[0-9]+ +[0-9.]+' | tail -n 1; }

# perf_result WHAT OUTPUT: the columns of OUTPUT's result row in $perf_bytes
# $perf_iters $perf_tmin $perf_typical $perf_avg $perf_p99 (usec); fails
# naming WHAT when it printed none.
perf_result() {
	_row=$(echo "$2" | perf_row)
	[ -n "$_row" ] || { echo "$2"; fail "$1 printed no result row"; }
	# shellcheck disable=SC2086 # the row splits into its columns
	set -- $_row
	perf_bytes=$1 perf_iters=$2 perf_tmin=$3 perf_typical=$5 perf_avg=$6 perf_p99=$8
}

# fio_verify WHAT JOB DEV OUTPUT FIO_ARGS...: checks that a direct-I/O fio job
# on DEV passes its crc32c verification (fatal on the first mismatch);
# fio's report goes to OUTPUT.
fio_verify() {
	_what=$1 _job=$2 _dev=$3 _out=$4
	shift 4
	check "$_what" fio --name="$_job" --filename="$_dev" --direct=1 "$@" \
		--verify=crc32c --verify_fatal=1 --output="$_out"
}

# perf_loopback TOOL ARGS... : runs a perftest server and client on this VM's
# rxe0 (GID 1 = the IPv4 address) and prints the client's output.  Bounded.
perf_loopback() {
	_tool=$1
	shift
	timeout 120 "$_tool" -d rxe0 -x 1 "$@" >/tmp/perf-server.log 2>&1 &
	_srv=$!
	sleep 1
	retry 10 1 timeout 120 "$_tool" -d rxe0 -x 1 "$@" "$RMEM_MY_IP" >/tmp/perf-client.log 2>&1
	_rc=$?
	wait $_srv
	_src=$?
	cat /tmp/perf-client.log
	[ $_rc = 0 ] && [ $_src = 0 ]
}
