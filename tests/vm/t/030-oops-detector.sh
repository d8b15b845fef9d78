# Harness self-test: this script passes on its own, but loads a test-only
# module that WARNs.  The harness must catch the WARNING in the guest log and
# fail the run; the "expect" line turns that caught failure into a pass.
# vms: 1
# timeout: 120
# expect: kernel-warning
# shellcheck shell=sh
check "insmod rmem_warn_test" rmem_insmod rmem_warn_test
pass
