# vhost_rmem on the rdma backend (donor on rxe loopback in the same VM), bound
# to virtio_vdpa: stock virtio_blk sees the disk; unwritten blocks read zeros
# without chunks; fio verifies 4 KiB random and 128 KiB sequential I/O; the
# device's map matches the donor's owner table; discard frees the donor's
# chunks; swap works; delete releases the lease slot.
# The scenario is vm/lib/vhost-blk.inc, shared with vhost-virtio-blk (ram).
# vms: 1
# timeout: 900
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
. /tests/vm/lib/vhost-blk.inc
vhost_blk_case rdma
