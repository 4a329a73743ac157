// SPDX-License-Identifier: GPL-2.0-only
/*
 * Preparing the device under test and driving it between migration states.
 *
 * Setting up a test must not depend on what the test checks: these helpers
 * reach a state one single arc at a time along the path of the test's own
 * model of the uAPI (vfm_fsm_path()), so they need only the arcs every driver
 * must implement, and the combination transitions are left to the tests.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "selftest.h"
#include "rules.h"

#define msg(dev, fmt, ...) \
	fprintf(stderr, "# %s: " fmt "\n", (dev)->bdf, ##__VA_ARGS__)

int selftest_prepare(const char *bdf, struct vfm_device *dev, uint64_t *flags,
		     char *why, size_t whylen)
{
	uint32_t devflags;
	int ret;

	ret = vfm_device_open(bdf, dev);
	/* iommufd mode on a kernel without iommufd or the VFIO cdev. */
	if (ret == -EOPNOTSUPP && vfm_iommufd_available(bdf, why, whylen) == -EOPNOTSUPP)
		return 1;
	if (ret) {
		snprintf(why, whylen, "cannot open %s: %s", bdf, strerror(-ret));
		return ret;
	}
	ret = vfm_migration_flags(dev, flags);
	if (ret == -ENOTTY) {
		snprintf(why, whylen, "%s does not support migration (VFIO_DEVICE_FEATURE_MIGRATION: ENOTTY)",
			 bdf);
		goto skip;
	}
	if (ret) {
		snprintf(why, whylen, "VFIO_DEVICE_FEATURE_MIGRATION: %s", strerror(-ret));
		goto fail;
	}
	/* The model knows only the four combinations the uAPI defines. */
	if (!mig_flags_legal(*flags)) {
		snprintf(why, whylen, "migration flags 0x%llx are not a combination the uAPI defines",
			 (unsigned long long)*flags);
		ret = -EPROTO;
		goto fail;
	}
	ret = vfm_device_flags(dev, &devflags);
	if (ret) {
		snprintf(why, whylen, "VFIO_DEVICE_GET_INFO: %s", strerror(-ret));
		goto fail;
	}
	/*
	 * uAPI: only VFIO_DEVICE_RESET returns a device to RUNNING from
	 * anywhere.  A device that does not advertise it, yet resets when
	 * asked, hides from VMMs the way they recover (mtty on 6.12): that is
	 * its own rule's failure, and the tests still run on it.  Only a
	 * device that cannot be reset at all is skipped.
	 */
	if (!(devflags & VFIO_DEVICE_FLAGS_RESET)) {
		bool resets = !vfm_reset(dev);

		mig_rule_result("reset.advertised", !resets, __FILE__, __LINE__,
				"%s resets, but VFIO_DEVICE_GET_INFO has no VFIO_DEVICE_FLAGS_RESET",
				bdf);
		if (!resets) {
			snprintf(why, whylen, "%s has no VFIO_DEVICE_FLAGS_RESET and VFIO_DEVICE_RESET fails: tests cannot return it to RUNNING",
				 bdf);
			goto skip;
		}
	} else {
		mig_rule_result("reset.advertised", true, __FILE__, __LINE__, "%s", bdf);
	}
	ret = selftest_reset(dev);
	if (ret) {
		snprintf(why, whylen, "VFIO_DEVICE_RESET did not bring %s to RUNNING", bdf);
		goto fail;
	}
	return 0;

skip:
	vfm_device_close(dev);
	return 1;
fail:
	vfm_device_close(dev);
	return ret;
}

int selftest_reset(const struct vfm_device *dev)
{
	uint32_t state;
	int ret;

	ret = vfm_reset(dev);
	if (ret)
		return ret;
	ret = vfm_get_state(dev, &state);
	if (ret)
		return ret;
	/* uAPI: "VFIO_DEVICE_RESET ... return the device_state back to RUNNING" */
	mig_rule_result("reset.running", state == VFIO_DEVICE_STATE_RUNNING, __FILE__,
			__LINE__, "after VFIO_DEVICE_RESET the state is %s", vfm_state_name(state));
	if (state != VFIO_DEVICE_STATE_RUNNING) {
		msg(dev, "after VFIO_DEVICE_RESET the state is %s, not RUNNING",
		    vfm_state_name(state));
		return -EPROTO;
	}
	return 0;
}

int selftest_drive(const struct vfm_device *dev, uint64_t flags, uint32_t state,
		   int *data_fd)
{
	uint32_t cur, path[VFIO_DEVICE_STATE_NR];
	int fd = -1, i, n, ret;

	if (data_fd)
		*data_fd = -1;
	ret = vfm_get_state(dev, &cur);
	if (ret)
		return ret;
	n = vfm_fsm_path(flags, cur, state, path, VFIO_DEVICE_STATE_NR);
	if (n < 0) {
		msg(dev, "the uAPI has no way from %s to %s with migration flags 0x%llx",
		    vfm_state_name(cur), vfm_state_name(state), (unsigned long long)flags);
		return n;
	}
	for (i = 0; i < n; i++) {
		int new_fd;

		ret = vfm_set_state(dev, path[i], &new_fd);
		if (ret) {
			msg(dev, "single arc %s -> %s failed: %s",
			    vfm_state_name(i ? path[i - 1] : cur), vfm_state_name(path[i]),
			    strerror(-ret));
			if (fd >= 0)
				close(fd);
			return ret;
		}
		if (new_fd >= 0) {
			if (fd >= 0)
				close(fd);
			fd = new_fd;
		}
	}
	if (data_fd)
		*data_fd = fd;
	else if (fd >= 0)
		close(fd);
	return 0;
}

int selftest_save(const struct vfm_device *dev, uint64_t flags, void **buf, size_t *len)
{
	int fd, ret;

	*buf = NULL;
	*len = 0;
	ret = selftest_drive(dev, flags, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (ret)
		return ret;
	if (fd < 0) {
		msg(dev, "entering STOP_COPY returned no data_fd");
		return -EPROTO;
	}
	ret = vfm_read_all(fd, buf, len);
	if (ret) {
		msg(dev, "reading the STOP_COPY stream failed after %zu bytes: %s",
		    *len, strerror(-ret));
		goto out;
	}
	ret = selftest_drive(dev, flags, VFIO_DEVICE_STATE_STOP, NULL);
out:
	close(fd);
	if (ret) {
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	return ret;
}

int selftest_resume(const struct vfm_device *dev, uint64_t flags, const void *buf,
		    size_t len, size_t chunk, int *data_fd)
{
	int fd, ret;

	*data_fd = -1;
	ret = selftest_drive(dev, flags, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (ret)
		return ret;
	if (fd < 0) {
		msg(dev, "entering RESUMING returned no data_fd");
		return -EPROTO;
	}
	ret = vfm_write_all(fd, buf, len, chunk);
	if (ret) {
		msg(dev, "writing the %zu byte stream in %zu byte pieces failed: %s",
		    len, chunk, strerror(-ret));
		close(fd);
		return ret;
	}
	*data_fd = fd;
	return 0;
}

bool selftest_driver_is(const char *bdf, const char *driver)
{
	char name[NAME_MAX + 1];

	return !vfm_current_driver(bdf, name, sizeof(name)) && !strcmp(name, driver);
}
