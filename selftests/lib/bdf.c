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

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	if (access(path, F_OK)) {
		ksft_print_header();
		ksft_exit_fail_msg("%s %s: no such PCI device (no %s)\n", what, bdf, path);
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev/vfio*", bdf);
	bound = !glob(path, 0, NULL, &g);
	globfree(&g);
	if (!bound) {
		ksft_print_header();
		ksft_exit_fail_msg("%s %s: not bound to a VFIO driver\n", what, bdf);
	}
}

const char *selftest_get_bdf(int *argc, char *argv[])
{
	static char bdf[32];
	const char *env, *last = *argc > 1 ? argv[*argc - 1] : "";

	if (getenv("MIG_LIST_RULES"))
		list_rules();
	if (*argc > 1 && !vfm_parse_bdf(last, bdf, sizeof(bdf))) {
		(*argc)--;
		argv[*argc] = NULL;
		check_device("device", bdf);
		check_iommu_mode(bdf);
		return selftest_bdf = bdf;
	}
	/* Meant as an address (kselftest options have no ':'): a typo, not "no device". */
	if (*last != '-' && strchr(last, ':')) {
		ksft_print_header();
		ksft_exit_fail_msg("device %s: not a PCI address (expected DDDD:BB:DD.F)\n", last);
	}
	env = getenv("VFIO_SELFTESTS_BDF");
	if (env && vfm_parse_bdf(env, bdf, sizeof(bdf))) {
		ksft_print_header();
		ksft_exit_fail_msg("VFIO_SELFTESTS_BDF=%s: not a PCI address (expected DDDD:BB:DD.F)\n",
				   env);
	}
	if (env) {
		check_device("VFIO_SELFTESTS_BDF", bdf);
		check_iommu_mode(bdf);
		return selftest_bdf = bdf;
	}

	fprintf(stderr, "usage: %s [kselftest options] BDF (or set VFIO_SELFTESTS_BDF)\n",
		argv[0]);
	ksft_print_header();
	ksft_exit_skip("no device to test: give a PCI address or set VFIO_SELFTESTS_BDF\n");
	return NULL;
}
