# Device life cycle: created parked, configured in sysfs, bad values refused,
# a taken device id refused, config frozen (EBUSY) while a driver is bound,
# reset frees the data, rmmod refused while devices exist, delete with I/O in
# flight completes or fails that I/O cleanly.
# The scenario is vm/lib/vhost-lifecycle.inc, shared with vhost-dev-lifecycle-rdma.
# vms: 1
# timeout: 300
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/vm/lib/vhost-lifecycle.inc
vhost_lifecycle_case ram
