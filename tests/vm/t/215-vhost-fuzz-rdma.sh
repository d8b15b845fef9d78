# Random and mutated requests through vhost_vdpa on the rdma backend (donor on
# rxe loopback): every request is answered, the device still serves
# afterwards, a bad ring index sets NEEDS_RESET, no kernel warning, and the
# donor gets every chunk back.
# The scenario is vm/lib/vhost-fuzz.inc, shared with vhost-fuzz (ram).
# vms: 1
# timeout: 900
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
. /tests/vm/lib/vhost-fuzz.inc
vhost_fuzz_case rdma
