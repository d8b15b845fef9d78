# Zero-copy data moves on the rdma backend (donor on rxe loopback):
#  - stock virtio_blk (virtio_vdpa): page-aligned 4 KiB random and 128 KiB
#    sequential I/O, the latter across chunk boundaries, verify=crc32c:
#    rdma/bounced stays 0 and rdma/zero_copy counts them;
#  - the userspace harness (vhost_vdpa): its patterns at odd sectors across
#    chunk boundaries read back byte-exact through the bounce path
#    (counted in rdma/bounced), its aligned ones go zero-copy, and unmapped
#    or read-only buffers are refused with IOERR either way.
# vms: 1
# timeout: 900
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
vhost_donor_here 96M
vhost_rdma_disk rmem0 $((48 << 20)) 0x2211
fio_verify "fio 4k randwrite + verify" zc4k "/dev/$vd" /tmp/fio-zc1.log --ioengine=libaio \
	--iodepth=16 --rw=randwrite --bs=4k --size=16M --do_verify=1 --randrepeat=1
# 128 KiB at a 64 KiB offset: every other request straddles a 1 MiB chunk.
fio_verify "fio 128k seq write across chunks + verify" zc128k "/dev/$vd" /tmp/fio-zc2.log \
	--ioengine=libaio --iodepth=4 --rw=write --bs=128k --offset=16448K --size=24M --do_verify=1
grep -h "err=" /tmp/fio-zc[12].log | grep -v "err= 0" && fail "fio reported errors"
zc=$(vhost_rdma rmem0 zero_copy) bounced=$(vhost_rdma rmem0 bounced)
log "virtio_blk: zero_copy $zc, bounced $bounced"
[ "$bounced" = 0 ] || fail "$bounced page-aligned requests bounced"
[ "$zc" -ge $((16 << 8)) ] || fail "only $zc zero-copy requests for >= 4096 4 KiB writes + reads"
[ "$(vhost_stat rmem0 err_backend)" = 0 ] || fail "backend errors: $(vhost_stat rmem0 err_backend)"
check "vdpa dev del rmem0" vdpa dev del rmem0

check "modprobe vhost_vdpa" modprobe vhost_vdpa
vhost_harness_dev rdma rmem1 $((48 << 20)) 0x2212
check "harness io" rmem-vhost-harness io "$cdev"
zc=$(vhost_rdma rmem1 zero_copy) bounced=$(vhost_rdma rmem1 bounced)
log "harness: zero_copy $zc, bounced $bounced"
[ "$bounced" -gt 0 ] || fail "odd-sector requests did not bounce (or were not counted)"
[ "$zc" -gt 0 ] || fail "no aligned harness request went zero-copy"
[ "$(vhost_stat rmem1 err_access)" -ge 3 ] || fail "err_access $(vhost_stat rmem1 err_access), want >= 3"
[ "$(vhost_stat rmem1 err_backend)" = 0 ] || fail "backend errors: $(vhost_stat rmem1 err_backend)"
check "vdpa dev del rmem1" vdpa dev del rmem1
[ "$(owners_used)" = 0 ] || fail "donor owner table has $(owners_used) used words after delete"
check "rmmod" rmmod vhost_rmem
appliance_stop
pass
