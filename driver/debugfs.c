// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device's debugfs directory, /sys/kernel/debug/mock-vfio-pci/<BDF>/,
 * built from what each part of the driver offers (Documentation/monitor.rst):
 *
 *   fail_arc ... reinit   fault injection (faults.c)
 *   regs                  the register file (regs_debugfs.c)
 *   dma_log*              DMA logging status and tracker limits (dma.c)
 *   violations            monitor violations this device observed (events.c)
 *
 * The top of the driver: it calls into the parts, none of them calls here.
 */
#include <linux/debugfs.h>
#include <linux/pci.h>

#include "mock.h"

static int mock_violations_get(void *data, u64 *val)
{
	*val = mock_violations_of(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(mock_violations_fops, mock_violations_get, NULL, "%llu\n");

/**
 * mock_debugfs_create() - create the device's debugfs directory
 * @m: the device
 */
void mock_debugfs_create(struct mock_device *m)
{
	struct dentry *d = debugfs_create_dir(pci_name(m->core.pdev), mock_debugfs_dir());

	m->debugfs = d;
	mock_faults_debugfs(m, d);
	mock_regs_debugfs(m, d);
	mock_log_debugfs(m, d);
	debugfs_create_file_unsafe("violations", 0400, d, m, &mock_violations_fops);
}

/**
 * mock_debugfs_remove() - remove it, before the device goes away
 * @m: the device
 */
void mock_debugfs_remove(struct mock_device *m)
{
	debugfs_remove_recursive(m->debugfs);
	m->debugfs = NULL;
}
