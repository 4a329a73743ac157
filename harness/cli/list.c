// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-migrate list: each device with its driver, IOMMU group and migration
 * features.
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfiomig.h"
#include "cli.h"

static const char *driver_of(const char *bdf, char *buf, size_t len)
{
	if (vfm_current_driver(bdf, buf, len) || !buf[0])
		return "(none)";
	return buf;
}

int cmd_list(int argc, char **argv)
{
	char drv[PATH_MAX];
	int i, ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: vfio-migrate list DEVICE...\n"
			"  DEVICE: " VFM_DEVICE_NAME_HELP "\n");
		return 2;
	}
	printf("%-14s %-16s %-6s %s\n", "DEVICE", "DRIVER", "GROUP", "MIGRATION");
	for (i = 1; i < argc; i++) {
		struct vfm_device dev;
		uint64_t flags;

		if (vfm_device_open(argv[i], &dev)) {
			ret = 1;
			continue;
		}
		printf("%-14s %-16s %-6d ", dev.bdf, driver_of(dev.bdf, drv, sizeof(drv)),
		       dev.group_id);
		if (vfm_migration_flags(&dev, &flags))
			printf("not supported\n");
		else
			printf("STOP_COPY%s%s\n",
			       flags & VFIO_MIGRATION_P2P ? " P2P" : "",
			       flags & VFIO_MIGRATION_PRE_COPY ? " PRE_COPY" : "");
		vfm_device_close(&dev);
	}
	return ret;
}
