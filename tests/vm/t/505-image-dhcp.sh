# A donor VM network-boots the appliance image over QEMU's built-in DHCP +
# TFTP and takes the address of its RDMA NIC by DHCP (rmem.ip=eth1:dhcp):
# this host VM is the rack's DHCP server on the link (busybox udhcpd, a
# reservation for the donor's MAC, a 30 s lease so the donor renews while
# serving), then reaches the donor at the address it handed out and
# allocates, writes, reads back and frees.  The host side checks the
# donor's console: the address by DHCP, a renewal while serving, no static
# address.  (QEMU's user-network DHCP serves only the PXE NIC, which this
# VM cannot reach: the donor's RDMA link gets its lease from here.)
# vms: 2
# timeout: 300
# shellcheck shell=sh
. /tests/lib/appliance.inc
[ "$RMEM_ROLE" = a ] || fail "role b is the PXE-booted appliance, not this script"
mkdir -p /var/lib/misc
: >/var/lib/misc/udhcpd.leases
cat >/tmp/udhcpd.conf <<CONF
start 10.0.0.100
end 10.0.0.150
interface eth0
lease_file /var/lib/misc/udhcpd.leases
static_lease 52:54:00:12:34:02 10.0.0.2
option subnet 255.255.255.0
option lease 30
min_lease 30
CONF
busybox udhcpd -f /tmp/udhcpd.conf >/tmp/udhcpd.log 2>&1 &
dhcpd=$!
sleep 0.5
kill -0 $dhcpd 2>/dev/null || { cat /tmp/udhcpd.log; fail "udhcpd did not start"; }
appliance_peer_wait "the PXE-booted donor (address by DHCP)"
[ "$RMEM_DONOR" = 10.0.0.2 ] || fail "talking to $RMEM_DONOR, not the reserved 10.0.0.2"
out=$(tc -D 5 basic -n 8 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] || fail "alloc/write/read/free against the DHCP-configured donor failed"
# Serve across a renewal (T1 = 15 s of the 30 s lease): the donor still answers.
sleep 20
check "the donor answers after its lease renewal" tc -t 3000 info
cat /tmp/udhcpd.log
pass
