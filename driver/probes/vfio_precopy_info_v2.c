// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux 7.1: the core takes VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 (kept in
 * vfio_device.precopy_info_v2, cleared on close) and drivers check
 * VFIO_MIG_GET_PRECOPY_INFO with vfio_check_precopy_ioctl().
 */
#include <linux/vfio.h>

int mock_probe(struct vfio_device *vdev, unsigned long arg);
int mock_probe(struct vfio_device *vdev, unsigned long arg)
{
	struct vfio_precopy_info info;

	return vfio_check_precopy_ioctl(vdev, VFIO_MIG_GET_PRECOPY_INFO, arg,
					&info) + vdev->precopy_info_v2;
}
