// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_rmem: module entry and parameters.  The vDPA management device and
 * the queue worker live in vhost_rmem_vdpa.c, per-device configuration in
 * vhost_rmem_dev.c, counters in vhost_rmem_stats.c, the backends in vhost_rmem_ram.c and
 * vhost_rmem_rdma.c (on vhost_rmem_conn.c, vhost_rmem_alloc.c, vhost_rmem_map.c);
 * vhost_rmem_vq.c and vhost_rmem_req.c are the pure virtqueue and request logic shared
 * with the unit tests.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>

#include "vhost_rmem_dev.h"

unsigned int vhost_rmem_param_num_queues = 2;
module_param_named(num_queues, vhost_rmem_param_num_queues, uint, 0444);
MODULE_PARM_DESC(num_queues, "virtqueues per new device (1-16, default 2); offered as VIRTIO_BLK_F_MQ num_queues");

unsigned int vhost_rmem_param_chunk_shift = RMEM_CHUNK_SHIFT_DEFAULT;
module_param_named(chunk_shift, vhost_rmem_param_chunk_shift, uint, 0444);
MODULE_PARM_DESC(chunk_shift, "default log2 chunk size of new devices (12-30, default 21 = 2 MiB)");

static int __init vhost_rmem_init(void)
{
	int ret;

	if (!vhost_rmem_param_num_queues ||
	    vhost_rmem_param_num_queues > RMEM_VIRTIO_NUM_QUEUES_MAX) {
		pr_err("vhost_rmem: num_queues=%u out of 1..%u\n", vhost_rmem_param_num_queues,
		       RMEM_VIRTIO_NUM_QUEUES_MAX);
		return -EINVAL;
	}
	if (vhost_rmem_param_chunk_shift < RMEM_CHUNK_SHIFT_MIN ||
	    vhost_rmem_param_chunk_shift > RMEM_CHUNK_SHIFT_MAX) {
		pr_err("vhost_rmem: chunk_shift=%u out of %u..%u\n", vhost_rmem_param_chunk_shift,
		       RMEM_CHUNK_SHIFT_MIN, RMEM_CHUNK_SHIFT_MAX);
		return -EINVAL;
	}
	vhost_rmem_stats_init();
	ret = vhost_rmem_rdma_init();
	if (ret)
		return ret;
	ret = vhost_rmem_vdpa_init();
	if (ret) {
		vhost_rmem_rdma_exit();
		return ret;
	}
	pr_info("vhost_rmem: loaded (vDPA management device \"%s\")\n", VHOST_RMEM_MGMTDEV_NAME);
	return 0;
}

/* Only reached without devices: each device holds a module reference. */
static void __exit vhost_rmem_exit(void)
{
	vhost_rmem_vdpa_exit();
	vhost_rmem_rdma_exit();
	pr_info("vhost_rmem: unloaded\n");
}

module_init(vhost_rmem_init);
module_exit(vhost_rmem_exit);
MODULE_DESCRIPTION("Scalevisor rmem: remote-memory block devices served over RDMA (vDPA parent)");
MODULE_AUTHOR("Scalevisor rmem developers");
MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: hmac sha256");
MODULE_VERSION("0.1");	/* = PACKAGE_VERSION in dkms.conf */
