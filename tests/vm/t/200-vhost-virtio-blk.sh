# vhost_rmem (ram backend) bound to virtio_vdpa: the stock virtio_blk driver of
# the same kernel sees the disk; unwritten blocks read as zeros; fio verifies
# 4 KiB random and 128 KiB sequential I/O; discard frees chunks; swap works.
# The scenario is vm/lib/vhost-blk.inc, shared with vhost-virtio-blk-rdma.
# vms: 1
# timeout: 600
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/vm/lib/vhost-blk.inc
vhost_blk_case ram
