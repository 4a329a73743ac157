/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Common helpers of the migration selftests.  The device under test is chosen
 * by PCI address as the upstream VFIO selftests do: trailing arguments of the
 * form DDDD:BB:SS.F, else $VFIO_SELFTESTS_BDF.
 */
#ifndef MIG_SELFTEST_H
#define MIG_SELFTEST_H

#include "vfiomig.h"

/* The BDF to test; strips it from argv.  Exits KSFT_SKIP when none is given. */
const char *selftest_get_bdf(int *argc, char *argv[]);

/* The device under test, set by selftest_get_bdf(). */
extern const char *selftest_bdf;

#endif /* MIG_SELFTEST_H */
