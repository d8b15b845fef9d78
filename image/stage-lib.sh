# Shared by image/mkimage.sh (the donor image) and tests/harness/mkinitramfs.sh
# (the test VMs' initramfs): staging binaries with their libraries and
# kernel modules with their dependencies.  Sourced by bash; callers set
# `set -euo pipefail` themselves.

# stage_copy_with_libs STAGE DEST_DIR FILE...: FILE into STAGE/DEST_DIR and
# every shared library ldd names for it at the same path under STAGE.
stage_copy_with_libs() {
	local stage=$1 dest=$2 f lib
	shift 2
	for f in "$@"; do
		[ -e "$f" ] || { echo "stage: missing $f; run 'make deps'" >&2; return 1; }
		mkdir -p "$stage$dest"
		# Never write through what is there: a busybox applet is a link to
		# /bin/busybox, which resolves outside the stage (to the build
		# machine's own busybox).
		rm -f "$stage$dest/$(basename "$f")"
		cp -L "$f" "$stage$dest/"
		# Scripts and static binaries have no libraries: ldd finds none.
		for lib in $(ldd "$f" 2>/dev/null | grep -oE '(/[^ ]+\.so[^ ]*)' || true); do
			[ -e "$stage$lib" ] && continue
			mkdir -p "$stage$(dirname "$lib")"
			cp -L "$lib" "$stage$lib"
		done
	done
}

# stage_missing_libs STAGE FILE...: prints each shared library ldd names
# for FILE that is not at its path under STAGE (or that ldd cannot find at
# all), one a line; returns 1 if there is any.  A binary that is PID 1 of
# an image cannot report a missing library: this is the check before.
stage_missing_libs() {
	local stage=$1 f lib rc=0
	shift
	for f in "$@"; do
		[ -e "$f" ] || { echo "$f"; rc=1; continue; }
		if ldd "$f" 2>/dev/null | grep -q 'not found'; then
			ldd "$f" | grep 'not found' | sed 's/^[[:space:]]*//'
			rc=1
		fi
		for lib in $(ldd "$f" 2>/dev/null | grep -oE '(/[^ ]+\.so[^ ]*)' || true); do
			[ -e "$stage$lib" ] || { echo "$lib"; rc=1; }
		done
	done
	return $rc
}

# stage_module_order MODDIR NAME...: the module paths (relative to MODDIR)
# that NAME... need, dependencies before their users, each once.  Names
# built into the kernel are skipped; a name the kernel does not have at all
# is reported on stderr and skipped, and the function then returns 2 after
# printing the rest (the caller decides whether that is fatal).
stage_module_order() {
	local moddir=$1 path dep n rc=0
	shift
	declare -A _path_of=() _deps_of=() _seen=()
	while IFS=: read -r path dep; do
		n=$(basename "$path"); n=${n%%.ko*}; n=${n//-/_}
		_path_of[$n]=$path
		_deps_of[$n]=$dep
	done <"$moddir/modules.dep"
	_stage_visit() {	# post-order DFS: dependencies first
		local n=${1//-/_} d
		[ -n "${_seen[$n]:-}" ] && return 0
		_seen[$n]=1
		if [ -z "${_path_of[$n]:-}" ]; then
			grep -q "/${n//_/[-_]}.ko" "$moddir/modules.builtin" && return 0
			echo "stage: module $n is not in this kernel" >&2
			rc=2
			return 0
		fi
		for d in ${_deps_of[$n]}; do
			d=$(basename "$d")
			_stage_visit "${d%%.ko*}"
		done
		echo "${_path_of[$n]}"
	}
	for n in "$@"; do
		_stage_visit "$n"
	done
	unset -f _stage_visit
	return $rc
}
