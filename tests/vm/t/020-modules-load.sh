# Our two kernel modules load and unload cleanly on Debian's 6.12 kernel.
# vms: 1
# timeout: 120
# shellcheck shell=sh
for m in vhost_rmem virtio_rmem; do
	[ -f /rmem/modules/$m.ko ] || fail "$m.ko is not in the initramfs (make modules?)"
	check "insmod $m" rmem_insmod $m
	check "$m is listed as loaded" sh -c "grep -q '^$m ' /proc/modules"
	check "rmmod $m" rmmod $m
	grep -q "^$m " /proc/modules && fail "$m still loaded after rmmod"
done
pass
