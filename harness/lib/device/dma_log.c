// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * VFIO_DEVICE_FEATURE_DMA_LOGGING_START, _STOP and _REPORT: the device's
 * own tracking of the pages it wrote by DMA (vfiomig/device.h).  Quiet, so that
 * callers may provoke errors on purpose.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <linux/vfio.h>

#include "vfiomig/device.h"

int vfm_dma_log_start(const struct vfm_device *dev, uint64_t page_size,
		      const struct vfio_device_feature_dma_logging_range *ranges, uint32_t n,
		      uint64_t *used_page_size)
{
	struct {
		struct vfio_device_feature hdr;
		struct vfio_device_feature_dma_logging_control ctl;
	} s = {
		.hdr.argsz = sizeof(s),
		.hdr.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
		.ctl.page_size = page_size,
		.ctl.num_ranges = n,
		.ctl.ranges = (uintptr_t)ranges,
	};

	if (ioctl(dev->fd, VFIO_DEVICE_FEATURE, &s))
		return -errno;
	/* The core writes back the page size the device chose. */
	if (used_page_size)
		*used_page_size = s.ctl.page_size;
	return 0;
}

int vfm_dma_log_stop(const struct vfm_device *dev)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP,
	};

	return ioctl(dev->fd, VFIO_DEVICE_FEATURE, &f) ? -errno : 0;
}

int vfm_dma_log_report(const struct vfm_device *dev, uint64_t iova, uint64_t length,
		       uint64_t page_size, uint64_t *bitmap)
{
	struct {
		struct vfio_device_feature hdr;
		struct vfio_device_feature_dma_logging_report rep;
	} r = {
		.hdr.argsz = sizeof(r),
		.hdr.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT,
		.rep.iova = iova,
		.rep.length = length,
		.rep.page_size = page_size,
		.rep.bitmap = (uintptr_t)bitmap,
	};

	return ioctl(dev->fd, VFIO_DEVICE_FEATURE, &r) ? -errno : 0;
}
