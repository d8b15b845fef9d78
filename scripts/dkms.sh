#!/usr/bin/env bash
# DKMS source trees of the two kernel modules, and a private DKMS build.
#
#   scripts/dkms.sh src [-v VERSION] [DIR]
#       Assemble DIR/vhost-rmem-VERSION/ and DIR/virtio-rmem-VERSION/
#       (DIR defaults to /usr/src, VERSION to the dkms.conf's PACKAGE_VERSION),
#       ready for `dkms add vhost-rmem/VERSION`.  Prints the trees' paths.
#   scripts/dkms.sh build KVER OUTDIR
#       dkms add + build + install both packages for the Debian kernel that
#       `make deps` unpacked under build/kernels/KVER (6.12 or 6.1), in
#       private trees under build/dkms/KVER/ (nothing is written to
#       /usr/src, /var/lib/dkms or /lib/modules), then copy the installed
#       .ko files, uncompressed, to OUTDIR.  A package whose BUILD_EXCLUSIVE
#       rules exclude the kernel is reported and left out (vhost-rmem on
#       6.1).  A compiler warning fails it, as in scripts/kbuild.sh.
#       Logs: build/dkms/KVER/<package>.log.
#
# Each module's Kbuild adds -I$(src)/include, and the shared headers live in
# the repository's include/, outside the module directory: a DKMS tree is
# the module directory (sources, Kbuild, dkms.conf) with include/ copied in.
# That is the layout scripts/kbuild.sh builds in, so DKMS compiles exactly
# what `make modules` compiles.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
pkgdirs=(host-vhost guest-driver)

die() { printf 'dkms.sh: %s\n' "$*" >&2; exit 1; }

conf_value() {	# conf_value DKMS.CONF KEY
	sed -n "s/^$2=\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" "$1" | head -n1
}

