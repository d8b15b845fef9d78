// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_rmem: guest driver for virtio-blk devices that offer the rmem
 * extension.  The driver proper (probe/remove, blk-mq, polling, merging,
 * discard, stats) is added by the guest-driver issue; it must build on
 * Debian's 6.1 and 6.12 kernels.
 */
#include <linux/module.h>
#include <linux/printk.h>

static int __init rmem_blk_init(void)
{
	pr_info("virtio_rmem: loaded\n");
	return 0;
}

static void __exit rmem_blk_exit(void)
{
	pr_info("virtio_rmem: unloaded\n");
}

module_init(rmem_blk_init);
module_exit(rmem_blk_exit);
MODULE_DESCRIPTION("Scalevisor rmem: guest driver for remote-memory block devices");
MODULE_AUTHOR("Scalevisor rmem developers");
MODULE_LICENSE("GPL");
