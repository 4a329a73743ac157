// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "kselftest.h"
#include "rules.h"
#include "selftest.h"

/* MIG_LIST_RULES=1: print the rule table (for run-conformance) and exit. */
static void list_rules(void)
{
	const struct mig_rule *r;

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

const char *selftest_get_bdf(int *argc, char *argv[])
{
	static char bdf[32];
	const char *env;

	if (getenv("MIG_LIST_RULES"))
		list_rules();
	if (*argc > 1 && !vfm_parse_bdf(argv[*argc - 1], bdf, sizeof(bdf))) {
		(*argc)--;
		argv[*argc] = NULL;
		check_iommu_mode(bdf);
		return selftest_bdf = bdf;
	}
	env = getenv("VFIO_SELFTESTS_BDF");
	if (env && !vfm_parse_bdf(env, bdf, sizeof(bdf))) {
		check_iommu_mode(bdf);
		return selftest_bdf = bdf;
	}

	fprintf(stderr, "usage: %s [kselftest options] BDF (or set VFIO_SELFTESTS_BDF)\n",
		argv[0]);
	ksft_print_header();
	ksft_exit_skip("no device to test: give a PCI address or set VFIO_SELFTESTS_BDF\n");
	return NULL;
}
