# 100,000 random and mutated requests through vhost_vdpa (ram backend): every
# request is answered, the well-formed ones with a valid status, the device
# still serves afterwards, a bad ring index sets NEEDS_RESET, and the kernel
# logs no warning (the harness checks the log).
# The scenario is vm/lib/vhost-fuzz.inc, shared with vhost-fuzz-rdma.
# vms: 1
# timeout: 900
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/vm/lib/vhost-fuzz.inc
vhost_fuzz_case ram
