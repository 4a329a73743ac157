// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The migration state of a device and its data transfer sessions: GET/SET of
 * VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, MIG_DATA_SIZE, VFIO_MIG_GET_PRECOPY_INFO,
 * VFIO_DEVICE_RESET, and moving a stream through a data_fd.
 *
 * Requests that may fail on purpose (SET, PRECOPY_INFO, read/write of a
 * data_fd) are quiet: conformance tests provoke those errors and judge them
 * themselves.  The rest must work on any migratable device and say why not.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfiomig/device.h"
#include "mock_vfio_rules.h"
#include "log.h"

/* read() size of vfm_read_all(): large enough that syscalls do not dominate. */
#define READ_CHUNK	(1024 * 1024)

struct mig_state_feature {
	struct vfio_device_feature hdr;
	struct vfio_device_feature_mig_state mig;
};

int vfm_get_state(const struct vfm_device *dev, uint32_t *state)
{
	struct mig_state_feature feat = {
		.hdr.argsz = sizeof(feat),
		.hdr.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
	};

	if (ioctl(dev->fd, VFIO_DEVICE_FEATURE, &feat)) {
		int err = errno;

		vfm_err(dev->bdf, "getting the migration state: %s", strerror(err));
		return -err;
	}
	*state = feat.mig.device_state;
	return 0;
}

int vfm_set_state(const struct vfm_device *dev, uint32_t state, int *data_fd)
{
	struct mig_state_feature feat = {
		.hdr.argsz = sizeof(feat),
		.hdr.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
		.mig.device_state = state,
		.mig.data_fd = -1,
	};

	if (data_fd)
		*data_fd = -1;
	if (ioctl(dev->fd, VFIO_DEVICE_FEATURE, &feat))
		return -errno;
	/* The core writes back -1 unless the request started a session. */
	if (feat.mig.data_fd >= 0) {
		if (data_fd)
			*data_fd = feat.mig.data_fd;
		else
			close(feat.mig.data_fd);
	}
	return 0;
}

int vfm_data_size(const struct vfm_device *dev, uint64_t *bytes)
{
	struct {
		struct vfio_device_feature hdr;
		struct vfio_device_feature_mig_data_size size;
	} feat = {
		.hdr.argsz = sizeof(feat),
		.hdr.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
	};

	if (ioctl(dev->fd, VFIO_DEVICE_FEATURE, &feat))
		return -errno;
	*bytes = feat.size.stop_copy_length;
	return 0;
}

int vfm_precopy_info(int data_fd, struct vfio_precopy_info *info)
{
	info->argsz = sizeof(*info);
	return ioctl(data_fd, VFIO_MIG_GET_PRECOPY_INFO, info) ? -errno : 0;
}

int vfm_reset(const struct vfm_device *dev)
{
	if (ioctl(dev->fd, VFIO_DEVICE_RESET)) {
		int err = errno;

		vfm_err(dev->bdf, "VFIO_DEVICE_RESET: %s", strerror(err));
		return -err;
	}
	return 0;
}

/* The names the driver's event log and QEMU's traces use too. */
const char *vfm_state_name(uint32_t state)
{
	return mig_state_name(state);
}

int vfm_read_all(int data_fd, void **buf, size_t *len)
{
	size_t cap = *len;
	char *p = *buf;

	for (;;) {
		ssize_t n;

		if (cap - *len < READ_CHUNK) {
			size_t want = *len + READ_CHUNK;
			char *q;

			/* Grow geometrically: streams can be large. */
			if (want < 2 * cap)
				want = 2 * cap;
			q = realloc(p, want);
			if (!q)
				return -ENOMEM;
			*buf = p = q;
			cap = want;
		}
		n = read(data_fd, p + *len, READ_CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		*len += n;
	}
}

int vfm_write_all(int data_fd, const void *buf, size_t len, size_t chunk)
{
	const char *p = buf;

	if (!chunk)
		chunk = len;
	while (len) {
		ssize_t n = write(data_fd, p, len < chunk ? len : chunk);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;	/* no progress: would loop forever */
		p += n;
		len -= n;
	}
	return 0;
}
