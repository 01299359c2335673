// SPDX-License-Identifier: GPL-2.0
/*
 * rax.ko: runs Rax objects (native x86-64 code compiled from safe Rust and
 * checked by librax's gate) in a stock kernel.  This file holds the
 * /dev/rax misc device: who may use it and the module-wide ioctls.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/security.h>
#include <linux/uaccess.h>

#include "rax_internal.h"

struct rax_counters rax_counters;

static int rax_dev_open(struct inode *inode, struct file *file)
{
	/* Loading native code is as powerful as loading a module. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

static long rax_ioctl_info(void __user *uarg)
{
	struct rax_ioc_info info;
	u32 usize;
	int err;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	err = copy_struct_from_user(&info, sizeof(info), uarg, usize);
	if (err)
		return err;
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.ioctl_version = RAX_IOCTL_VERSION;
	info.abi_version = RAX_ABI_VERSION;
	info.helper_count = RAX_HELPER_COUNT;
	info.text_arena_size = rax_text.size;
	info.text_arena_used = READ_ONCE(rax_text.used);
	info.data_arena_size = rax_data.size;
	info.data_arena_used = READ_ONCE(rax_data.used);
	info.objects = atomic64_read(&rax_counters.objects);
	info.map_refs = atomic64_read(&rax_counters.map_refs);
	info.loads_total = atomic64_read(&rax_counters.loads_total);
	info.frees_total = atomic64_read(&rax_counters.frees_total);
	info.links = atomic64_read(&rax_counters.links);
	if (copy_to_user(uarg, &info, min_t(size_t, usize, sizeof(info))))
		return -EFAULT;
	return 0;
}

static long rax_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case RAX_IOC_INFO:
		return rax_ioctl_info(uarg);
	case RAX_IOC_LOAD:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		/*
		 * Objects are not signed yet: under lockdown, where unsigned
		 * modules are refused, unsigned native code is refused too.
		 */
		if (security_locked_down(LOCKDOWN_MODULE_SIGNATURE))
			return -EPERM;
		return rax_ioctl_load(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations rax_dev_fops = {
	.owner = THIS_MODULE,
	.open = rax_dev_open,
	.unlocked_ioctl = rax_dev_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice rax_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "rax",
	.fops = &rax_dev_fops,
	.mode = 0600,
};

static int __init rax_init(void)
{
	int err;

	rax_helpers_init();
	err = rax_arena_init();
	if (err)
		return err;
	err = rax_run_init();
	if (err)
		goto err_arena;
	err = rax_faults_init();
	if (err)
		goto err_run;
	err = rax_watchdog_init();
	if (err)
		goto err_faults;
	err = misc_register(&rax_miscdev);
	if (err)
		goto err_watchdog;
	pr_info("rax: ABI %u, ioctl %u, text arena %zu KiB, data arena %zu KiB\n",
		RAX_ABI_VERSION, RAX_IOCTL_VERSION, rax_text.size >> 10, rax_data.size >> 10);
	return 0;

err_watchdog:
	rax_watchdog_exit();
err_faults:
	rax_faults_exit();
err_run:
	rax_run_exit();
err_arena:
	rax_arena_exit();
	return err;
}

static void __exit rax_exit(void)
{
	misc_deregister(&rax_miscdev);
	rax_watchdog_exit();
	rax_faults_exit();
	rax_run_exit();
	rax_arena_exit();
}

module_init(rax_init);
module_exit(rax_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Rax: kernel extensions in safe Rust");
MODULE_AUTHOR("The Rax authors");
