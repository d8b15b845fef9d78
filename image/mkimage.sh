#!/usr/bin/env bash
# make image: the PXE-bootable donor image, in build/image/:
#   vmlinuz                  Debian's own 6.12 kernel (unpacked by make deps)
#   rmem-appliance.cpio.gz   initramfs whose /init is rmem-appliance (no shell)
#   boot.ipxe, pxelinux.0, ldlinux.c32, pxelinux.cfg/default
# Drop the folder into a TFTP or HTTP root; see image/README.md.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/image/stage-lib.sh"
kver=${KVER_IMAGE:-6.12}
kroot=$top/build/kernels/$kver
out=$top/build/image
app=$top/build/bin/rmem-appliance
budget_mib=40

say() { printf 'image: %s\n' "$*"; }
die() { printf 'image: ERROR: %s\n' "$*" >&2; exit 1; }

rel=$(cat "$kroot/release" 2>/dev/null) || die "no $kver kernel under build/kernels; run 'make deps'"
[ -x "$app" ] || die "$app missing; run 'make userspace'"
moddir=$kroot/modules

# Up to date when the appliance binary, this script and the kernel are.
key="$rel $(cat "$app" "$0" "$top/image/stage-lib.sh" /etc/libibverbs.d/*.driver | sha256sum | cut -c1-32)"
if [ -f "$out/rmem-appliance.cpio.gz" ] && [ "$(cat "$out/.key" 2>/dev/null)" = "$key" ]; then
	say "build/image/ is up to date (kernel $rel)"
	exit 0
fi

# Modules the donor may need, loaded in this order (dependencies first, as
# resolved below).  Every RDMA hardware driver the kernel ships and rdma_rxe
# for NICs without RDMA; the NICs of VMs; the RDMA core.  crc32_generic first:
# rdma_rxe needs it and modules.dep does not say so.  Missing hardware is fine.
wanted=(crc32_generic virtio_net e1000 e1000e ib_core ib_uverbs rdma_cm rdma_ucm rdma_rxe)
while read -r m; do
	m=$(basename "$m"); wanted+=("${m%%.ko*}")
done < <(cd "$moddir" && find kernel/drivers/infiniband/hw -name '*.ko*' | sort)

stage=$out/stage
rm -rf "$stage"
mkdir -p "$stage"/{dev,proc,sys,tmp,run,etc/rmem,usr/sbin,usr/lib,lib64}
ln -s usr/lib "$stage/lib"

say "kernel $rel"
install -m 644 "$kroot/vmlinuz" "$out/vmlinuz.tmp" 2>/dev/null || { mkdir -p "$out"; cp -L "$kroot/vmlinuz" "$out/vmlinuz.tmp"; }
mv "$out/vmlinuz.tmp" "$out/vmlinuz"

# --- modules: kept xz-compressed (the kernel decompresses on finit_module),
# dependency order resolved here so the appliance needs no modprobe.
order=()
while read -r p; do
	order+=("$p")
done < <(stage_module_order "$moddir" "${wanted[@]}" || echo "missing")
[ "${order[-1]}" != missing ] || die "a module the donor needs is not in $rel (see above)"
for p in "${order[@]}"; do
	mkdir -p "$stage/lib/modules/$rel/$(dirname "$p")"
	cp "$moddir/$p" "$stage/lib/modules/$rel/$p"
	echo "$p"
done >"$stage/etc/rmem/modules.load"
cp "$moddir"/modules.{order,builtin,builtin.modinfo} "$stage/lib/modules/$rel/"
depmod -b "$stage" "$rel"
say "${#order[@]} kernel modules (RDMA drivers, NICs, soft-RoCE) in load order"

# --- the appliance and exactly the libraries it needs, every rdma-core
# provider (real NICs: mlx5, bnxt_re, irdma, ...) with its config file.
copy_with_libs() { stage_copy_with_libs "$stage" "$@"; }
copy_with_libs /usr/sbin "$app"
# Every library the appliance links must be in the image, libsodium (host
# authentication) first among them: PID 1 without one dies before it can
# say why.
missing=$(stage_missing_libs "$stage" "$app") || die "not in the image, but rmem-appliance needs: $missing"
find "$stage" -name 'libsodium.so*' | grep -q . ||
	die "libsodium is not in the image: rmem-appliance was built without it (make userspace after make deps)"
prov=/usr/lib/x86_64-linux-gnu/libibverbs
copy_with_libs "$prov" "$prov"/*.so
mkdir -p "$stage/etc/libibverbs.d"
cp /etc/libibverbs.d/*.driver "$stage/etc/libibverbs.d/"
# glibc dlopens libgcc_s for thread exit/cancellation.
copy_with_libs /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/libgcc_s.so.1
ln -s usr/sbin/rmem-appliance "$stage/init"
echo "rmem-appliance image, kernel $rel, built $(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$stage/etc/rmem/image-release"
if find "$stage" -name busybox -o -name sh | grep -q .; then
	die "a shell ended up in the image; the appliance image has none by design"
fi
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) >"$out/rmem-appliance.cpio.gz.tmp"
mv "$out/rmem-appliance.cpio.gz.tmp" "$out/rmem-appliance.cpio.gz"
rm -rf "$stage"

# --- network boot configuration.  Operators edit only the rmem.* options.
# Both loaders name the NIC they booted from as BOOTIF=01-aa-bb-cc-dd-ee-ff
# (pxelinux through IPAPPEND 2, iPXE by its netX/mac setting): with
# rmem.ip=dhcp and no interface named, the appliance asks DHCP there first.
cmdline="console=tty0 console=ttyS0,115200 panic=10 rmem.rxe=auto"
cat >"$out/boot.ipxe" <<EOF
#!ipxe
# Scalevisor rmem donor appliance.  Paths are relative to this script's URL,
# so the folder works as it is from TFTP or HTTP.  Options: image/README.md.
# Keep BOOTIF last: it tells the appliance which NIC this boot came from.
dhcp
kernel vmlinuz $cmdline BOOTIF=01-\${netX/mac:hexhyp}
initrd rmem-appliance.cpio.gz
boot
EOF
mkdir -p "$out/pxelinux.cfg"
cat >"$out/pxelinux.cfg/default" <<EOF
# Scalevisor rmem donor appliance (pxelinux).  Options: image/README.md.
DEFAULT rmem
PROMPT 0
TIMEOUT 0
LABEL rmem
  KERNEL vmlinuz
  INITRD rmem-appliance.cpio.gz
  APPEND $cmdline
  IPAPPEND 2
EOF
cp /usr/lib/PXELINUX/pxelinux.0 "$out/"
cp /usr/lib/syslinux/modules/bios/ldlinux.c32 "$out/"

size=$(stat -c %s "$out/rmem-appliance.cpio.gz")
say "vmlinuz $(($(stat -c %s "$out/vmlinuz") / 1024)) KiB, rmem-appliance.cpio.gz $((size / 1024)) KiB (budget ${budget_mib} MiB)"
[ "$size" -le $((budget_mib * 1024 * 1024)) ] || die "initramfs is over its ${budget_mib} MiB budget"
echo "$key" >"$out/.key"
say "ready in build/image/: boot.ipxe, pxelinux.0 + pxelinux.cfg/default"
