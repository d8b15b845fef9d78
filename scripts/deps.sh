#!/usr/bin/env bash
# make deps: install what the project needs on a Debian 12 build machine, and
# fetch + unpack the guest kernels under build/kernels/.  Idempotent: a second
# run checks, changes nothing and says so.  One progress line per step; a step
# that fails says what and what to do.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kdir=$top/build/kernels
# .debs are kept outside the clone so a fresh clone (CI) does not fetch again.
cache=${RMEM_DEB_CACHE:-/var/cache/rmem/debs}

# Packages from bookworm (name → why).
pkgs=(
	build-essential		# gcc-12: the compiler Debian's kernels were built with
	dwarves			# pahole, for module BTF on 6.12
	kmod cpio xz-utils zstd	# depmod -b, initramfs, decompress modules
	busybox-static		# the test initramfs's shell and tools
	libibverbs-dev librdmacm-dev rdma-core ibverbs-providers
	ibverbs-utils rdmacm-utils perftest	# verbs, rxe provider, baselines
	libsodium-dev		# host authentication: HMAC, nonces, locked key memory
	iproute2		# rdma and vdpa tools (copied into guests)
	ipxe-qemu pxelinux syslinux-common	# PXE boot of the appliance image
	fio clang tmux jq
	nbd-server nbd-client gnuplot-nox	# kmeans evaluation: NBD peer, plot
	perl sparse shellcheck python3	# make lint (checkpatch.pl needs perl's full module set)
)
# Without their Recommends: dkms would pull in linux-headers-amd64 (headers
# of a kernel this machine does not run: we build against build/kernels/).
norec_pkgs=(dkms)	# full/dkms-build: dkms.conf of both modules (scripts/dkms.sh)
backports_pkgs=(qemu-system-x86 qemu-utils)	# QEMU >= 10: vhost-vdpa-device-pci

say() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: ERROR: %s\n' "$*" >&2; exit 1; }
# A step that fails without its own message still says which one it was.
on_err() {
	printf 'deps: ERROR: step failed (exit %s) at scripts/deps.sh:%s: %s\n' "$1" "$2" "$3" >&2
	exit "$1"
}
trap 'on_err $? $LINENO "$BASH_COMMAND"' ERR

# probe CMD...: the output of an optional tool, empty if it is missing or
# fails; never ends the script (a fresh machine has none of them yet).
probe() { "$@" 2>/dev/null || true; }

[ "$(id -u)" = 0 ] || die "must run as root (apt-get install); run 'sudo make deps'"
command -v apt-get >/dev/null || die "apt-get not found: the build machine must be Debian 12 (bookworm)"

changed=0
updated=0
apt_update() {
	[ $updated = 1 ] && return
	say "apt-get update"
	apt-get update -q >/tmp/rmem-apt-update.log 2>&1 ||
		die "apt-get update failed (see /tmp/rmem-apt-update.log); check the Debian mirror in /etc/apt/sources.list.d"
	updated=1
}

# 1. bookworm-backports (QEMU 10, kernel 6.12), from the same Debian archive.
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	say "adding bookworm-backports to /etc/apt/sources.list.d/rmem-backports.sources"
	cat >/etc/apt/sources.list.d/rmem-backports.sources <<-'EOF'
	Types: deb
	URIs: http://deb.debian.org/debian
	Suites: bookworm-backports
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	changed=1
	apt_update
fi
if ! grep -q 'bookworm-backports' <<<"$(probe apt-cache policy qemu-system-x86)"; then
	apt_update
fi

# 2. Debian packages.
# install_missing [APT-GET-OPTION...] -- PACKAGE...: installs those not yet installed.
install_missing() {
	local opts=() missing=() p
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	say "installing ${missing[*]}${opts[*]:+ (${opts[*]})}"
	apt_update
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${opts[@]}" "${missing[@]}" \
		>/tmp/rmem-apt-install.log 2>&1 ||
		die "apt-get install ${missing[*]} failed (see /tmp/rmem-apt-install.log)"
	changed=1
}
install_missing -- "${pkgs[@]}"
install_missing --no-install-recommends -- "${norec_pkgs[@]}"
# Packages copied into guests must not serve on the build machine itself.
if [ -x /etc/init.d/nbd-server ] && command -v update-rc.d >/dev/null &&
	ls /etc/rc[2-5].d/S*nbd-server >/dev/null 2>&1; then
	say "disabling the build machine's own nbd-server service (only guests run one)"
	/etc/init.d/nbd-server stop >/dev/null 2>&1 || true
	update-rc.d nbd-server disable >/dev/null 2>&1 || true
	changed=1
fi
qemu_version() {	# major version of the installed QEMU, empty if none
	probe qemu-system-x86_64 --version | sed -n 's/^QEMU emulator version \([0-9]*\).*/\1/p'
}
qemu_major=$(qemu_version)
if [ "${qemu_major:-0}" -lt 10 ]; then
	say "installing QEMU >= 10 from bookworm-backports (have ${qemu_major:-none})"
	apt_update
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q -t bookworm-backports "${backports_pkgs[@]}" \
		>/tmp/rmem-apt-qemu.log 2>&1 ||
		die "installing ${backports_pkgs[*]} from bookworm-backports failed (see /tmp/rmem-apt-qemu.log)"
	qemu_major=$(qemu_version)
	[ "${qemu_major:-0}" -ge 10 ] ||
		die "QEMU from bookworm-backports reports version '${qemu_major:-none}', need >= 10 (see /tmp/rmem-apt-qemu.log)"
	changed=1
