// SPDX-License-Identifier: GPL-2.0-only
/*
 * Walk every edge of the lock cycle a variant driver creates when its
 * reset_done waits for its state mutex, so that lockdep (debug kernel) can
 * see the cycle in one run even though nothing deadlocks:
 *
 *   mmap_lock -> memory_lock    fault on an mmap of a vfio-pci BAR (a device
 *                               bound to plain vfio-pci: ours never maps BAR0)
 *   migf lock -> mmap_lock      read() of the data_fd (copy_to_user may fault)
 *   state_mutex -> migf lock    STOP_COPY -> STOP ends the save session
 *   memory_lock -> state_mutex  VFIO_DEVICE_RESET, if reset_done takes the
 *                               state mutex the naive way
 *
 *   reset_lock_order MOCK_BDF VFIO_PCI_BDF
 *
 * TAP on stdout.  The program only drives the kernel; the verdict on lock
 * order is the kernel log's (vm-images/guest-lockdep, scripts/check).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfiomig/device.h"

static int n;

static void result(int ok, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++n, what);
}

/* Map the first page of BAR0 and read it: the fault takes memory_lock. */
static int touch_bar0(const struct vfm_device *dev)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	volatile uint32_t *bar;
	long page = sysconf(_SC_PAGESIZE);
	uint32_t id;

	if (ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, &info)) {
		printf("# VFIO_DEVICE_GET_REGION_INFO: %s\n", strerror(errno));
		return -1;
	}
	if (!(info.flags & VFIO_REGION_INFO_FLAG_MMAP) || info.size < (uint64_t)page) {
		printf("# BAR0 cannot be mapped (flags %#x, size %llu)\n",
		       info.flags, (unsigned long long)info.size);
		return -1;
	}
	bar = mmap(NULL, page, PROT_READ, MAP_SHARED, dev->fd, info.offset);
	if (bar == MAP_FAILED) {
		printf("# mmap of BAR0: %s\n", strerror(errno));
		return -1;
	}
	id = bar[0];
	printf("# BAR0[0] = %#x\n", id);
	munmap((void *)bar, page);
	return 0;
}

/* RUNNING -> STOP -> STOP_COPY, read the whole stream, back to STOP. */
static int save_and_stop(const struct vfm_device *dev)
{
	void *buf = NULL;
	size_t len = 0;
	int fd, ret;

	ret = vfm_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL);
	if (!ret)
		ret = vfm_set_state(dev, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (ret) {
		printf("# entering STOP_COPY: %s\n", strerror(-ret));
		return -1;
	}
	ret = vfm_read_all(fd, &buf, &len);
	free(buf);
	if (ret)
		printf("# read of the data_fd: %s\n", strerror(-ret));
	if (vfm_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL)) {
		printf("# STOP_COPY -> STOP failed\n");
		ret = -1;
	}
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	struct vfm_device mock, plain;

	if (argc != 3) {
		fprintf(stderr, "usage: reset_lock_order MOCK_BDF VFIO_PCI_BDF\n");
		return 2;
	}
	printf("TAP version 13\n1..4\n");
	if (vfm_device_open(argv[2], &plain) || vfm_device_open(argv[1], &mock)) {
		printf("Bail out! cannot open the devices\n");
		return 1;
	}
	result(!touch_bar0(&plain), "fault on an mmap of a vfio-pci BAR0");
	result(!save_and_stop(&mock), "read a data_fd, then end the save session");
	result(!vfm_reset(&mock), "VFIO_DEVICE_RESET");
	result(!save_and_stop(&mock), "a second save session after the reset");
	vfm_device_close(&mock);
	vfm_device_close(&plain);
	return 0;
}
