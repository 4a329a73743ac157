// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Opening a device by name (a PCI address or an mdev UUID, devname.c): through the VFIO group/container API with
 * a type1v2 IOMMU, or through iommufd and the VFIO device cdev (iommufd.c),
 * as $VFIOMIG_IOMMU or the caller chooses.  DMA mapping for either.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfiomig/device.h"
#include "iommufd.h"
#include "log.h"

int vfm_parse_bdf(const char *in, char *out, unsigned long outlen)
{
	unsigned int dom = 0, bus, slot, fn;
	char tail;

	/* sscanf's %x would also take "0x" prefixes and signs: allow none. */
	if (in[strspn(in, "0123456789abcdefABCDEF:.")] != '\0')
		return -EINVAL;
	if (sscanf(in, "%x:%x:%x.%x%c", &dom, &bus, &slot, &fn, &tail) != 4) {
		dom = 0;
		if (sscanf(in, "%x:%x.%x%c", &bus, &slot, &fn, &tail) != 3)
			return -EINVAL;
	}
	if (dom > 0xffff || bus > 0xff || slot > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(out, outlen, "%04x:%02x:%02x.%x", dom, bus, slot, fn);
	return 0;
}

static int group_of(const char *bdf)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t len;

	vfm_sysfs_path(bdf, "iommu_group", link, sizeof(link));
	len = readlink(link, target, sizeof(target) - 1);
	if (len < 0 && errno == ENOENT) {
		vfm_sysfs_path(bdf, NULL, link, sizeof(link));
		if (access(link, F_OK))
			vfm_err(bdf, "no such %s (no %s)",
				vfm_is_mdev(bdf) ? "mediated device" : "PCI device", link);
		else if (vfm_is_mdev(bdf))
			vfm_err(bdf, "the mediated device has no IOMMU group: it is not a VFIO device (is its parent's mdev driver loaded?)");
		else
			vfm_err(bdf, "the device has no IOMMU group (is an IOMMU enabled?)");
		return -ENODEV;
	}
	if (len < 0) {
		vfm_err(bdf, "reading %s: %s", link, strerror(errno));
		return -errno;
	}
	target[len] = '\0';
	return atoi(basename(target));
}

const char *vfm_iommu_mode_name(enum vfm_iommu_mode mode)
{
	switch (mode) {
	case VFM_IOMMU_GROUP:
		return "group";
	case VFM_IOMMU_IOMMUFD:
		return "iommufd";
	default:
		return "default";
	}
}

int vfm_iommu_mode_env(void)
{
	const char *v = getenv("VFIOMIG_IOMMU");

	if (!v || !*v || !strcmp(v, "group"))
		return VFM_IOMMU_GROUP;
	if (!strcmp(v, "iommufd"))
		return VFM_IOMMU_IOMMUFD;
	vfm_err("VFIOMIG_IOMMU", "\"%s\" is not an IOMMU mode: group or iommufd", v);
	return -EINVAL;
}

int vfm_device_open(const char *bdf, struct vfm_device *dev)
{
	return vfm_device_open_mode(bdf, VFM_IOMMU_DEFAULT, dev);
}

/* The group/container path; dev->bdf and dev->group_id are set. */
/* Which devices share @dev's IOMMU group, with their drivers. */
static void group_not_viable(const struct vfm_device *dev)
{
	char path[64], list[512] = "", what[NAME_MAX + 32];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/devices", dev->group_id);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, dev->bdf))
			continue;
		vfm_describe_driver(e->d_name, what, sizeof(what));
		n += snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s (%s)",
			      n ? ", " : "", e->d_name, what);
	}
	if (d)
		closedir(d);
	vfm_err(dev->bdf, "IOMMU group %d is not viable: every device in it must be bound to a VFIO driver or to none; in it too: %s",
		dev->group_id, list[0] ? list : "(cannot list)");
}

