#!/usr/bin/env bash
# Build our kernel modules against a Debian kernel unpacked by `make deps`:
#   scripts/kbuild.sh 6.12|6.1  →  build/modules/<kver>/*.ko
# Sources are copied to build/kbuild/<kver>/<module>/ (with include/) so the
# tree stays clean and both kernels can be built side by side; the same
# layout is what DKMS gets.  Any compiler warning fails the build.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kver=${1:-6.12}
kroot=$top/build/kernels/$kver
out=$top/build/modules/$kver

[ -d "$kroot/headers" ] || { echo "modules: no unpacked $kver kernel under build/kernels; run 'make deps'" >&2; exit 1; }
case $kver in
6.12) mods="host-vhost guest-driver tests/harness/modules" ;;
6.1)
	echo "modules: host-vhost skipped for 6.1: Debian's 6.1 kernel has no vDPA (vhost_rmem needs 6.12+)"
	mods="guest-driver" ;;
*) echo "modules: unknown KVER=$kver (use 6.12 or 6.1)" >&2; exit 2 ;;
esac

mkdir -p "$out"
rc=0
for m in $mods; do
	b=$top/build/kbuild/$kver/$m
	mkdir -p "$b"
	# A source renamed or removed in the tree must not linger in the copy.
	# (*.mod.c are kbuild's own, generated for each module.)
	for f in "$b"/*.c "$b"/*.h; do
		case $f in *.mod.c) continue ;; esac
		[ -e "$f" ] && [ ! -e "$top/$m/${f##*/}" ] && rm -f "$f" "${f%.*}.o"
	done
	# Copy only what changed, so make's own dependency tracking stays valid.
	cp -u "$top/$m"/*.c "$top/$m/Kbuild" "$b/"
	ls "$top/$m"/*.h >/dev/null 2>&1 && cp -u "$top/$m"/*.h "$b/"
	mkdir -p "$b/include" && cp -u "$top"/include/*.h "$b/include/" 2>/dev/null || true
	log=$b/build.log
	# The test tier's modules carry the fault knobs (docs/testing.md "Fault knobs").
	if ! make -C "$kroot/headers" M="$b" VHOST_RMEM_FAULTS=y VIRTIO_RMEM_FAULTS=y modules >"$log" 2>&1; then
		cat "$log" >&2
		echo "modules: $m failed to build against $kver (log: $log)" >&2
		rc=1
		continue
	fi
	if grep -E 'warning:' "$log" | grep -v 'Skipping BTF generation' >&2; then
		echo "modules: $m built with warnings against $kver; warnings are errors here" >&2
		rc=1
		continue
	fi
	cp "$b"/*.ko "$out/"
	echo "modules: $m → $(cd "$b" && ls *.ko | tr '\n' ' ')($kver)"
done
exit $rc
