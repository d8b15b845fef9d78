#!/usr/bin/env bash
# make lint: the checks a kernel maintainer runs before reading a patch.
#
#   scripts/lint.sh [checkpatch|sparse|shellcheck|names|includes ...]   (default: all)
#
#  - checkpatch: the kernel's scripts/checkpatch.pl, taken from Debian's
#    linux-source-6.12 package (downloaded by `make deps` into the .deb cache,
#    three files extracted to build/lint/; nothing vendored), --strict, on
#    every source file of both modules and of the kernel-shared headers in
#    include/;
#  - sparse: both modules rebuilt with C=2 (every file checked) against the
#    6.12 headers; any sparse warning or error in our files fails;
#  - shellcheck: every shell script of the project, at severity warning;
#  - names: no function defined both in a kernel module and in userspace (a
#    prefix per component), includes: no #include cycle in any component
#    (scripts/lint/names.py).
#
# One line per check; with RMEM_CHECK_AGGREGATE=1 (make check) each check is
# also recorded as a test (lint/checkpatch, …) in the run's results.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
cache=${RMEM_DEB_CACHE:-/var/cache/rmem/debs}
out=$top/build/lint
mkdir -p "$out"

say() { printf 'lint: %s\n' "$*"; }
record() {	# record ok|fail NAME [WHY]
	[ -n "${RMEM_CHECK_AGGREGATE:-}" ] && tests/harness/results.sh record "$@" >/dev/null
	return 0
}