static int group_open(struct vfm_device *dev)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int ret;

	dev->container_fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (dev->container_fd < 0) {
		ret = -errno;
		vfm_err(dev->bdf, "open /dev/vfio/vfio: %s (is the vfio module loaded?)",
			strerror(errno));
		goto out_close;
	}
	if (ioctl(dev->container_fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(dev->container_fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1) {
		ret = -ENOTSUP;
		vfm_err(dev->bdf, "the VFIO container does not offer a type1v2 IOMMU");
		goto out_close;
	}

	snprintf(path, sizeof(path), "/dev/vfio/%d", dev->group_id);
	dev->group_fd = open(path, O_RDWR | O_CLOEXEC);
	if (dev->group_fd < 0) {
		ret = -errno;
		if (errno == ENOENT)
			vfm_err_unbound(dev->bdf, path);
		else if (errno == EBUSY)
			vfm_err(dev->bdf, "%s is busy: the device is already in use", path);
		else
			vfm_err(dev->bdf, "open %s: %s", path, strerror(errno));
		goto out_close;
	}
	if (ioctl(dev->group_fd, VFIO_GROUP_GET_STATUS, &status)) {
		ret = -errno;
		vfm_err(dev->bdf, "VFIO_GROUP_GET_STATUS: %s", strerror(errno));
		goto out_close;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		ret = -EBUSY;
		group_not_viable(dev);
		goto out_close;
	}
	if (ioctl(dev->group_fd, VFIO_GROUP_SET_CONTAINER, &dev->container_fd) ||
	    ioctl(dev->container_fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		ret = -errno;
		vfm_err(dev->bdf, "attaching group %d to a type1v2 container: %s",
			dev->group_id, strerror(errno));
		goto out_close;
	}

	dev->fd = ioctl(dev->group_fd, VFIO_GROUP_GET_DEVICE_FD, dev->bdf);
	if (dev->fd < 0) {
		ret = -errno;
		if (errno == EBUSY)
			vfm_err(dev->bdf, "the device is already in use");
		else
			vfm_err(dev->bdf, "VFIO_GROUP_GET_DEVICE_FD: %s", strerror(errno));
		goto out_close;
	}
	return 0;

out_close:
	vfm_device_close(dev);
	return ret;
}

int vfm_device_open_mode(const char *bdf, enum vfm_iommu_mode mode, struct vfm_device *dev)
{
	int ret;

	memset(dev, 0, sizeof(*dev));
	dev->container_fd = dev->group_fd = dev->fd = dev->iommufd = -1;
	ret = vfm_parse_device(bdf, dev->bdf, sizeof(dev->bdf));
	if (ret) {
		vfm_err(bdf, "not a device name (expected " VFM_DEVICE_NAME_HELP ")");
		return ret;
	}
	if (mode == VFM_IOMMU_DEFAULT) {
		ret = vfm_iommu_mode_env();
		if (ret < 0)
			return ret;
		mode = ret;
	}
	dev->mode = mode;

	/* Both paths need an IOMMU group; tools show its number. */
	ret = group_of(dev->bdf);
	if (ret < 0)
		return ret;
	dev->group_id = ret;

	if (mode == VFM_IOMMU_IOMMUFD)
		return vfm_iommufd_open(dev);
	return group_open(dev);
}

void vfm_device_close(struct vfm_device *dev)
{
	if (dev->mode == VFM_IOMMU_IOMMUFD) {
		vfm_iommufd_close(dev);
		return;
	}
	if (dev->fd >= 0)
		close(dev->fd);
	if (dev->group_fd >= 0)
		close(dev->group_fd);
	if (dev->container_fd >= 0)
		close(dev->container_fd);
	dev->fd = dev->group_fd = dev->container_fd = -1;
}

int vfm_dma_map(const struct vfm_device *dev, void *vaddr, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	if (dev->mode == VFM_IOMMU_IOMMUFD)
		return vfm_iommufd_map(dev, vaddr, iova, size);
	if (ioctl(dev->container_fd, VFIO_IOMMU_MAP_DMA, &map)) {
		int err = errno;

		vfm_err(dev->bdf, "VFIO_IOMMU_MAP_DMA of %#llx bytes at IOVA %#llx: %s",
			(unsigned long long)size, (unsigned long long)iova, strerror(err));
		return -err;
	}
	return 0;
}

int vfm_dma_unmap(const struct vfm_device *dev, uint64_t iova, uint64_t size,
		  uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	if (dev->mode == VFM_IOMMU_IOMMUFD)
		return vfm_iommufd_unmap(dev, iova, size, unmapped);
	*unmapped = 0;
	if (ioctl(dev->container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -errno;
	*unmapped = unmap.size;
	return 0;
}

int vfm_device_flags(const struct vfm_device *dev, uint32_t *flags)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	if (ioctl(dev->fd, VFIO_DEVICE_GET_INFO, &info)) {
		int err = errno;

		vfm_err(dev->bdf, "VFIO_DEVICE_GET_INFO: %s", strerror(err));
		return -err;
	}
	*flags = info.flags;
	return 0;
}
