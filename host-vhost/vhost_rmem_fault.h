/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost_rmem_fault.h - fault knobs for the test tier (null_blk's
 * timeout_inject/requeue_inject, without CONFIG_FAULT_INJECTION, which
 * Debian's kernel lacks).  Built only when kbuild passes VHOST_RMEM_FAULTS=y
 * (scripts/kbuild.sh does, for the test tier's modules; DKMS does not), so a
 * product module has neither the files nor the branches.
 *
 * Each knob is a file under /sys/kernel/debug/vhost_rmem/faults/:
 *   0   off (the default)
 *   N   the next N times the fault point is reached, it fails
 *   -1  every time, until set back to 0
 * and faults/injected counts every fault injected, so a test can prove its
 * knob was reached.
 *
 *   fail_connect  a connection to a donor is dropped right after the donor
 *                 accepted it: a donor that accepts and disconnects at once.
 *   fail_ops      a zero-copy data move's connection breaks right after its
 *                 WRs are posted (a NIC or link failure mid-request): they
 *                 flush, the request fails, the lane drains its connection
 *                 and makes a new one for the next request.
 *   fail_alloc    a chunk allocation fails as if the donor were full.
 *
 * and values, not counts:
 *   stall_renew   lease renewals are not sent, as if the host had stalled:
 *                 -1 every device's, N the device with id N's; 0 off.  The
 *                 donor reaps the lease while the host still has requests
 *                 past their checks.
 *   delay_ms      every zero-copy data move waits this long between the
 *                 checks that let it touch its chunks (lease held, chunks
 *                 ours) and the post of its WRs: a request held in flight
 *                 past a fence.  0: off.
 */
#ifndef VHOST_RMEM_FAULT_H
#define VHOST_RMEM_FAULT_H

#include <linux/atomic.h>
#include <linux/dcache.h>
#include <linux/stddef.h>

struct vhost_rmem_faults {
	atomic_t fail_connect;
	atomic_t fail_ops;
	atomic_t fail_alloc;
	atomic_t stall_renew;
	atomic_t delay_ms;
	atomic_t injected;
};

#ifdef VHOST_RMEM_FAULTS
extern struct vhost_rmem_faults vhost_rmem_faults;
bool vhost_rmem_fault_take(atomic_t *knob);
void vhost_rmem_faults_debugfs(struct dentry *root);
void vhost_rmem_fault_delay(void);
bool vhost_rmem_fault_renew_stalled(u64 device_id);
#define vhost_rmem_fault(knob) vhost_rmem_fault_take(&vhost_rmem_faults.knob)
#else
/* Never fires, but a misspelt knob still fails the product build. */
static inline bool vhost_rmem_fault_off(size_t knob_offset)
{
	return false;
}

#define vhost_rmem_fault(knob) vhost_rmem_fault_off(offsetof(struct vhost_rmem_faults, knob))
static inline void vhost_rmem_faults_debugfs(struct dentry *root) { }
static inline void vhost_rmem_fault_delay(void) { }
static inline bool vhost_rmem_fault_renew_stalled(u64 device_id) { return false; }
#endif

#endif /* VHOST_RMEM_FAULT_H */
