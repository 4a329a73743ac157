// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "rules.h"
#include "selftest.h"

/* MIG_LIST_RULES=1: print the rule table (for run-conformance) and exit. */
static void list_rules(void)
{
	const struct suite_rule *r;

	for (r = mig_rules; r->id; r++)
		printf("%s\t%s\t%s\t%s\n", r->id, r->must ? "MUST" : "SHOULD", r->text,
		       r->source);
	exit(0);
}

const char *selftest_bdf;

/*
 * $VFIOMIG_IOMMU=iommufd on a kernel without iommufd or the VFIO cdev (such
 * as Debian's 6.12): the whole program skips, saying why.
 */
static void check_iommu_mode(const char *bdf)
{
	char why[192];
	int mode = vfm_iommu_mode_env();

	if (mode < 0) {
		ksft_print_header();
		ksft_exit_fail_msg("$VFIOMIG_IOMMU names no IOMMU mode (group or iommufd)\n");
	}
	if (mode == VFM_IOMMU_IOMMUFD &&
	    vfm_iommufd_available(bdf, why, sizeof(why)) == -EOPNOTSUPP) {
		ksft_print_header();
		ksft_exit_skip("VFIOMIG_IOMMU=iommufd: %s\n", why);
	}
}

/*
 * The device must exist and have a VFIO driver: otherwise every test would
 * fail on opening it, each with a bare "not ok" (no false verdict either way).
 */
static void check_device(const char *what, const char *bdf)
{
	char path[128];
	glob_t g;
	int bound;

	vfm_sysfs_path(bdf, NULL, path, sizeof(path));
	if (access(path, F_OK)) {
		ksft_print_header();
		ksft_exit_fail_msg("%s %s: no such %s (no %s)\n", what, bdf,
				   vfm_is_mdev(bdf) ? "mediated device" : "PCI device", path);
	}
	vfm_sysfs_path(bdf, "vfio-dev/vfio*", path, sizeof(path));
	bound = !glob(path, 0, NULL, &g);
	globfree(&g);
	if (!bound) {
		ksft_print_header();
		ksft_exit_fail_msg("%s %s: not bound to a VFIO driver\n", what, bdf);
	}
}

/*
 * MIG_RESOLVE_DEVICE=1 TEST NAME: print NAME's canonical name and sysfs
 * directory and exit 0, or say why it names no device and exit 2.  The
 * suite's scripts (run-conformance) name devices through this, so that one
 * layer (vfm_parse_device()) decides what a device name is.
 */
static void resolve_device(int argc, char *argv[])
{
	char name[VFM_NAME_LEN], path[128];

	if (argc == 2 && argv[1][0] == '/' && access(argv[1], F_OK)) {
		fprintf(stderr, "%s: no such device (no such file)\n", argv[1]);
		exit(2);
	}
	if (argc != 2 || vfm_parse_device(argv[1], name, sizeof(name))) {
		fprintf(stderr, "%s: not a device name (expected " VFM_DEVICE_NAME_HELP ")\n",
			argc == 2 ? argv[1] : "(none)");
		exit(2);
	}
	vfm_sysfs_path(name, NULL, path, sizeof(path));
	if (access(path, F_OK)) {
		fprintf(stderr, "%s: no such %s (no %s)\n", argv[1],
			vfm_is_mdev(name) ? "mediated device" : "PCI device", path);
		exit(2);
	}
	printf("%s\t%s\n", name, path);
	exit(0);
}

/*
 * MIG_PROBE_DEVICE=1 TEST DEVICE: open the device, GET its migration state,
 * close it; exit 0 if all returned (whatever they returned), 1 if the open
 * failed.  run-conformance asks this, under a deadline, after a test hung or
 * the kernel oopsed: a device whose GET no longer returns (a lock an oops
 * left held) is not tested further.
 */
static void probe_device(const char *name)
{
	struct vfm_device dev;
	uint32_t state;
	int ret;

	if (vfm_device_open(name, &dev))
		exit(1);
	ret = vfm_get_state(&dev, &state);
	printf("%s: GET %s\n", name, ret ? strerror(-ret) : vfm_state_name(state));
	vfm_device_close(&dev);
	exit(0);
}

/* Meant as a device name (kselftest options have no ':' or '/'), not an option. */
static bool looks_like_device(const char *arg)
{
	return *arg != '-' && (strchr(arg, ':') || strchr(arg, '/') || strlen(arg) == 36);
}

const char *selftest_get_bdf(int *argc, char *argv[])
{
	static char bdf[VFM_NAME_LEN];
	const char *env, *last = *argc > 1 ? argv[*argc - 1] : "";

	if (getenv("MIG_LIST_RULES"))
		list_rules();
	if (getenv("MIG_RESOLVE_DEVICE"))
		resolve_device(*argc, argv);
	if (*argc > 1 && !vfm_parse_device(last, bdf, sizeof(bdf))) {
		(*argc)--;
		argv[*argc] = NULL;
		if (getenv("MIG_PROBE_DEVICE"))
			probe_device(bdf);
		check_device("device", bdf);
		check_iommu_mode(bdf);
		return selftest_bdf = bdf;
	}
	/* Meant as a device: a typo, not "no device". */
	if (*argc > 1 && looks_like_device(last)) {
		ksft_print_header();
		ksft_exit_fail_msg("device %s: not a device name (expected " VFM_DEVICE_NAME_HELP ")\n",
				   last);
	}
	env = getenv("VFIO_SELFTESTS_BDF");
	if (env && vfm_parse_device(env, bdf, sizeof(bdf))) {
		ksft_print_header();
		ksft_exit_fail_msg("VFIO_SELFTESTS_BDF=%s: not a device name (expected " VFM_DEVICE_NAME_HELP ")\n",
				   env);
	}
	if (env) {
		check_device("VFIO_SELFTESTS_BDF", bdf);
		check_iommu_mode(bdf);
		return selftest_bdf = bdf;
	}

	fprintf(stderr, "usage: %s [kselftest options] DEVICE (or set VFIO_SELFTESTS_BDF)\n"
		"  DEVICE: " VFM_DEVICE_NAME_HELP "\n", argv[0]);
	ksft_print_header();
	ksft_exit_skip("no device to test: give a PCI address or mdev UUID, or set VFIO_SELFTESTS_BDF\n");
	return NULL;
}
