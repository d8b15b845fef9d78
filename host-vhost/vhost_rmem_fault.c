// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_rmem_fault.c - the test tier's fault knobs (vhost_rmem_fault.h).
 */
#include <linux/debugfs.h>
#include <linux/delay.h>

#include "vhost_rmem_fault.h"

struct vhost_rmem_faults vhost_rmem_faults;

/* Does the fault fire this time?  Counts down N, or always for a negative knob. */
bool vhost_rmem_fault_take(atomic_t *knob)
{
	if (atomic_read(knob) >= 0 && atomic_dec_if_positive(knob) < 0)
		return false;
	atomic_inc(&vhost_rmem_faults.injected);
	return true;
}

/* Sleeps: called only where the caller may (a lane, before it posts). */
void vhost_rmem_fault_delay(void)
{
	int ms = atomic_read(&vhost_rmem_faults.delay_ms);

	if (ms <= 0)
		return;
	atomic_inc(&vhost_rmem_faults.injected);
	msleep(ms);
}

bool vhost_rmem_fault_renew_stalled(u64 device_id)
{
	int v = atomic_read(&vhost_rmem_faults.stall_renew);

	if (!v || (v > 0 && (u64)v != device_id))
		return false;
	atomic_inc(&vhost_rmem_faults.injected);
	return true;
}

void vhost_rmem_faults_debugfs(struct dentry *root)
{
	struct dentry *dir;

	if (!root)
		return;
	dir = debugfs_create_dir("faults", root);
	debugfs_create_atomic_t("fail_connect", 0600, dir, &vhost_rmem_faults.fail_connect);
	debugfs_create_atomic_t("fail_ops", 0600, dir, &vhost_rmem_faults.fail_ops);
	debugfs_create_atomic_t("fail_alloc", 0600, dir, &vhost_rmem_faults.fail_alloc);
	debugfs_create_atomic_t("stall_renew", 0600, dir, &vhost_rmem_faults.stall_renew);
	debugfs_create_atomic_t("delay_ms", 0600, dir, &vhost_rmem_faults.delay_ms);
	debugfs_create_atomic_t("injected", 0400, dir, &vhost_rmem_faults.injected);
}
