# 100,000 random and mutated requests through vhost_vdpa (ram backend): every
# request is answered, the well-formed ones with a valid status, the device
# still serves afterwards, a bad ring index sets NEEDS_RESET, and the kernel
# logs no warning (the harness checks the log).
# vms: 1
# timeout: 900
. /tests/vm/t/vhost.inc
vhost_load
modprobe vhost_vdpa || fail "modprobe vhost_vdpa"
vhost_dev_add rmem0 $((64 << 20)) 0x3001
vhost_bind rmem0 vhost_vdpa
cdev=$(vhost_chardev rmem0) || fail "no /dev/vhost-vdpa-N for rmem0"
seed=${RMEM_FUZZ_SEED:-$(date +%s)}
log "seed $seed"
check "harness fuzz (seed $seed)" rmem-vhost-harness fuzz "$cdev" 100000 "$seed"
for f in err_chain err_header err_unsupported err_shape err_align err_range err_too_big err_access; do
	log "$f $(vhost_stat rmem0 $f)"
done
[ "$(vhost_stat rmem0 err_chain)" -gt 0 ] || fail "no malformed chain was seen"
# A fresh open resets the device: it serves again after NEEDS_RESET.
check "harness io after fuzz" rmem-vhost-harness io "$cdev"
check "vdpa dev del" vdpa dev del rmem0
check "rmmod" rmmod vhost_rmem
pass
