// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Binding a PCI function to a driver through driver_override, the way the
 * upstream VFIO selftests' setup script does, and undoing it.  A mediated
 * device has no driver_override: its parent's mdev driver binds it when it
 * is created, so for an mdev binding checks that, and unbinding is a no-op.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vfiomig/device.h"
#include "log.h"

static int write_sysfs(const char *bdf, const char *path, const char *val)
{
	ssize_t len = strlen(val);
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		vfm_err(bdf, "open %s: %s", path, strerror(errno));
		return ret;
	}
	if (write(fd, val, len) != len) {
		ret = -errno;
		vfm_err(bdf, "writing \"%s\" to %s: %s", val, path, strerror(errno));
	}
	close(fd);
	return ret;
}

/* The name of the driver @bdf is bound to, or "" when it has none. */
int vfm_current_driver(const char *bdf, char *name, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	vfm_sysfs_path(bdf, "driver", link, sizeof(link));
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		if (errno != ENOENT)
			return -errno;
		name[0] = '\0';
		return 0;
	}
	target[n] = '\0';
	snprintf(name, len, "%s", basename(target));
	return 0;
}

void vfm_describe_driver(const char *bdf, char *out, size_t len)
{
	char drv[NAME_MAX + 1];
	int ret = vfm_current_driver(bdf, drv, sizeof(drv));

	if (ret)
		snprintf(out, len, "its driver cannot be read: %s", strerror(-ret));
	else if (drv[0])
		snprintf(out, len, "it is bound to %s", drv);
	else
		snprintf(out, len, "it has no driver");
}

void vfm_err_unbound(const char *bdf, const char *what)
{
	char now[NAME_MAX + 32];

	vfm_describe_driver(bdf, now, sizeof(now));
	vfm_err(bdf, "%s: the device is not bound to a VFIO driver (%s); bind it with \"vfio-migrate setup %s\" (a mock device) or \"vfio-migrate setup --driver NAME %s\" (vfio-pci, a variant driver)",
		what, now, bdf, bdf);
}

static int unbind_current(const char *bdf)
{
	char drv[NAME_MAX + 1], path[PATH_MAX];
	int ret;

	ret = vfm_current_driver(bdf, drv, sizeof(drv));
	if (ret || !drv[0])
		return ret;
	vfm_sysfs_path(bdf, "driver/unbind", path, sizeof(path));
	return write_sysfs(bdf, path, bdf);
}

/* An mdev is bound by its parent's mdev driver: check it is, to a VFIO one. */
static int mdev_check_bound(const char *name)
{
	char drv[NAME_MAX + 1], path[PATH_MAX];
	int ret;

	vfm_sysfs_path(name, NULL, path, sizeof(path));
	if (access(path, F_OK)) {
		vfm_err(name, "no such mediated device (no %s)", path);
		return -ENODEV;
	}
	ret = vfm_current_driver(name, drv, sizeof(drv));
	if (ret)
		return ret;
	vfm_sysfs_path(name, "vfio-dev", path, sizeof(path));
	if (!drv[0] || access(path, F_OK)) {
		vfm_err(name, "the mediated device is not bound to a VFIO mdev driver (%s%s); an mdev is bound by its parent's driver when it is created",
			drv[0] ? "its driver: " : "no driver", drv);
		return -ENODEV;
	}
	return 0;
}

int vfm_bind(const char *bdf_in, const char *driver)
{
	char bdf[VFM_NAME_LEN], drv[NAME_MAX + 1], path[PATH_MAX];
	int ret;

	if (vfm_parse_device(bdf_in, bdf, sizeof(bdf))) {
		vfm_err(bdf_in, "not a device name (expected " VFM_DEVICE_NAME_HELP ")");
		return -EINVAL;
	}
	if (vfm_is_mdev(bdf))
		return mdev_check_bound(bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	if (access(path, F_OK)) {
		vfm_err(bdf, "no such PCI device");
		return -ENODEV;
	}
	ret = vfm_current_driver(bdf, drv, sizeof(drv));
	if (ret)
		return ret;
	if (!strcmp(drv, driver))
		return 0;

	/* Not silently: it may be a device the host was using. */
	if (drv[0])
		vfm_note(bdf, "unbinding it from %s", drv);
	ret = unbind_current(bdf);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	ret = write_sysfs(bdf, path, driver);
	if (ret)
		return ret;
	ret = write_sysfs(bdf, "/sys/bus/pci/drivers_probe", bdf);
	if (ret)
		return ret;

	ret = vfm_current_driver(bdf, drv, sizeof(drv));
	if (ret)
		return ret;
	if (strcmp(drv, driver)) {
		char now[NAME_MAX + 32];

		vfm_describe_driver(bdf, now, sizeof(now));
		vfm_err(bdf, "probing did not bind it to %s (%s): is %s loaded, and does it drive this device's vendor and device ID? (see dmesg)",
			driver, now, driver);
		return -ENODEV;
	}
	return 0;
}

int vfm_unbind(const char *bdf_in)
{
	char bdf[VFM_NAME_LEN], path[PATH_MAX];
	int ret;

	if (vfm_parse_device(bdf_in, bdf, sizeof(bdf))) {
		vfm_err(bdf_in, "not a device name (expected " VFM_DEVICE_NAME_HELP ")");
		return -EINVAL;
	}
	if (vfm_is_mdev(bdf))
		return 0;	/* it stays with its parent's driver */
	ret = unbind_current(bdf);
	if (ret)
		return ret;
	/* Clear the override and let the default driver, if any, take it back. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	ret = write_sysfs(bdf, path, "\n");
	if (ret)
		return ret;
	return write_sysfs(bdf, "/sys/bus/pci/drivers_probe", bdf);
}
