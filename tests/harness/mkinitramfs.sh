#!/usr/bin/env bash
# Build the test initramfs for one guest kernel, in two layers that the kernel
# unpacks one over the other (concatenated cpio archives):
#   base.cpio.gz   busybox, the kernel's modules (deps from modules.dep,
#                  decompressed, depmod -b), iproute2 rdma/vdpa, rdma-core with
#                  the rxe provider, perftest, ibverbs-utils, fio.  Cached: rebuilt
#                  only when the kernel or this script changes.
#   project.cpio.gz  /init, the guest side of tests/ (harness/lib.sh, lib/,
#                  <tier>/t/, <tier>/lib/), our modules and build/bin, every run.
#   qemu layer     (variant "full" only) QEMU 10 with its libraries and
#                  firmware, plus the inner guest's kernel and initramfs (the
#                  same test initramfs): for nested full-stack tests.
# Usage: mkinitramfs.sh KVER [full] → build/initramfs/<kver>/test.cpio.gz
#                                     (full: .../full.cpio.gz)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/image/stage-lib.sh"
kver=${1:-6.12}
variant=${2:-}
kroot=$top/build/kernels/$kver
out=$top/build/initramfs/$kver
rel=$(cat "$kroot/release" 2>/dev/null) || { echo "initramfs: no kernel $kver unpacked; run 'make deps'" >&2; exit 1; }
moddir=$kroot/modules
mkdir -p "$out"

# Kernel modules the tests use; their dependencies are added from modules.dep.
# crc32_generic is listed because rdma_rxe needs it loaded first and
# modules.dep does not say so.  kvm_amd: the host VM of a nested test runs
# its guest under KVM on QEMU's emulated SVM (tests/lib/nested.inc).
modules=(
	crc32_generic rdma_rxe ib_core ib_uverbs rdma_cm rdma_ucm ib_umad
	vdpa virtio_vdpa vhost_vdpa vhost_iotlb vhost
	virtio_pci virtio_net virtio_blk e1000 zram brd nbd null_blk
	nvmet nvmet_rdma nvme_rdma nvme_fabrics nvme_core
	configfs
	kvm_amd
)

# Userspace: binaries whose libraries are resolved with ldd.
binaries=(
	/usr/bin/rdma /usr/bin/vdpa /bin/ip
	/usr/bin/ibv_devices /usr/bin/ibv_devinfo /usr/bin/ibv_rc_pingpong
	/usr/bin/ib_read_lat /usr/bin/ib_write_lat /usr/bin/ib_atomic_lat
	/usr/bin/ib_write_bw /usr/bin/ib_read_bw /usr/bin/ib_send_lat
	/usr/bin/rping /usr/bin/ucmatose /usr/bin/fio
	/usr/bin/nbd-server /usr/sbin/nbd-client
	/usr/sbin/blkdiscard
)
# Tools tests (4NN-tools-*): rmem-top on a terminal, JSON checks.  Optional:
# a machine without them builds the initramfs anyway and those tests skip.
for f in /usr/bin/tmux /usr/bin/jq; do
	[ -e "$f" ] && binaries+=("$f")
done

copy_with_libs() { stage_copy_with_libs "$@"; }	# STAGE DEST_DIR FILE...

resolve_path() {
	which "$1" 2>/dev/null || command -v "$1" 2>/dev/null || echo "/nonexistent/$1"
}

# stage_skeleton STAGE: merged-/usr directories and busybox with its applets.
stage_skeleton() {
	local stage=$1 f
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,proc,sys,dev,tmp,run,mnt,root,var/run}
	ln -s usr/lib "$stage/lib"	# merged-/usr: lib64 and lib paths resolve alike
	mkdir -p "$stage/usr/lib" "$stage/lib64"
	cp /bin/busybox "$stage/bin/busybox"
	for f in $("$stage/bin/busybox" --list-full); do
		[ "$f" = bin/busybox ] && continue
		mkdir -p "$stage/$(dirname "$f")"
		ln -sf /bin/busybox "$stage/$f"
	done
	echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
	echo "root:x:0:" >"$stage/etc/group"
	echo "127.0.0.1 localhost" >"$stage/etc/hosts"
}

