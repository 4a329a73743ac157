// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mock-vfio-pci BAR0 registers through the device fd (vfiomig/mock.h).
 */
#include <errno.h>
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

static int access_reg(const struct vfm_device *dev, uint32_t reg, uint64_t *val, bool write)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	int width = mock_reg_is64(reg) ? 8 : 4;
	ssize_t n;

	if (ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, &info)) {
		int err = errno;

		vfm_err(dev->bdf, "BAR0 region info: %s", strerror(err));
		return -err;
	}
	if (!write)
		*val = 0;
	n = write ? pwrite(dev->fd, val, width, info.offset + reg) :
		    pread(dev->fd, val, width, info.offset + reg);
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
