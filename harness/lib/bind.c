// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Binding a PCI function to a driver through driver_override, the way the
 * upstream VFIO selftests' setup script does, and undoing it.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vfiomig.h"
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

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/driver", bdf);
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

static int unbind_current(const char *bdf)
{
	char drv[NAME_MAX + 1], path[PATH_MAX];
	int ret;

	ret = vfm_current_driver(bdf, drv, sizeof(drv));
	if (ret || !drv[0])
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
	return write_sysfs(bdf, path, bdf);
}

int vfm_bind(const char *bdf_in, const char *driver)
{
	char bdf[32], drv[NAME_MAX + 1], path[PATH_MAX];
	int ret;

	if (vfm_parse_bdf(bdf_in, bdf, sizeof(bdf))) {
		vfm_err(bdf_in, "not a PCI address (expected DDDD:BB:SS.F)");
		return -EINVAL;
	}
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
		vfm_err(bdf, "probing did not bind it to %s (see dmesg)", driver);
		return -ENODEV;
	}
	return 0;
}

int vfm_unbind(const char *bdf_in)
{
	char bdf[32], path[PATH_MAX];
	int ret;

	if (vfm_parse_bdf(bdf_in, bdf, sizeof(bdf))) {
		vfm_err(bdf_in, "not a PCI address (expected DDDD:BB:SS.F)");
		return -EINVAL;
	}
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