# stage_modules STAGE MODULE...: the modules and their dependencies from
# modules.dep, decompressed (busybox insmod reads no .xz), indexed.
stage_modules() {
	local stage=$1 path
	shift
	# 6.1 has no vDPA: a missing module is left out (stage_module_order
	# names it); a test that needs it fails at modprobe.
	for path in $(stage_module_order "$moddir" "$@" || true); do
		mkdir -p "$stage/lib/modules/$rel/$(dirname "$path")"
		case $path in
		*.xz) xz -dc "$moddir/$path" >"$stage/lib/modules/$rel/${path%.xz}" ;;
		*.zst) zstd -qdc "$moddir/$path" >"$stage/lib/modules/$rel/${path%.zst}" ;;
		*) cp "$moddir/$path" "$stage/lib/modules/$rel/$path" ;;
		esac
	done
	cp "$moddir"/modules.{order,builtin,builtin.modinfo} "$stage/lib/modules/$rel/"
	depmod -b "$stage" "$rel"
}

build_base() {
	local stage f
	stage=$(mktemp -d "$out/base.XXXXXX")
	stage_skeleton "$stage"
	stage_modules "$stage" "${modules[@]}" || return 1

	# --- userspace
	local bins=()
	for f in "${binaries[@]}"; do
		[ -e "$f" ] || f=$(resolve_path "$(basename "$f")")
		bins+=("$f")
	done
	copy_with_libs "$stage" /usr/bin "${bins[@]}"
	rm -f "$stage/sbin/ip" "$stage/bin/ip"
	ln -sf /usr/bin/ip "$stage/sbin/ip"
	# rdma-core loads providers by path from its config; libgcc_s is dlopen'ed
	# by glibc for pthread_cancel/exit (rping aborts without it).
	local prov=/usr/lib/x86_64-linux-gnu/libibverbs
	copy_with_libs "$stage" "$prov" "$prov/librxe-rdmav34.so"
	mkdir -p "$stage/etc/libibverbs.d"
	cp /etc/libibverbs.d/rxe.driver "$stage/etc/libibverbs.d/"
	# tmux (vm/tools-screen) needs terminfo entries for its outer and inner terminals.
	for f in x/xterm x/xterm-256color s/screen t/tmux; do
		[ -e "/lib/terminfo/$f" ] || continue
		mkdir -p "$stage/usr/share/terminfo/${f%%/*}"
		cp -L "/lib/terminfo/$f" "$stage/usr/share/terminfo/$f"
	done
	# ... and a UTF-8 locale ("need UTF-8 locale" otherwise): glibc's C.UTF-8.
	[ -d /usr/lib/locale/C.utf8 ] && mkdir -p "$stage/usr/lib/locale" &&
		cp -r /usr/lib/locale/C.utf8 "$stage/usr/lib/locale/"
	copy_with_libs "$stage" /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/libgcc_s.so.1

	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$stage.cpio.gz"
	mv "$stage.cpio.gz" "$out/base.cpio.gz"
	rm -rf "$stage"
}

key="$rel $(cat "$0" "$top/image/stage-lib.sh" | sha256sum | cut -c1-16)"
if [ ! -f "$out/base.cpio.gz" ] || [ "$(cat "$out/base.key" 2>/dev/null)" != "$key" ]; then
	echo "initramfs: building base layer for $rel"
	build_base
	echo "$key" >"$out/base.key"
fi

# --- project layer, every run (cheap)
# Builds from several runs in one clone may overlap: each has its own stage
# and publishes with an atomic rename.
stage=$(mktemp -d "$out/project.XXXXXX")
mkdir -p "$stage/tests/harness" "$stage/rmem/modules" "$stage/usr/local/bin" "$stage/usr/lib" "$stage/lib64"
# Same merged-/usr skeleton as the base: the kernel's unpacker replaces an
# entry whose type differs, so a real lib/ here would delete base's symlink.
ln -s usr/lib "$stage/lib"
cp "$top/tests/harness/init" "$stage/init"
chmod 755 "$stage/init"
cp "$top/tests/harness/lib.sh" "$stage/tests/harness/"
# The libraries every tier sources (tests/lib/), and each tier's tests and
# own libraries (tests/<tier>/t/, tests/<tier>/lib/).  Host hooks
# (tests/<tier>/host/) stay on the build machine.
cp -r "$top/tests/lib" "$stage/tests/"
for d in "$top"/tests/*/t "$top"/tests/*/lib; do
	[ -d "$d" ] || continue
	mkdir -p "$stage/tests/$(basename "$(dirname "$d")")"
	cp -r "$d" "$stage/tests/$(basename "$(dirname "$d")")/"