# checkpatch --strict, less the types that do not apply here: an out-of-tree
# module built for two kernels must test LINUX_VERSION_CODE (checkpatch then
# calls the comparison "constant on the left"), and our macros that reuse an
# argument paste it as a name (a field, a file, an identifier), never a value.
CHECKPATCH_IGNORE=LINUX_VERSION_CODE,CONSTANT_COMPARISON,MACRO_ARG_REUSE
# Headers compiled in userspace too: no BIT() there, rmem_compat.h maps the
# C99 types and uses C11's _Static_assert, and a table of messages may run long.
CHECKPATCH_SHARED_IGNORE=BIT_MACRO,PREFER_KERNEL_TYPES,CAMELCASE,LONG_LINE_STRING
KERNEL_SRCS=(host-vhost/*.[ch] guest-driver/*.[ch])
SHARED_SRCS=(include/rmem_alloc.h include/rmem_compat.h include/rmem_proto.h include/rmem_virtio.h
	include/rmem_wire.h)
# The sysfs ABI is a set of X-macro lists, a shape checkpatch always calls a
# complex macro; the header is checked for everything else.
KERNEL_XMACRO_SRCS=(include/rmem_sysfs.h)

checkpatch_tool() {
	local cp=$out/scripts/checkpatch.pl deb
	[ -x "$cp" ] && { echo "$cp"; return 0; }
	# shellcheck disable=SC2012 # package file names have no newlines
	deb=$(ls -t "$cache"/linux-source-6.12_*.deb 2>/dev/null | head -n1 || true)
	[ -n "$deb" ] || { echo "lint: no linux-source-6.12 .deb in $cache; run 'make deps'" >&2; return 1; }
	dpkg --fsys-tarfile "$deb" | tar -xO --wildcards './usr/src/linux-source-6.12.tar.xz' | xz -dc |
		tar -x -C "$out" --strip-components=1 --wildcards 'linux-source-6.12/scripts/checkpatch.pl' \
			'linux-source-6.12/scripts/spelling.txt' 'linux-source-6.12/scripts/const_structs.checkpatch' ||
		{ echo "lint: could not extract checkpatch.pl from $deb" >&2; return 1; }
	echo "$cp"
}

run_checkpatch() {
	local cp files=()
	cp=$(checkpatch_tool) || return 1
	# shellcheck disable=SC2206 # the globs above are ours, without spaces
	files=(${KERNEL_SRCS[@]})
	if ! { "$cp" --no-tree -f --strict --terse --show-types --ignore "$CHECKPATCH_IGNORE" \
		"${files[@]}" && "$cp" --no-tree -f --strict --terse --show-types \
		--ignore "$CHECKPATCH_IGNORE,$CHECKPATCH_SHARED_IGNORE" "${SHARED_SRCS[@]}" &&
		"$cp" --no-tree -f --strict --terse --show-types \
		--ignore "$CHECKPATCH_IGNORE,$CHECKPATCH_SHARED_IGNORE,COMPLEX_MACRO" \
		"${KERNEL_XMACRO_SRCS[@]}"; } >"$out/checkpatch.log" 2>&1; then
		grep -v '^total: 0 errors, 0 warnings' "$out/checkpatch.log" | grep -v '^$' >&2 || true
		say "checkpatch: FAILED on ${#files[@]} files (log: build/lint/checkpatch.log)"
		return 1
	fi
	say "checkpatch --strict: $((${#files[@]} + ${#SHARED_SRCS[@]} + ${#KERNEL_XMACRO_SRCS[@]})) files clean"
}

run_sparse() {
	local m b log n=0 bad=0 k=$top/build/kernels/6.12/headers
	command -v sparse >/dev/null || { echo "lint: sparse is not installed; run 'make deps'" >&2; return 1; }
	[ -d "$k" ] || { echo "lint: no 6.12 headers under build/kernels; run 'make deps'" >&2; return 1; }
	for m in host-vhost guest-driver; do
		b=$top/build/kbuild/6.12/$m
		[ -f "$b/Kbuild" ] || { echo "lint: $m is not built yet; run 'make modules'" >&2; return 1; }
		log=$out/sparse-$m.log
		make -C "$k" M="$b" C=2 CHECK=sparse VHOST_RMEM_FAULTS=y VIRTIO_RMEM_FAULTS=y modules >"$log" 2>&1 ||
			{ cat "$log" >&2; say "sparse: $m failed to build (log: $log)"; return 1; }
		n=$((n + 1))
		if grep -E "^$b/.*: (warning|error):" "$log" >&2; then
			bad=1
		fi
	done
	[ $bad = 0 ] || { say "sparse: FAILED (logs: build/lint/sparse-*.log)"; return 1; }
	say "sparse: $n modules clean"
}

# Every shell script: *.sh, the tier libraries and host hooks, and any
# tracked file whose first line names sh or bash.
shell_scripts() {
	git ls-files | while read -r f; do
		[ -f "$f" ] || continue
		case $f in
		*.sh | *.inc | *.host) echo "$f" ;;
		*) head -c 64 "$f" 2>/dev/null | head -n1 | grep -qE '^#!.*\b(ba)?sh\b' && echo "$f" ;;
		esac
	done
}

run_shellcheck() {
	local files=() f with=() without=() bad=0
	command -v shellcheck >/dev/null || { echo "lint: shellcheck is not installed; run 'make deps'" >&2; return 1; }
	mapfile -t files < <(shell_scripts)
	for f in "${files[@]}"; do
		if head -n1 "$f" | grep -q '^#!'; then with+=("$f"); else without+=("$f"); fi
	done
	: >"$out/shellcheck.log"
	shellcheck -S warning -x "${with[@]}" >>"$out/shellcheck.log" 2>&1 || bad=1
	# Libraries and hooks have no shebang: the harness sources them into bash.
	if [ ${#without[@]} -gt 0 ]; then
		shellcheck -S warning -x -s bash "${without[@]}" >>"$out/shellcheck.log" 2>&1 || bad=1
	fi
	if [ $bad != 0 ]; then
		cat "$out/shellcheck.log" >&2
		say "shellcheck: FAILED (log: build/lint/shellcheck.log)"
		return 1
	fi
	say "shellcheck: ${#files[@]} scripts clean"
}

run_names() { scripts/lint/names.py names; }
run_includes() { scripts/lint/names.py includes; }

checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(checkpatch sparse shellcheck names includes)
rc=0
for c in "${checks[@]}"; do
	case $c in
	checkpatch | sparse | shellcheck | names | includes) ;;
	*) echo "lint: unknown check '$c' (checkpatch, sparse, shellcheck, names, includes)" >&2; exit 2 ;;
	esac
	if "run_$c"; then
		record ok "lint/$c"
	else
		record fail "lint/$c" "see build/lint/"
		rc=1
	fi
done
exit $rc
