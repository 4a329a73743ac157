// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Opening a device through iommufd and the VFIO device cdev (Linux 6.6+
 * with CONFIG_IOMMUFD and CONFIG_VFIO_DEVICE_CDEV), the path modern VMMs use:
 *
 *   /sys/bus/{pci,mdev}/devices/NAME/vfio-dev/vfioN -> open /dev/vfio/devices/vfioN
 *   open /dev/iommu
 *   VFIO_DEVICE_BIND_IOMMUFD      the device fd joins the iommufd context
 *   IOMMU_IOAS_ALLOC              an I/O address space
 *   VFIO_DEVICE_ATTACH_IOMMUFD_PT the device translates through it
 *
 * Only then do the device's other ioctls work (the core refuses them with
 * EINVAL before the bind).  Closing the device fd unbinds it; closing the
 * iommufd frees the IOAS and its mappings.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "iommufd.h"
#include "log.h"

int vfm_iommufd_available(const char *bdf, char *why, size_t len)
{
	char path[128];
	glob_t g;
	int ret;

	vfm_sysfs_path(bdf, NULL, path, sizeof(path));
	if (access(path, F_OK)) {
		snprintf(why, len, "%s: no such device (no %s)", bdf, path);
		return -ENODEV;
	}
	if (access("/dev/iommu", F_OK)) {
		snprintf(why, len,
			 "%s: no /dev/iommu: the kernel has no iommufd (CONFIG_IOMMUFD) or it is not loaded",
			 bdf);
		return -EOPNOTSUPP;
	}
	vfm_sysfs_path(bdf, "vfio-dev/vfio*", path, sizeof(path));
	if (glob(path, 0, NULL, &g)) {
		snprintf(why, len, "%s: no vfio-dev in sysfs: the device is not bound to a VFIO driver",
			 bdf);
		return -ENODEV;
	}
	/*
	 * Every VFIO device has a vfio-dev/vfioN in sysfs; only with
	 * CONFIG_VFIO_DEVICE_CDEV does it have a device number (and a node).
	 */
	snprintf(path, sizeof(path), "%s/dev", g.gl_pathv[0]);
	globfree(&g);
	ret = access(path, F_OK) ? -EOPNOTSUPP : 0;
	if (ret)
		snprintf(why, len,
			 "%s: the kernel has no VFIO device cdev (CONFIG_VFIO_DEVICE_CDEV): use the group API",
			 bdf);
	return ret;
}

/* The N of /sys/bus/{pci,mdev}/devices/NAME/vfio-dev/vfioN. */
static int cdev_of(const char *bdf)
{
	char path[128];
	struct dirent *e;
	int n = -ENODEV;
	DIR *d;

	vfm_sysfs_path(bdf, "vfio-dev", path, sizeof(path));
	d = opendir(path);
	if (!d) {
		n = -errno;
		if (n == -ENOENT)
			vfm_err_unbound(bdf, path);
		else
			vfm_err(bdf, "opendir %s: %s", path, strerror(-n));
		return n;
	}
	while ((e = readdir(d)))
		if (sscanf(e->d_name, "vfio%d", &n) == 1)
			break;
	closedir(d);
	if (n < 0)
		vfm_err(bdf, "%s has no vfioN entry", path);
	return n;
}

int vfm_iommufd_open(struct vfm_device *dev)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	char why[192], path[64];
	int n, ret;

	ret = vfm_iommufd_available(dev->bdf, why, sizeof(why));
	if (ret) {
		vfm_err(dev->bdf, "iommufd mode: %s", strchr(why, ' ') + 1);
		return ret;
	}
	n = cdev_of(dev->bdf);
	if (n < 0)
		return n;
	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", n);
	dev->fd = open(path, O_RDWR | O_CLOEXEC);
	if (dev->fd < 0) {
		ret = -errno;
		vfm_err(dev->bdf, "open %s: %s", path, strerror(errno));
		return ret;
	}
	dev->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (dev->iommufd < 0) {
		ret = -errno;
		vfm_err(dev->bdf, "open /dev/iommu: %s", strerror(errno));
		goto out_close;
	}
	bind.iommufd = dev->iommufd;
	if (ioctl(dev->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		ret = -errno;
		/* vfio_df_open(): a cdev device can be opened only once. */
		if (errno == EINVAL || errno == EBUSY)
			vfm_err(dev->bdf, "VFIO_DEVICE_BIND_IOMMUFD: %s (is the device already in use?)",
				strerror(errno));
		else
			vfm_err(dev->bdf, "VFIO_DEVICE_BIND_IOMMUFD: %s", strerror(errno));
		goto out_close;
	}
	dev->devid = bind.out_devid;
	if (ioctl(dev->iommufd, IOMMU_IOAS_ALLOC, &alloc)) {
		ret = -errno;
		vfm_err(dev->bdf, "IOMMU_IOAS_ALLOC: %s", strerror(errno));
		goto out_close;
	}
	dev->ioas_id = alloc.out_ioas_id;
	attach.pt_id = dev->ioas_id;
	if (ioctl(dev->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach)) {
		ret = -errno;
		vfm_err(dev->bdf, "VFIO_DEVICE_ATTACH_IOMMUFD_PT to IOAS %u: %s", dev->ioas_id,
			strerror(errno));
		goto out_close;
	}
	return 0;

out_close:
	vfm_iommufd_close(dev);
	return ret;
}

void vfm_iommufd_close(struct vfm_device *dev)
{
	/* The device first: its close unbinds it from the iommufd context. */
	if (dev->fd >= 0)
		close(dev->fd);
	if (dev->iommufd >= 0)
		close(dev->iommufd);
	dev->fd = dev->iommufd = -1;
}

int vfm_iommufd_map(const struct vfm_device *dev, void *vaddr, uint64_t iova, uint64_t size)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = dev->ioas_id,
		.user_va = (uintptr_t)vaddr,
		.length = size,
		.iova = iova,
	};

	if (ioctl(dev->iommufd, IOMMU_IOAS_MAP, &map)) {
		int err = errno;

		vfm_err(dev->bdf, "IOMMU_IOAS_MAP of %#llx bytes at IOVA %#llx: %s",
			(unsigned long long)size, (unsigned long long)iova, strerror(err));
		return -err;
	}
	return 0;
}

int vfm_iommufd_unmap(const struct vfm_device *dev, uint64_t iova, uint64_t size,
		      uint64_t *unmapped)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = dev->ioas_id,
		.iova = iova,
		.length = size,
	};

	*unmapped = 0;
	if (ioctl(dev->iommufd, IOMMU_IOAS_UNMAP, &unmap)) {
		/* iommufd: ENOENT when nothing was mapped there. */
		if (errno == ENOENT)
			return 0;
		return -errno;
	}
	*unmapped = unmap.length;
	return 0;
}
