// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Migration features of a device (VFIO_DEVICE_FEATURE_MIGRATION).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/vfio.h>

#include "vfiomig/device.h"
#include "log.h"

int vfm_migration_flags(const struct vfm_device *dev, uint64_t *flags)
{
	struct {
		struct vfio_device_feature hdr;
		struct vfio_device_feature_migration mig;
	} feat = {
		.hdr.argsz = sizeof(feat),
		.hdr.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
	};

	if (ioctl(dev->fd, VFIO_DEVICE_FEATURE, &feat)) {
		int err = errno;

		if (err == ENOTTY) {
			char drv[NAME_MAX + 32];

			vfm_describe_driver(dev->bdf, drv, sizeof(drv));
			vfm_err(dev->bdf, "the device is not migration capable (%s, which does not offer VFIO_DEVICE_FEATURE_MIGRATION: a variant driver with migration support must drive it)",
				drv);
		} else
			vfm_err(dev->bdf, "VFIO_DEVICE_FEATURE_MIGRATION: %s", strerror(err));
		return -err;
	}
	*flags = feat.mig.flags;
	return 0;
}