fi

# 3. Guest kernels: resolve the current version through the metapackages, so
#    nothing is pinned to a version the archive may drop.
dep_of() {	# dep_of PKG[=VER|/SUITE] REGEX -> first dependency matching REGEX
	probe apt-cache depends "$1" | sed -n 's/^ *|\{0,1\}Depends: //p' | { grep -E "$2" || true; } | head -n1
}

fetch_kernel() {	# fetch_kernel SHORT META_SPEC
	local short=$1 meta=$2 img hdr common kbuild rel stamp pkg deb
	img=$(dep_of "linux-image-amd64$meta" '^linux-image-[0-9]')
	hdr=$(dep_of "linux-headers-amd64$meta" '^linux-headers-[0-9]')
	if [ -z "$img" ] || [ -z "$hdr" ]; then
		apt_update
		img=$(dep_of "linux-image-amd64$meta" '^linux-image-[0-9]')
		hdr=$(dep_of "linux-headers-amd64$meta" '^linux-headers-[0-9]')
	fi
	{ [ -n "$img" ] && [ -n "$hdr" ]; } ||
		die "cannot resolve linux-image-amd64$meta / linux-headers-amd64$meta; is bookworm(-backports) in apt's sources?"
	common=$(dep_of "$hdr" '^linux-headers-.*-common')
	kbuild=$(dep_of "$hdr" '^linux-kbuild-')
	rel=${img#linux-image-}
	rel=${rel%-unsigned}
	stamp=$kdir/$short/.unpacked
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$rel" ]; then
		return 0
	fi
	say "fetching kernel $rel ($img $hdr $common $kbuild) into $cache"
	mkdir -p "$cache"
	for pkg in "$img" "$hdr" "$common" "$kbuild"; do
		ls "$cache/${pkg}_"*.deb >/dev/null 2>&1 && continue
		(cd "$cache" && apt-get download -q "$pkg" >/tmp/rmem-apt-download.log 2>&1) || {
			apt_update
			(cd "$cache" && apt-get download -q "$pkg" >/tmp/rmem-apt-download.log 2>&1) ||
				die "apt-get download $pkg failed (see /tmp/rmem-apt-download.log)"
		}
	done
	say "unpacking kernel $rel into build/kernels/$short"
	rm -rf "${kdir:?}/$short"
	mkdir -p "$kdir/$short/root"
	for pkg in "$img" "$hdr" "$common" "$kbuild"; do
		# shellcheck disable=SC2012 # package file names have no newlines
		deb=$(ls -t "$cache/${pkg}_"*.deb | head -n1)
		dpkg -x "$deb" "$kdir/$short/root" || die "dpkg -x $deb failed: remove it from $cache and rerun"
	done
	local hdrdir=$kdir/$short/root/usr/src/linux-headers-$rel
	[ -f "$hdrdir/Makefile" ] || die "no headers Makefile at $hdrdir"
	# The headers' Makefile includes the -common tree by absolute path; point it
	# at the unpacked copy.  Absolute symlinks (scripts, tools) likewise.
	sed -i "s|/usr/src/linux-headers-|$kdir/$short/root/usr/src/linux-headers-|" "$hdrdir/Makefile"
	find "$kdir/$short/root" -type l -lname '/*' | while read -r l; do
		t=$(readlink "$l")
		[ -e "$kdir/$short/root$t" ] && ln -sfn "$kdir/$short/root$t" "$l"
	done
	# The package leaves modules.dep to its postinst; index the unpacked tree.
	depmod -b "$kdir/$short/root" "$rel" || die "depmod on the unpacked $rel failed"
	ln -sfn "root/boot/vmlinuz-$rel" "$kdir/$short/vmlinuz"
	ln -sfn "root/lib/modules/$rel" "$kdir/$short/modules"
	ln -sfn "root/usr/src/linux-headers-$rel" "$kdir/$short/headers"
	echo "$rel" >"$kdir/$short/release"
	echo "$rel" >"$stamp"
	changed=1
}

fetch_kernel 6.12 /bookworm-backports
fetch_kernel 6.1 ""

# 4. checkpatch.pl for make lint: from Debian's kernel source package (the
#    .deb is kept in the cache; scripts/lint.sh extracts three files of it).
if ! ls "$cache"/linux-source-6.12_*.deb >/dev/null 2>&1; then
	say "fetching linux-source-6.12 into $cache (checkpatch.pl for make lint)"
	(cd "$cache" && apt-get download -q linux-source-6.12 >/tmp/rmem-apt-download.log 2>&1) ||
		die "apt-get download linux-source-6.12 failed (see /tmp/rmem-apt-download.log)"
	changed=1
fi

if [ $changed = 0 ]; then
	say "everything present (packages, QEMU $qemu_major, kernels $(cat "$kdir/6.12/release") and $(cat "$kdir/6.1/release")), nothing to do"
else
	say "done (kernels: $(cat "$kdir/6.12/release"), $(cat "$kdir/6.1/release"))"
fi
