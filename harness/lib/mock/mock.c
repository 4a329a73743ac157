// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mock-vfio-pci's client (vfiomig/mock.h): BAR0 registers through the
 * device fd, the device's sysfs and debugfs files.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfiomig/mock.h"
#include "mock_vfio_pci.h"
#include "log.h"

bool vfm_mock_bound(const char *bdf)
{
	char drv[64];

	return !vfm_current_driver(bdf, drv, sizeof(drv)) &&
	       !strcmp(drv, MOCK_VFIO_PCI_DRIVER_NAME);
}

static int bar0_offset(const struct vfm_device *dev, uint64_t *offset)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};

	if (ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, &info))
		return -errno;
	*offset = info.offset;
	return 0;
}

long vfm_mock_bar0_access(const struct vfm_device *dev, uint64_t off, void *buf,
			  size_t size, bool write)
{
	uint64_t base = 0;
	int ret = bar0_offset(dev, &base);

	if (ret) {
		errno = -ret;
		return -1;
	}
	return write ? pwrite(dev->fd, buf, size, base + off) :
		       pread(dev->fd, buf, size, base + off);
}

static int access_reg(const struct vfm_device *dev, uint32_t reg, uint64_t *val, bool write)
{
	long width = mock_reg_is64(reg) ? 8 : 4;
	uint64_t base = 0;
	int ret = bar0_offset(dev, &base);
	long n;

	if (ret) {
		vfm_err(dev->bdf, "BAR0 region info: %s", strerror(-ret));
		return ret;
	}
	if (!write)
		*val = 0;
	n = write ? pwrite(dev->fd, val, width, base + reg) : pread(dev->fd, val, width, base + reg);
	if (n != width) {
		int err = n < 0 ? errno : EIO;

		vfm_err(dev->bdf, "mock register 0x%03x %s: %s", reg,
			write ? "write" : "read", strerror(err));
		return -err;
	}
	return 0;
}

int vfm_mock_read(const struct vfm_device *dev, uint32_t reg, uint64_t *val)
{
	return access_reg(dev, reg, val, false);
}

int vfm_mock_write(const struct vfm_device *dev, uint32_t reg, uint64_t val)
{
	return access_reg(dev, reg, &val, true);
}

int vfm_mock_workload(const struct vfm_device *dev, uint64_t seed, uint32_t rate)
{
	int ret;

	ret = vfm_mock_write(dev, MOCK_REG_WL_SEED, seed);
	if (!ret)
		ret = vfm_mock_write(dev, MOCK_REG_WL_RATE, rate);
	if (!ret)
		ret = vfm_mock_write(dev, MOCK_REG_WL_CTRL, rate ? MOCK_WL_CTRL_ENABLE : 0);
	return ret;
}

int vfm_mock_p2p(const struct vfm_device *dev, const struct vfm_device *peer, uint32_t rate)
{
	uint64_t id, size;
	int ret;

	ret = vfm_mock_read(peer, MOCK_REG_FABRIC_ID, &id);
	if (!ret)
		ret = vfm_mock_read(peer, MOCK_REG_MEM_SIZE, &size);
	if (ret)
		return ret;
	/* The first quarter of the peer's memory, at most 1 MiB. */
	size = size / 4 < (1 << 20) ? size / 4 : (1 << 20);
	size &= ~(uint64_t)(MOCK_P2P_WRITE_BYTES - 1);
	if (size < MOCK_P2P_WRITE_BYTES)
		return -EINVAL;
	ret = vfm_mock_write(dev, MOCK_REG_P2P_WIN_OFF, 0);
	if (!ret)
		ret = vfm_mock_write(dev, MOCK_REG_P2P_WIN_SIZE, size);
	if (!ret)
		ret = vfm_mock_write(dev, MOCK_REG_P2P_PEER, id);
	if (!ret)
		ret = vfm_mock_write(dev, MOCK_REG_P2P_RATE, rate);
	return ret;
}

/* Read all of @path, at most @len - 1 bytes, NUL-terminated. */
static int read_file(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	err = n < 0 ? errno : 0;
	close(fd);
	buf[got] = '\0';
	return -err;
}

static int write_file(const char *path, const char *val)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	err = n < 0 ? errno : 0;
	close(fd);
	return -err;
}

static void sysfs_path(char *path, size_t len, const char *bdf, const char *attr)
{
	snprintf(path, len, "/sys/bus/pci/devices/%s/mock/%s", bdf, attr);
}

int vfm_mock_sysfs_read(const char *bdf, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	int ret;

	sysfs_path(path, sizeof(path), bdf, attr);
	ret = read_file(path, buf, len);
	buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

int vfm_mock_sysfs_write(const char *bdf, const char *attr, const char *val)
{
	char path[PATH_MAX];

	sysfs_path(path, sizeof(path), bdf, attr);
	return write_file(path, val);
}

static void debugfs_path(char *path, size_t len, const char *bdf, const char *file)
{
	if (bdf)
		snprintf(path, len, VFM_MON_DIR "/%s/%s", bdf, file);
	else
		snprintf(path, len, VFM_MON_DIR "/%s", file);
}

int vfm_mock_debugfs_read(const char *bdf, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];

	debugfs_path(path, sizeof(path), bdf, file);
	return read_file(path, buf, len);
}

int vfm_mock_debugfs_write(const char *bdf, const char *file, const char *val)
{
	char path[PATH_MAX];

	debugfs_path(path, sizeof(path), bdf, file);
	return write_file(path, val);
}
