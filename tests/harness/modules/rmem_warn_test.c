// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only: triggers one kernel WARNING at load so the VM harness can prove
 * it fails a test whose guest log shows one (vm/oops-detector).
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init rmem_warn_test_init(void)
{
	WARN_ON(1);
	return 0;
}

static void __exit rmem_warn_test_exit(void)
{
}

module_init(rmem_warn_test_init);
module_exit(rmem_warn_test_exit);
MODULE_DESCRIPTION("rmem VM harness self-test: WARN_ON at load");
MODULE_LICENSE("GPL");
