// SPDX-License-Identifier: GPL-2.0-only
/*
 * A driver for mock-vfio-pci, the reference migration driver of the
 * mock-vfio-pci project: a vfio-pci variant driver that turns the memory
 * BAR0 of any PCI function (QEMU's edu in its test VM) into an emulated
 * register file with a copy engine, so these tests need no DMA hardware.
 *
 * The register file is never offered for mmap(), so it is accessed with
 * pread()/pwrite() on the device fd. The engine copies through the user's
 * IOVA mappings (vfio_dma_rw() in the kernel, type1 containers only: a
 * physical device opened through iommufd has no iommufd_access). It cannot
 * raise an interrupt, so there is no send_msi().
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/sizes.h>

#include <libvfio.h>

#include "mock_vfio_pci.h"

/* The engine has no limits of its own; these keep a test short under TCG. */
#define MOCK_MAX_MEMCPY_SIZE	SZ_1M
#define MOCK_MAX_MEMCPY_COUNT	64

/* A copy of MOCK_MAX_MEMCPY_SIZE * MOCK_MAX_MEMCPY_COUNT takes a few seconds. */
#define MOCK_MEMCPY_TIMEOUT_MS	50000

static u64 mock_read(struct vfio_pci_device *device, u32 reg)
{
	size_t size = mock_reg_is64(reg) ? 8 : 4;
	off_t off = device->bars[0].info.offset + reg;
	u64 val = 0;

	VFIO_ASSERT_EQ(pread(device->fd, &val, size, off), (ssize_t)size,
		       "BAR0 read at 0x%x\n", reg);
	return val;
}

static void mock_write(struct vfio_pci_device *device, u32 reg, u64 val)
{
	size_t size = mock_reg_is64(reg) ? 8 : 4;
	off_t off = device->bars[0].info.offset + reg;

	VFIO_ASSERT_EQ(pwrite(device->fd, &val, size, off), (ssize_t)size,
		       "BAR0 write at 0x%x\n", reg);
}

/* Bound to mock-vfio-pci, not any function with the same IDs. */
static bool mock_driver_bound(struct vfio_pci_device *device)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *name;
	ssize_t len;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", device->bdf);
	len = readlink(path, target, sizeof(target) - 1);
	if (len < 0)
		return false;
	target[len] = '\0';
	name = strrchr(target, '/');
	return name && !strcmp(name + 1, "mock-vfio-pci");
}

static int mock_probe(struct vfio_pci_device *device)
{
	u32 version;

	if (!mock_driver_bound(device))
		return -EINVAL;

	if (mock_read(device, MOCK_REG_ID) != MOCK_ID)
		return -EINVAL;

	/* The copy engine came with register file 1.1. */
	version = mock_read(device, MOCK_REG_VERSION);
	if (version >> 16 != MOCK_REGS_VERSION >> 16 || (version & 0xffff) < 1) {
		dev_err(device, "mock_vfio_pci: no copy engine in register file 0x%x\n",
			version);
		return -EINVAL;
	}

	return 0;
}

static void mock_init(struct vfio_pci_device *device)
{
	struct vfio_pci_driver *driver = &device->driver;

	/* The engine copies only while the device runs. */
	VFIO_ASSERT_EQ(mock_read(device, MOCK_REG_MIG_STATE),
		       VFIO_DEVICE_STATE_RUNNING);

	driver->max_memcpy_size = MOCK_MAX_MEMCPY_SIZE;
	driver->max_memcpy_count = MOCK_MAX_MEMCPY_COUNT;
	driver->msi = 0;
}

static void mock_remove(struct vfio_pci_device *device)
{
}

static void mock_memcpy_start(struct vfio_pci_device *device,
			      iova_t src, iova_t dst, u64 size, u64 count)
{
	VFIO_ASSERT_FALSE(mock_read(device, MOCK_REG_COPY_STATUS) &
			  MOCK_COPY_STATUS_BUSY);

	mock_write(device, MOCK_REG_COPY_SRC, src);
	mock_write(device, MOCK_REG_COPY_DST, dst);
	mock_write(device, MOCK_REG_COPY_SIZE, size);
	mock_write(device, MOCK_REG_COPY_COUNT, count);
	mock_write(device, MOCK_REG_COPY_CTRL, MOCK_COPY_CTRL_START);
}

static int mock_memcpy_wait(struct vfio_pci_device *device)
{
	struct timespec delay = { .tv_nsec = 100 * 1000 };
	struct timespec start, now;
	u32 status;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		status = mock_read(device, MOCK_REG_COPY_STATUS);
		if (!(status & MOCK_COPY_STATUS_BUSY))
			break;

		clock_gettime(CLOCK_MONOTONIC, &now);
		VFIO_ASSERT_LT((now.tv_sec - start.tv_sec) * 1000 +
			       (now.tv_nsec - start.tv_nsec) / 1000000,
			       MOCK_MEMCPY_TIMEOUT_MS, "copy still busy\n");
		nanosleep(&delay, NULL);
	}

	if (status & MOCK_COPY_STATUS_FAULT)
		return -EFAULT;
	if (status & MOCK_COPY_STATUS_STOPPED)
		return -EIO;

	return 0;
}

const struct vfio_pci_driver_ops mock_vfio_pci_ops = {
	.name = "mock_vfio_pci",
	.probe = mock_probe,
	.init = mock_init,
	.remove = mock_remove,
	.memcpy_start = mock_memcpy_start,
	.memcpy_wait = mock_memcpy_wait,
};
