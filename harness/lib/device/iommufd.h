/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The iommufd + VFIO device cdev open path (iommufd.c), used by device.c.
 */
#ifndef VFIOMIG_IOMMUFD_H
#define VFIOMIG_IOMMUFD_H

#include <stdint.h>

#include "vfiomig/device.h"

/*
 * Open dev->bdf's /dev/vfio/devices/vfioN, bind it to a new /dev/iommu and
 * attach it to a new IOAS.  dev->bdf is set, every fd -1.  On failure the
 * fds opened are closed again.
 */
int vfm_iommufd_open(struct vfm_device *dev);
void vfm_iommufd_close(struct vfm_device *dev);
int vfm_iommufd_map(const struct vfm_device *dev, void *vaddr, uint64_t iova, uint64_t size);
int vfm_iommufd_unmap(const struct vfm_device *dev, uint64_t iova, uint64_t size,
		      uint64_t *unmapped);

#endif /* VFIOMIG_IOMMUFD_H */
