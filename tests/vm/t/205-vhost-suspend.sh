# vDPA suspend/resume, as QEMU uses them at every stop: the harness (as the
# guest) suspends the device, reads an exact vring base, sees a request wait
# while suspended and served after resume.  Then it enables a queue it never
# configured (QEMU does that for queues the guest left unused), which must
# be accepted without a warning in the kernel log.  Without suspend QEMU
# logs "vhost VQ 0 ring restore failed" at every stop.
# vms: 1
# timeout: 300
# shellcheck shell=sh
. /tests/lib/vhost.inc
vhost_load
modprobe vhost_vdpa || fail "modprobe vhost_vdpa"
vhost_dev_add rmem0 $((64 << 20)) 0x2005
vhost_bind rmem0 vhost_vdpa
cdev=$(vhost_chardev rmem0) || fail "no /dev/vhost-vdpa-N for rmem0"
check "harness suspend" rmem-vhost-harness suspend "$cdev"
dmesg | grep -q 'bad ring layout' && fail "enabling an unconfigured queue warned: $(dmesg | grep 'bad ring layout')"
check "vdpa dev del" vdpa dev del rmem0
check "rmmod" rmmod vhost_rmem
pass
