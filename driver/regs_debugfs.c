// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/kernel/debug/mock-vfio-pci/<BDF>/regs: the register file from the
 * guest kernel's side, for a device whose user has no driver for it (a VM
 * under a real VMM, see Documentation/device-uapi.rst).  Reading lists
 * every readable register; writing "NAME VALUE" or "OFFSET VALUE" makes the
 * same access a BAR0 write of that register would, with the same effect,
 * including being dropped while the device is stopped.
 */
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "mock.h"

struct mock_reg_name {
	u32 off;
	const char *name;
	bool readable;	/* reads have no side effect */
};

static const struct mock_reg_name mock_reg_names[] = {
	{ MOCK_REG_ID, "ID", true },
	{ MOCK_REG_VERSION, "VERSION", true },
	{ MOCK_REG_MEM_SIZE, "MEM_SIZE", true },
	{ MOCK_REG_PAGE_SIZE, "PAGE_SIZE", true },
	{ MOCK_REG_MIG_STATE, "MIG_STATE", true },
	{ MOCK_REG_MEM_ADDR, "MEM_ADDR", true },
	{ MOCK_REG_MEM_DATA, "MEM_DATA", false },	/* a read advances MEM_ADDR */
	{ MOCK_REG_WL_CTRL, "WL_CTRL", true },
	{ MOCK_REG_WL_RATE, "WL_RATE", true },
	{ MOCK_REG_WL_SEED, "WL_SEED", true },
	{ MOCK_REG_WL_WRITES, "WL_WRITES", true },
	{ MOCK_REG_DIGEST, "DIGEST", true },
	{ MOCK_REG_DEV_CTRL, "DEV_CTRL", false },	/* write-only */
	{ MOCK_REG_DROPPED_WRITES, "DROPPED_WRITES", true },
	{ MOCK_REG_FABRIC_ID, "FABRIC_ID", true },
	{ MOCK_REG_P2P_PEER, "P2P_PEER", true },
	{ MOCK_REG_P2P_WIN_OFF, "P2P_WIN_OFF", true },
	{ MOCK_REG_P2P_WIN_SIZE, "P2P_WIN_SIZE", true },
	{ MOCK_REG_P2P_RATE, "P2P_RATE", true },
	{ MOCK_REG_P2P_TX, "P2P_TX", true },
	{ MOCK_REG_P2P_RX, "P2P_RX", true },
	{ MOCK_REG_P2P_DROPPED, "P2P_DROPPED", true },
	{ MOCK_REG_DMA_BASE, "DMA_BASE", true },
	{ MOCK_REG_DMA_SIZE, "DMA_SIZE", true },
	{ MOCK_REG_DMA_CTRL, "DMA_CTRL", true },
	{ MOCK_REG_DMA_RATE, "DMA_RATE", true },
	{ MOCK_REG_DMA_SEED, "DMA_SEED", true },
	{ MOCK_REG_DMA_WRITES, "DMA_WRITES", true },
	{ MOCK_REG_DMA_FAULTS, "DMA_FAULTS", true },
	{ MOCK_REG_COPY_SRC, "COPY_SRC", true },
	{ MOCK_REG_COPY_DST, "COPY_DST", true },
	{ MOCK_REG_COPY_SIZE, "COPY_SIZE", true },
	{ MOCK_REG_COPY_COUNT, "COPY_COUNT", true },
	{ MOCK_REG_COPY_CTRL, "COPY_CTRL", false },	/* write-only */
	{ MOCK_REG_COPY_STATUS, "COPY_STATUS", true },
	{ MOCK_REG_COPY_BYTES, "COPY_BYTES", true },
};

static size_t mock_reg_width(u32 off)
{
	return mock_reg_is64(off) ? 8 : 4;
}

static int mock_regs_show(struct seq_file *sf, void *unused)
{
	struct mock_device *m = sf->private;
	unsigned int i;
	u64 val;

	for (i = 0; i < ARRAY_SIZE(mock_reg_names); i++) {
		const struct mock_reg_name *r = &mock_reg_names[i];

		if (!r->readable)
			continue;
		mock_reg_access(m, r->off, &val, mock_reg_width(r->off), false);
		seq_printf(sf, "0x%03x %-15s 0x%llx\n", r->off, r->name, val);
	}
	return 0;
}

/* @word is a register name or its offset; -EINVAL if it is neither. */
static int mock_reg_parse(const char *word, u32 *off)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mock_reg_names); i++)
		if (!strcasecmp(word, mock_reg_names[i].name)) {
			*off = mock_reg_names[i].off;
			return 0;
		}
	if (kstrtou32(word, 0, off))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(mock_reg_names); i++)
		if (mock_reg_names[i].off == *off)
			return 0;
	return -EINVAL;
}

static ssize_t mock_regs_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct mock_device *m = file_inode(file)->i_private;
	char buf[64], *value, *name;
	u64 val;
	u32 off;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	value = strim(buf);
	name = strsep(&value, " \t");
	if (!value || mock_reg_parse(name, &off) || kstrtou64(skip_spaces(value), 0, &val)) {
		dev_warn_ratelimited(mock_dev(m),
				     "debugfs regs: expected \"NAME VALUE\" or \"OFFSET VALUE\" of a register\n");
		return -EINVAL;
	}
	mock_reg_access(m, off, &val, mock_reg_width(off), true);
	return len;
}

static int mock_regs_open(struct inode *inode, struct file *file)
{
	return single_open(file, mock_regs_show, inode->i_private);
}

static const struct file_operations mock_regs_fops = {
	.owner = THIS_MODULE,
	.open = mock_regs_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = mock_regs_write,
	.release = single_release,
};

/**
 * mock_regs_debugfs() - add the device's "regs" file
 * @m: the device
 * @dir: its debugfs directory
 */
void mock_regs_debugfs(struct mock_device *m, struct dentry *dir)
{
	debugfs_create_file("regs", 0600, dir, m, &mock_regs_fops);
}
