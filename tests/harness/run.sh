#!/usr/bin/env bash
# VM tier runner: boots Debian's kernel under QEMU/TCG with the test initramfs
# and runs one guest script per test (tests/<tier>/t/NNN-<name>.sh).  The
# harness of every tier (vm, full, demo, bench, kmeans).
#
#   run.sh [--tier vm|full|demo|bench|kmeans] [--only GLOB] [--list]
#
# A test passes only if its guest printed "RMEM-TEST: PASS", QEMU ended
# before the timeout, and no guest log (both VMs in two-VM tests) shows a
# kernel BUG/WARNING/Oops/Call Trace/hung task/soft lockup/panic.  Header lines
# in the script: "# vms: 1|2", "# timeout: SECONDS", "# mem: SIZE",
# "# kver: 6.12|6.1", "# initramfs: full" (adds QEMU for nested guests),
# "# cmdline: ARGS" (more kernel parameters, e.g. slub_debug=FZP),
# "# expect: kernel-warning" (the harness self-test: pass
# only when the harness caught the warning).  A test's host side, if any:
# tests/<tier>/host/NNN-<name>.host.  Logs: build/test-logs/<tier>/.
# All sockets bind to 127.0.0.1; guest addresses never leave QEMU.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/harness/tier.sh"
tier=vm
only='*'
list=0
while [ $# -gt 0 ]; do
	case $1 in
	--tier) tier=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--list) list=1; shift ;;
	-h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done

logs=$top/build/test-logs/$tier
mkdir -p "$logs"
tier_begin

# The patterns that fail any test when they show in a guest's kernel log.
# (SLUB's own reports read "BUG kmalloc-64 (Not tainted): Poison overwritten".)
kernel_problems='BUG:|BUG [^ ]+ \((Not t|T)ainted|WARNING:|Oops|Call Trace|blocked for more than|soft lockup|hard LOCKUP|Kernel panic|general protection fault|UBSAN:|KASAN:'

header() {	# header FILE KEY DEFAULT
	local v
	v=$(sed -n "s/^# $2: *//p" "$1" | head -n1)
	echo "${v:-$3}"
}

declare -A initrd_of=()
initrd() {	# initrd KVER [VARIANT] → path (built once per run)
	local k="$1 ${2:-}"
	if [ -z "${initrd_of[$k]:-}" ]; then
		initrd_of[$k]=$("$top/tests/harness/mkinitramfs.sh" "$1" ${2:-} | tail -n1) || return 1
	fi
	echo "${initrd_of[$k]}"
}

pick_ports() {	# two free UDP ports on 127.0.0.1
	local p
	for _ in $(seq 50); do
		p=$((20000 + (RANDOM % 20000) * 2))
		ss -Hlun "( sport = :$p or sport = :$((p + 1)) )" 2>/dev/null | grep -q . || { echo "$p $((p + 1))"; return; }
	done
	echo "run.sh: no free UDP port pair on 127.0.0.1" >&2
	return 1
}

# Arguments every VM gets; the boot and network parts are per role.
qemu_base() {	# qemu_base MEM LOG PIDFILE
	echo qemu-system-x86_64 -machine pc -accel tcg -cpu max -smp 2 -m "$1" \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$2" -pidfile "$3"
}

# verdict LOG → prints "pass", "skip WHY" or "fail WHY"
verdict() {
	local log=$1 line
	line=$(tr -d '\r' <"$log" | grep -a -m1 '^RMEM-TEST: ' || true)
	case $line in
	"RMEM-TEST: PASS"*) echo pass ;;
	"RMEM-TEST: SKIP"*) echo "skip ${line#RMEM-TEST: SKIP }" ;;
	"RMEM-TEST: FAIL"*) echo "fail ${line#RMEM-TEST: FAIL }" ;;
	*) echo "fail no verdict from the guest" ;;
	esac
}

problems() {	# problems LOG... → first kernel problem line, if any
	local l
	for l in "$@"; do
		tr -d '\r' <"$l" | grep -a -m1 -E "$kernel_problems" && return 0
	done
	return 1
}

