# A donor VM network-boots the appliance image with iPXE over QEMU's built-in
# DHCP + TFTP (virtio-net, Debian's ipxe-qemu ROM): no disk, no shell.  This
# host VM reaches it over the UDP link and allocates, writes, reads back
# byte-exact and frees.  The host side prints boot-to-serving seconds.
# vms: 2
# timeout: 300
# shellcheck shell=sh
. /tests/lib/appliance.inc
[ "$RMEM_ROLE" = a ] || fail "role b is the PXE-booted appliance, not this script"
appliance_peer_wait "the PXE-booted donor"
out=$(tc -D 7 basic -n 16 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] || fail "alloc/write/read/free against the PXE-booted donor failed"
used=$(owners_used)
[ "$used" = 0 ] || fail "owner table has $used used words after the frees"
pass
