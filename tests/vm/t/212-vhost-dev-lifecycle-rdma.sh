# rdma backend life cycle: a device without a donor refuses to go live; reset
# (unbind) frees the donor chunks and the slot; delete with I/O in flight ends
# that I/O cleanly; after delete no QP, CQ, PD, MR or cm_id is left behind
# (`rdma resource` before and after); rmmod refused while devices exist.
# The scenario is vm/lib/vhost-lifecycle.inc, shared with vhost-dev-lifecycle (ram).
# vms: 1
# timeout: 600
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
. /tests/vm/lib/vhost-lifecycle.inc
vhost_lifecycle_case rdma