run_one() {	# run_one SCRIPT
	local script=$1 name vms tmo mem kver expect variant cmdline log blog v prob rc start pa pb bpid='' follow='' watcher=''
	name=$(basename "$script" .sh); name=${name#[0-9][0-9][0-9]-}
	vms=$(header "$script" vms 1)
	tmo=$(header "$script" timeout 180)
	mem=$(header "$script" mem 1G)
	kver=$(header "$script" kver 6.12)
	expect=$(header "$script" expect "")
	variant=$(header "$script" initramfs "")
	cmdline=$(header "$script" cmdline "")
	log=$logs/$name.log
	blog=$logs/$name.b.log
	rm -f "$log" "$blog"
	# The machine has 2 cores: VM tests from any clone or session run one at
	# a time, waiting here for the machine-wide lock.
	exec 9>/tmp/rmem-vm.lock
	flock 9
	initrd "$kver" "$variant" >/dev/null || { flock -u 9; "$results" record fail "$tier/$name" "initramfs build failed"; return; }

	# Per role: how it boots (our test initramfs by default) and its NIC on
	# the test link.  A test's optional hook tests/<tier>/host/NNN-name.host
	# (bash, sourced here) may replace vm_a / vm_b (e.g. a PXE-booted appliance), define
	# host_check (extra host-side verdict, run after the VMs stopped) and
	# set b_watch (a pattern in VM b's console; its time of appearance is
	# reported as b_watch_secs).
	local kroot=$top/build/kernels/$kver img
	img=$(initrd "$kver" "$variant")
	boot_a=(-kernel "$kroot/vmlinuz" -initrd "$img" -append "console=ttyS0 panic=-1 rmem.test=$name rmem.role=a rmem.tier=$tier${cmdline:+ $cmdline}")
	boot_b=(-kernel "$kroot/vmlinuz" -initrd "$img" -append "console=ttyS0 panic=-1 rmem.test=$name rmem.role=b rmem.tier=$tier${cmdline:+ $cmdline}")
	if [ "$vms" = 2 ]; then
		read -r pa pb <<<"$(pick_ports)" || { flock -u 9; "$results" record fail "$tier/$name" "no free UDP ports"; return; }
		link_a=(-netdev "socket,id=n0,udp=127.0.0.1:$pb,localaddr=127.0.0.1:$pa" -device "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:01,romfile=")
		link_b=(-netdev "socket,id=n0,udp=127.0.0.1:$pa,localaddr=127.0.0.1:$pb" -device "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:02,romfile=")
	else
		# User-mode net, restricted: the NIC exists for rxe, nothing leaves QEMU.
		link_a=(-netdev "user,id=n0,restrict=on" -device "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:01,romfile=")
		link_b=()
	fi
	vm_a=("${boot_a[@]}" "${link_a[@]}")
	vm_b=("${boot_b[@]}" "${link_b[@]}")
	unset -f host_check
	b_watch='' b_watch_secs='' runs_for=''
	local hook
	hook=$top/tests/$tier/host/$(basename "$script" .sh).host
	# shellcheck disable=SC1090
	[ -f "$hook" ] && . "$hook"
	start=$(date +%s)

	if [ "$vms" = 2 ]; then
		# shellcheck disable=SC2046 # qemu_base prints words, none with spaces
		timeout -k 5 $((tmo + 30)) $(qemu_base "$mem" "$blog" "$logs/$name.b.pid") "${vm_b[@]}" \
			>"$logs/$name.b.qemu" 2>&1 &
		bpid=$!
		if [ -n "$b_watch" ]; then
			(for _ in $(seq $((tmo * 2))); do
				grep -aq "$b_watch" "$blog" 2>/dev/null && { echo $(($(date +%s) - start)) >"$logs/$name.b.watch"; exit; }
				sleep 0.5
			done) &
			watcher=$!
		fi
	fi
	rm -f "$logs/$name.b.watch"
	if [ -n "${RMEM_VM_FOLLOW:-}" ]; then
		# Narrate: the guest's own lines, not the kernel's (nor a nested
		# guest's console, which the demo summarises itself), as they come.
		: >"$log"
		# (stderr quiet: the shell's "Terminated" when we stop it.)
		(tail -F -n +1 "$log" 2>/dev/null | sed -u 's/\r$//' |
			grep -a --line-buffered -v -E '^inner\| |^\[ *[0-9]+\.[0-9]+\] |^----- (end of )?nested guest console') 2>/dev/null &
		follow=$!
	fi
	# shellcheck disable=SC2046 # as above
	timeout -k 5 "${runs_for:-$tmo}" $(qemu_base "$mem" "$log" "$logs/$name.pid") "${vm_a[@]}" \
		>"$logs/$name.qemu" 2>&1
	rc=$?
	# runs_for: the VM is meant to be stopped by us (it never powers off).
	[ -n "$runs_for" ] && [ $rc = 124 ] && rc=0
	if [ -n "$follow" ]; then
		sleep 0.5
		{ pkill -P "$follow"; kill "$follow"; wait "$follow"; } 2>/dev/null
	fi
	if [ -n "$bpid" ]; then
		[ -f "$logs/$name.b.pid" ] && kill "$(cat "$logs/$name.b.pid")" 2>/dev/null
		wait "$bpid" 2>/dev/null
	fi
	# A test that ended before VM b showed its pattern leaves the watcher looping.
	[ -n "$watcher" ] && { kill "$watcher"; wait "$watcher"; } 2>/dev/null
	flock -u 9
	local took=$(($(date +%s) - start))
	b_watch_secs=$(cat "$logs/$name.b.watch" 2>/dev/null || true)
	touch "$log"
	v=$(verdict "$log")
	local logsargs=("$log")
	[ "$vms" = 2 ] && logsargs+=("$blog")
	prob=$(problems "${logsargs[@]}" || true)
	{ [ $rc = 124 ] || [ $rc = 137 ]; } && v="fail timeout after $tmo s"
	if [ $rc != 0 ] && [ $rc != 124 ] && [ $rc != 137 ] && [ "${v%% *}" = pass ]; then
		v="fail QEMU exited with $rc: $(head -c 300 "$logs/$name.qemu")"
	fi
	if declare -F host_check >/dev/null && [ "${v%% *}" != fail ] || { declare -F host_check >/dev/null && [ -n "$runs_for" ]; }; then
		local why
		if why=$(host_check 2>&1); then
			[ -n "$runs_for" ] && v=pass
			[ -n "$why" ] && echo "$why" | sed 's/^/#   /'
		else
			v="fail ${why:-host-side check failed}"
		fi
	fi

	if [ "$expect" = kernel-warning ]; then
		# Harness self-test: the guest passed on its own, the harness must
		# still have caught the WARNING in its log.
		if [ "$v" = pass ] && grep -q 'WARNING:' <<<"$prob"; then
			"$results" record ok "$tier/$name"
			echo "#   harness caught: $prob"
		else
			"$results" record fail "$tier/$name" "harness did not catch the expected kernel WARNING (verdict: $v)"
		fi
	elif [ -n "$prob" ]; then
		"$results" record fail "$tier/$name" "kernel problem in guest log: $prob"
	else
		case $v in
		pass) "$results" record ok "$tier/$name" ;;
		skip*) "$results" record skip "$tier/$name" "${v#skip }" ;;
		*) "$results" record fail "$tier/$name" "${v#fail }; log: build/test-logs/$tier/$name.log" ;;
		esac
	fi
	echo "#   $tier/$name took $took s (timeout $tmo s)"
	case $(tail -n1 "${RMEM_RESULTS:-$top/build/test-results/results}") in
	"not ok"*) tr -d '\r' <"$log" | grep -av '^\[ *[0-9.]*\] ' | tail -n 15 | sed 's/^/#     /' ;;
	esac
}

mapfile -t scripts < <(ls "$top/tests/$tier/t/"[0-9][0-9][0-9]-*.sh 2>/dev/null | sort)
[ ${#scripts[@]} -gt 0 ] || { echo "run.sh: no tests in tests/$tier/t" >&2; exit 1; }
ran=0
for s in "${scripts[@]}"; do
	name=$(basename "$s" .sh); name=${name#[0-9][0-9][0-9]-}
	# shellcheck disable=SC2053
	[[ $name == $only ]] || continue
	ran=$((ran + 1))
	if [ $list = 1 ]; then
		echo "$tier/$name"
		continue
	fi
	run_one "$s"
done
[ $ran -gt 0 ] || { echo "run.sh: no test matches '$only'" >&2; exit 1; }
tier_end $((1 - list))
