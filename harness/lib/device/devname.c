// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Naming a device: the one place that turns what a user typed into the
 * name VFIO knows the device by, for every tool and test.  A device is a
 * PCI function (DDDD:BB:SS.F, or BB:SS.F for domain 0) or a mediated device
 * (mdev: its UUID), either also by its sysfs directory
 * (/sys/bus/pci/devices/BDF, /sys/bus/mdev/devices/UUID, or the
 * /sys/devices/... path these link to).  The canonical name is the PCI
 * address or the lower-case UUID: the name VFIO_GROUP_GET_DEVICE_FD takes,
 * and the directory name under /sys/bus/BUS/devices.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfiomig/device.h"

/* 8-4-4-4-12 hex digits, as mdev_device_create() names its devices. */
static int parse_uuid(const char *in, char *out, size_t outlen)
{
	size_t i;

	if (strlen(in) != 36)
		return -EINVAL;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (in[i] != '-')
				return -EINVAL;
		} else if (!isxdigit((unsigned char)in[i])) {
			return -EINVAL;
		}
	}
	if (outlen < 37)
		return -EINVAL;
	for (i = 0; i <= 36; i++)
		out[i] = tolower((unsigned char)in[i]);
	return 0;
}

bool vfm_is_mdev(const char *name)
{
	char tmp[VFM_NAME_LEN];

	return !parse_uuid(name, tmp, sizeof(tmp));
}

int vfm_sysfs_path(const char *name, const char *sub, char *buf, size_t len)
{
	int n = snprintf(buf, len, "/sys/bus/%s/devices/%s%s%s", vfm_is_mdev(name) ? "mdev" : "pci",
			 name, sub && *sub ? "/" : "", sub ? sub : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* A sysfs path: the device directory it resolves to, if a PCI or mdev one. */
static int parse_path(const char *in, char *out, size_t outlen)
{
	char real[PATH_MAX], bus[PATH_MAX], busreal[PATH_MAX], name[VFM_NAME_LEN], *base;

	if (!realpath(in, real))
		return -EINVAL;
	base = strrchr(real, '/');
	if (!base || (vfm_parse_bdf(base + 1, name, sizeof(name)) &&
		      parse_uuid(base + 1, name, sizeof(name))))
		return -EINVAL;
	/* The same device as the bus lists under that name, not a look-alike. */
	if (vfm_sysfs_path(name, NULL, bus, sizeof(bus)) || !realpath(bus, busreal) ||
	    strcmp(busreal, real))
		return -EINVAL;
	snprintf(out, outlen, "%s", name);
	return 0;
}

int vfm_parse_device(const char *in, char *out, size_t outlen)
{
	if (!vfm_parse_bdf(in, out, outlen) || !parse_uuid(in, out, outlen))
		return 0;
	if (*in == '/' || !strncmp(in, "./", 2) || !strncmp(in, "../", 3))
		return parse_path(in, out, outlen);
	return -EINVAL;
}
