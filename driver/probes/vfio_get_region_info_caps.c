// SPDX-License-Identifier: GPL-2.0-only
/*
 * After Linux 6.12 (present in 7.3): the core answers
 * VFIO_DEVICE_GET_REGION_INFO through vfio_device_ops.get_region_info_caps
 * (vfio_pci_ioctl_get_region_info() in vfio-pci-core); the ioctl no longer
 * reaches vfio_device_ops.ioctl.
 */
#include <linux/vfio_pci_core.h>

extern const struct vfio_device_ops mock_probe_ops;
const struct vfio_device_ops mock_probe_ops = {
	.get_region_info_caps = vfio_pci_ioctl_get_region_info,
};
