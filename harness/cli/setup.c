// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-migrate setup / unbind: load mock-vfio-pci and bind devices to it,
 * and give them back.
 */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vfiomig.h"
#include "mock_vfio_pci.h"
#include "cli.h"

/* build/bin/vfio-migrate -> driver/mock-vfio-pci.ko in the same tree. */
static void default_module_path(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0) {
		snprintf(out, len, "driver/mock-vfio-pci.ko");
		return;
	}
	exe[n] = '\0';
	snprintf(out, len, "%s/../../driver/mock-vfio-pci.ko", dirname(exe));
}

int cmd_setup(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "params", required_argument, NULL, 'p' },
		{ "driver", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *driver = MOCK_VFIO_PCI_DRIVER_NAME, *params = "";
	char module[PATH_MAX] = "", name[VFM_NAME_LEN];
	bool only_mdevs = true, chose = false;
	int c, i, ret;

	while ((c = getopt_long(argc, argv, "m:p:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			snprintf(module, sizeof(module), "%s", optarg);
			chose = true;
			break;
		case 'p':
			params = optarg;
			break;
		case 'd':
			driver = optarg;
			chose = true;
			break;
		default:
			fprintf(stderr,
				"usage: vfio-migrate setup [--module KO] [--params \"P=V ...\"] [--driver NAME] DEVICE...\n"
				"  Loads vfio-pci-core and mock-vfio-pci, or the module NAME (with\n"
				"  libkmod), and binds each PCI DEVICE to NAME (default %s) through\n"
				"  driver_override.  A mediated device (mdev) is bound by its parent's\n"
				"  driver when it is created: setup checks that it is a VFIO device, and\n"
				"  loads nothing unless asked to.\n"
				"  DEVICE: " VFM_DEVICE_NAME_HELP "\n",
				MOCK_VFIO_PCI_DRIVER_NAME);
			return c == 'h' ? 0 : 2;
		}
	}
	for (i = optind; i < argc; i++)
		if (vfm_parse_device(argv[i], name, sizeof(name)) || !vfm_is_mdev(name))
			only_mdevs = false;
	if (optind >= argc)
		only_mdevs = false;
	if (only_mdevs && !chose) {
		for (i = optind; i < argc; i++)
			if (vfm_bind(argv[i], driver))
				return 1;
		return 0;
	}
	if (!module[0])
		default_module_path(module, sizeof(module));

	ret = vfm_load_modules(strcmp(driver, MOCK_VFIO_PCI_DRIVER_NAME) ? NULL : module,
			       params);
	/*
	 * Another driver by its module name (vfio-pci, a variant driver
	 * installed in /lib/modules): a no-op when it is loaded already, also
	 * from a path with insmod.
	 */
	if (!ret && strcmp(driver, MOCK_VFIO_PCI_DRIVER_NAME))
		ret = vfm_load_module_by_name(driver);
	if (ret)
		return 1;
	for (i = optind; i < argc; i++)
		if (vfm_bind(argv[i], driver))
			return 1;
	return 0;
}

int cmd_unbind(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: vfio-migrate unbind DEVICE...\n");
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (vfm_unbind(argv[i]))
			return 1;
	return 0;
}

int cmd_unload(int argc, char **argv __attribute__((unused)))
{
	if (argc != 1) {
		fprintf(stderr, "usage: vfio-migrate unload\n");
		return 2;
	}
	return vfm_unload_module("mock_vfio_pci") ? 1 : 0;
}
