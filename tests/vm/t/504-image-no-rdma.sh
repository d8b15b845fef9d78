# The appliance image on a machine with no NIC at all: a clear console
# message saying what is missing and what to set, retried at the retry delay
# (never a crash loop, never a panic).  Judged on the host from the console.
# vms: 1
# timeout: 120
# shellcheck shell=sh
fail "this VM boots the appliance image; the host judges it (504-image-no-rdma.host)"