# assemble MODDIR DESTROOT [VERSION] → prints DESTROOT/NAME-VERSION
assemble() {
	local src=$top/$1 dest=$2 ver=${3:-} name tree
	name=$(conf_value "$src/dkms.conf" PACKAGE_NAME)
	[ -n "$ver" ] || ver=$(conf_value "$src/dkms.conf" PACKAGE_VERSION)
	if [ -z "$name" ] || [ -z "$ver" ]; then
		die "$src/dkms.conf has no PACKAGE_NAME or PACKAGE_VERSION"
	fi
	case $ver in */* | *' '*) die "version '$ver' must not contain '/' or spaces" ;; esac
	tree=$dest/$name-$ver
	rm -rf "$tree"
	mkdir -p "$tree/include"
	cp "$src"/*.c "$src/Kbuild" "$src/dkms.conf" "$tree/"
	if ls "$src"/*.h >/dev/null 2>&1; then cp "$src"/*.h "$tree/"; fi
	cp "$top"/include/*.h "$tree/include/"
	sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$ver\"/" "$tree/dkms.conf"
	echo "$tree"
}

cmd_src() {
	local ver='' dest=/usr/src d
	while [ $# -gt 0 ]; do
		case $1 in
		-v) ver=$2; shift 2 ;;
		-*) die "unknown option '$1' (usage: scripts/dkms.sh src [-v VERSION] [DIR])" ;;
		*) dest=$1; shift ;;
		esac
	done
	for d in "${pkgdirs[@]}"; do
		assemble "$d" "$dest" "$ver"
	done
}

# dkms_step LOG ARGS...: one dkms command, its output appended to LOG.
# Debian's dkms signs modules when it finds the kernel's sign-file, with a
# key it creates in /var/lib/dkms if missing; it takes sign_file from the
# environment when /etc/dkms/framework.conf does not set it.  The test VMs
# boot without Secure Boot, so nothing is signed and no key is made.
dkms_step() {
	local log=$1
	shift
	echo "+ dkms $*" >>"$log"
	sign_file=/dev/null/unsigned dkms "$@" >>"$log" 2>&1
}

cmd_build() {
	[ $# = 2 ] || die "usage: scripts/dkms.sh build KVER OUTDIR"
	local kver=$1 out=$2 kroot rel work d name ver tree rc ko log mods=()
	command -v dkms >/dev/null || die "dkms is not installed (apt-get install dkms, or 'make deps')"
	kroot=$top/build/kernels/$kver
	rel=$(cat "$kroot/release" 2>/dev/null) || die "no kernel $kver unpacked under build/kernels; run 'make deps'"
	work=$top/build/dkms/$kver
	rm -rf "$work"
	mkdir -p "$work/src" "$work/tree" "$work/lib/modules/$rel" "$out"
	# Private source and DKMS trees on every call (the command line wins
	# over /etc/dkms/framework.conf), the unpacked headers instead of
	# /lib/modules/REL/build, and an install tree of our own.  --no-depmod:
	# depmod would index /lib/modules/REL; whoever loads the modules
	# indexes them (the test VM runs depmod).
	local trees=(--sourcetree "$work/src" --dkmstree "$work/tree")
	local kernel=(-k "$rel/x86_64" --kernelsourcedir "$kroot/headers")
	for d in "${pkgdirs[@]}"; do
		tree=$(assemble "$d" "$work/src")
		name=$(conf_value "$tree/dkms.conf" PACKAGE_NAME)
		ver=$(conf_value "$tree/dkms.conf" PACKAGE_VERSION)
		log=$work/$name.log
		: >"$log"
		dkms_step "$log" add "$name/$ver" "${trees[@]}" || { cat "$log" >&2; die "dkms add $name/$ver failed (log: $log)"; }
		rc=0
		dkms_step "$log" build "$name/$ver" "${kernel[@]}" "${trees[@]}" || rc=$?
		# 77: the package's BUILD_EXCLUSIVE rules say it is not for this
		# kernel (vhost-rmem on 6.1, which has no vDPA).
		if [ $rc = 77 ]; then
			echo "dkms: $name/$ver excluded on $rel by its BUILD_EXCLUSIVE rules"
			continue
		fi
		[ $rc = 0 ] && { dkms_step "$log" install "$name/$ver" "${kernel[@]}" "${trees[@]}" \
			--installtree "$work/lib/modules" --no-depmod || rc=$?; }
		# make.log moves into the built tree on success, stays in build/ on failure.
		for ko in "$work/tree/$name/$ver/$rel/x86_64/log/make.log" "$work/tree/$name/$ver/build/make.log"; do
			[ -f "$ko" ] && { echo "--- $ko"; cat "$ko"; } >>"$log"
		done
		if [ $rc != 0 ]; then
			cat "$log" >&2
			die "dkms failed for $name/$ver on $rel (exit $rc; log: $log)"
		fi
		if sed -n '/^--- /,$p' "$log" | grep -E 'warning:' | grep -v 'Skipping BTF generation' >&2; then
			die "$name/$ver built with warnings against $rel; warnings are errors here (log: $log)"
		fi
		mods+=("$(conf_value "$tree/dkms.conf" 'BUILT_MODULE_NAME\[0\]')")
	done
	for name in "${mods[@]}"; do
		ko=$(find "$work/lib/modules/$rel/updates/dkms" -name "$name.ko*" | head -n1)
		[ -n "$ko" ] || die "dkms install left no $name.ko under $work/lib/modules/$rel/updates/dkms"
		# busybox insmod in the test VMs reads no compressed modules.
		case $ko in
		*.xz) xz -dc "$ko" >"$out/$name.ko" ;;
		*.zst) zstd -qdc "$ko" >"$out/$name.ko" ;;
		*.gz) gzip -dc "$ko" >"$out/$name.ko" ;;
		*) cp "$ko" "$out/$name.ko" ;;
		esac
		echo "dkms: $name.ko built and installed by dkms for $rel → $out/$name.ko"
	done
}

case ${1:-} in
src) shift; cmd_src "$@" ;;
build) shift; cmd_build "$@" ;;
*) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