done
cp "$top/build/modules/$kver"/*.ko "$stage/rmem/modules/" 2>/dev/null || true
# The test rack key: every VM of a run proves and checks the same one
# (hosts, donors, tools read /etc/rmem/rack.key; the PXE image gets it on
# its kernel line, tests/lib/image.inc).  Made once per build tree.
key="$top/build/test-rack.key"
if [ ! -s "$key" ]; then
	(umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$key.tmp" && echo >>"$key.tmp" &&
		mv "$key.tmp" "$key")
fi
mkdir -p "$stage/etc/rmem"
install -m 600 "$key" "$stage/etc/rmem/rack.key"
if ls "$top/build/bin"/* >/dev/null 2>&1; then
	copy_with_libs "$stage" /usr/local/bin "$top"/build/bin/*
fi
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$stage.cpio.gz"
cat "$out/base.cpio.gz" "$stage.cpio.gz" >"$stage.test.cpio.gz"
mv "$stage.cpio.gz" "$out/project.cpio.gz"
mv "$stage.test.cpio.gz" "$out/test.cpio.gz"
rm -rf "$stage"
# build_inner FILE: the nested guest's slim initramfs for this kernel
# (busybox, block modules, /init, the fullguest scripts, our guest driver,
# memstress): the nested guest has little RAM.  virtio_pci is a module on
# 6.1 and built in on 6.12.
build_inner() {
	local inner
	inner=$(mktemp -d "$out/inner.XXXXXX")
	stage_skeleton "$inner"
	stage_modules "$inner" virtio_pci virtio_blk configfs || return 1
	mkdir -p "$inner/tests/harness" "$inner/tests/fullguest" "$inner/rmem/modules"
	cp "$top/tests/harness/init" "$inner/init"
	cp "$top/tests/harness/lib.sh" "$inner/tests/harness/"
	cp -r "$top/tests/fullguest/t" "$inner/tests/fullguest/"
	cp "$top/build/modules/$kver"/virtio_rmem.ko "$inner/rmem/modules/" 2>/dev/null || true
	copy_with_libs "$inner" /usr/local/bin "$top/build/bin/rmem-memstress"
	(cd "$inner" && find . | cpio -o -H newc --quiet | gzip -1) >"$1"
	rm -rf "$inner"
}

if [ "$variant" = inner ]; then
	build_inner "$out/inner.cpio.gz.tmp" && mv "$out/inner.cpio.gz.tmp" "$out/inner.cpio.gz"
	echo "$out/inner.cpio.gz"
	exit 0
fi
if [ "$variant" != full ]; then
	echo "$out/test.cpio.gz"
	exit 0
fi

# --- qemu layer: the host VM of a nested test runs QEMU itself.
stage=$(mktemp -d "$out/qemu.XXXXXX")
mkdir -p "$stage/usr/lib" "$stage/lib64" "$stage/usr/share/qemu" "$stage/full"
ln -s usr/lib "$stage/lib"
copy_with_libs "$stage" /usr/bin "$(command -v qemu-system-x86_64)"
for f in qboot.rom bios-256k.bin linuxboot_dma.bin kvmvapic.bin; do
	[ -e "/usr/share/qemu/$f" ] && cp -L "/usr/share/qemu/$f" "$stage/usr/share/qemu/"
done
cp -L "$kroot/vmlinuz" "$stage/full/vmlinuz"
build_inner "$stage/full/initrd.gz" || exit 1
# The guest driver also runs on Debian's 6.1 kernel, which cannot host the
# device (no vDPA): a 6.1 nested guest in /full/6.1/ (full/guest-6.1).
if [ "$kver" != 6.1 ] && [ -f "$top/build/kernels/6.1/release" ]; then
	mkdir -p "$stage/full/6.1"
	cp -L "$top/build/kernels/6.1/vmlinuz" "$stage/full/6.1/vmlinuz"
	cp "$("$0" 6.1 inner | tail -n1)" "$stage/full/6.1/initrd.gz" || exit 1
fi
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$stage.cpio.gz"
cat "$out/test.cpio.gz" "$stage.cpio.gz" >"$stage.full.cpio.gz"
mv "$stage.full.cpio.gz" "$out/full.cpio.gz"
rm -rf "$stage" "$stage.cpio.gz"
echo "$out/full.cpio.gz"
