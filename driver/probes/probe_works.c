// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control: builds against every kernel the driver supports.  Without
 * HAVE_PROBE_WORKS the probe command itself is broken, and compat.h says so
 * instead of letting every other probe silently answer "no".
 */
#include <linux/vfio_pci_core.h>

int mock_probe(struct vfio_pci_core_device *core);
int mock_probe(struct vfio_pci_core_device *core)
{
	return core->vdev.migration_flags != 0;
}
