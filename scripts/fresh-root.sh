#!/usr/bin/env bash
# fresh-root.sh: run a command in a clean clone of this commit inside a
# brand-new Debian 12 root, as a new user's machine would see it: nothing
# installed but Debian's essential packages, apt, make, git and CA
# certificates.  A green run on a used machine can hide an install step that
# only works because the machine already has a package; this cannot.
#
#   scripts/fresh-root.sh                    # make check (what CI runs)
#   scripts/fresh-root.sh 'make demo'        # any command, run in the clone
#   scripts/fresh-root.sh --keep 'make deps' # keep the root afterwards
#
# Run as root from any directory of the project.  The clone is of HEAD:
# uncommitted changes are not in it (a warning says so).  Nothing is cached
# between runs: every run installs from the archive, cold, as a new user's
# first `make check` does.  The root (≈ 4 GiB after a make check) lives under
# $RMEM_FRESH_DIR (default /var/tmp) and is removed at the end, with its
# mounts and any process still running in it.  The guest logs and test
# results are copied to build/fresh/ of the calling tree first, so a failure
# can be read after the root is gone, with the list of packages the run had
# to install (build/fresh/packages-installed.txt).
set -euo pipefail

usage() {
	sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"
}

keep=${FRESH_KEEP:-}
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--keep) keep=1; shift ;;
	--) shift; break ;;
	-*) echo "fresh-root: unknown option '$1' (see --help)" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -le 1 ] || { echo "fresh-root: give the command as one quoted argument (see --help)" >&2; exit 2; }
cmd=${1:-make check}

say() { printf 'fresh-root: %s\n' "$*"; }
die() { printf 'fresh-root: ERROR: %s\n' "$*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || die "must run as root (mmdebstrap, chroot and bind mounts need it)"
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel) || die "not inside the project's git tree"
rev=$(git -C "$top" rev-parse HEAD)
[ -z "$(git -C "$top" status --porcelain --untracked-files=no)" ] ||
	say "warning: uncommitted changes are not part of the run (it clones $(git -C "$top" rev-parse --short HEAD))"

if ! command -v mmdebstrap >/dev/null; then
	say "installing mmdebstrap on this machine (it builds the fresh root)"
	{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap; } \
		>/tmp/rmem-fresh-apt.log 2>&1 ||
		die "apt-get install mmdebstrap failed (see /tmp/rmem-fresh-apt.log)"
fi

# The same mirror this machine uses, so the root sees the archive a user here would.
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1 || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

mkdir -p "${RMEM_FRESH_DIR:-/var/tmp}"
root=$(mktemp -d "${RMEM_FRESH_DIR:-/var/tmp}/rmem-fresh.XXXXXX")
mounted=()

# Mirror of the setup below: processes in the root, mounts, the root itself.
cleanup() {
	local p m i
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
	done
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		m=${mounted[i]}
		umount "$root/$m" 2>/dev/null || umount -l "$root/$m" 2>/dev/null || true
	done
	if [ -d "$root/root/project/build" ]; then
		rm -rf "$top/build/fresh"
		mkdir -p "$top/build/fresh"
		for d in test-logs test-results bench; do
			[ -d "$root/root/project/build/$d" ] && cp -a "$root/root/project/build/$d" "$top/build/fresh/"
		done
		chroot "$root" dpkg-query -W -f='${binary:Package}\n' 2>/dev/null | sort |
			comm -13 "$root/.pkgs-before" - >"$top/build/fresh/packages-installed.txt" || true
	fi
	if [ -n "$keep" ]; then
		say "root kept at $root (remove with: rm -rf --one-file-system $root)"
	else
		rm -rf --one-file-system "$root"
	fi
}
trap cleanup EXIT

t0=$(date +%s)
say "new Debian 12 root in $root (mmdebstrap --variant=apt, mirror $mirror)"
mmdebstrap --variant=apt --include=make,git,ca-certificates bookworm "$root" "$mirror" \
	>"$root.mmdebstrap.log" 2>&1 || die "mmdebstrap failed (see $root.mmdebstrap.log)"
rm -f "$root.mmdebstrap.log"
# Settings of this machine's network that a user here would have too (e.g. an
# archive snapshot whose Release files have expired).
for f in /etc/apt/apt.conf.d/*; do
	grep -qs '^Acquire::' "$f" && cp "$f" "$root/etc/apt/apt.conf.d/"
done
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

chroot "$root" dpkg-query -W -f='${binary:Package}\n' | sort >"$root/.pkgs-before"

git clone -q --no-hardlinks "$top" "$root/root/project"
git -C "$root/root/project" checkout -q --detach "$rev"
for m in proc sys dev dev/pts; do
	mount --bind "/$m" "$root/$m"
	mounted+=("$m")
done
t1=$(date +%s)
say "root ready in $((t1 - t0)) s; running '$cmd' in a clean clone of ${rev:0:7}"

set +e
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
	CI="${CI:-}" bash -c "cd /root/project && $cmd" </dev/null
rc=$?
set -e
t2=$(date +%s)
say "'$cmd' exited $rc after $((t2 - t1)) s ($((t2 - t0)) s with the root's creation)"
added=$(chroot "$root" dpkg-query -W -f='${binary:Package}\n' 2>/dev/null | sort |
	comm -13 "$root/.pkgs-before" - | wc -l || true)
say "the run installed $added packages into the root (list: build/fresh/packages-installed.txt)"
exit $rc
