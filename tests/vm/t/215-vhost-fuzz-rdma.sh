# Random and mutated requests through vhost_vdpa on the rdma backend (donor on
# rxe loopback): every request is answered, the device still serves
# afterwards, a bad ring index sets NEEDS_RESET, no kernel warning, and the
# donor gets every chunk back.
# vms: 1
# timeout: 900
. /tests/vm/t/vhost.inc
. /tests/vm/t/appliance.inc
rxe_up
appliance_start --memory 96M --chunk-size 1M --no-hugepages
vhost_load
modprobe vhost_vdpa || fail "modprobe vhost_vdpa"
vhost_dev_add_rdma rmem0 $((64 << 20)) 0x3001
vhost_bind rmem0 vhost_vdpa
cdev=$(vhost_chardev rmem0) || fail "no /dev/vhost-vdpa-N for rmem0"
seed=${RMEM_FUZZ_SEED:-$(date +%s)}
log "seed $seed"
check "harness fuzz (seed $seed)" rmem-vhost-harness fuzz "$cdev" 100000 "$seed"
for f in err_chain err_header err_unsupported err_shape err_align err_range err_too_big err_access err_backend; do
	log "$f $(vhost_stat rmem0 $f)"
done
[ "$(vhost_stat rmem0 err_chain)" -gt 0 ] || fail "no malformed chain was seen"
[ "$(vhost_stat rmem0 err_backend)" = 0 ] || fail "backend errors with a healthy donor: $(vhost_stat rmem0 err_backend)"
check "harness io after fuzz" rmem-vhost-harness io "$cdev"
check "vdpa dev del" vdpa dev del rmem0
[ "$(owners_used)" = 0 ] || fail "donor owner table has $(owners_used) used words after delete"
check "rmmod" rmmod vhost_rmem
appliance_stop
pass
