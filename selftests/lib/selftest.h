/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Common helpers of the migration selftests.  The device under test is chosen
 * by PCI address as the upstream VFIO selftests do: trailing arguments of the
 * form DDDD:BB:SS.F, else $VFIO_SELFTESTS_BDF.
 */
#ifndef MIG_SELFTEST_H
#define MIG_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfiomig/device.h"

/*
 * A migration state as the __u32 the uAPI carries it in (the enum's constants
 * are int), so that EXPECT_EQ() compares like with like.
 */
#define MIG_STATE(name)		((uint32_t)VFIO_DEVICE_STATE_##name)

/*
 * Linux 7.1 uAPI that the 6.12 headers lack (d7140b5dde45, 50ff3f404617): on
 * 6.12 the core hands feature 12 to the driver, which may implement it.
 */
#ifndef VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2
#define VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2	12
#endif
#ifndef VFIO_PRECOPY_INFO_REINIT
#define VFIO_PRECOPY_INFO_REINIT		(1 << 0)
#endif

/*
 * The number in environment variable @name, or @def when it is unset, empty
 * or not a number from @min to @max (then saying so on stderr).
 */
unsigned int selftest_env_uint(const char *name, unsigned int def, unsigned int min,
			       unsigned int max);

/* The BDF to test; strips it from argv.  Exits KSFT_SKIP when none is given. */
const char *selftest_get_bdf(int *argc, char *argv[]);

/* The device under test, set by selftest_get_bdf(). */
extern const char *selftest_bdf;

/*
 * Preparing the device under test and driving it between migration states
 * (drive.c).  Each returns 0 or a negative errno after printing what failed.
 */

/*
 * Open @bdf, read its VFIO_MIGRATION_* flags into *flags and VFIO_DEVICE_RESET
 * it to RUNNING, so that every test starts from the same place.  Returns 1
 * with the reason in @why when the tests cannot run on this device (no
 * migration, no reset), 0 when ready, else a negative errno with @why set.
 */
int selftest_prepare(const char *bdf, struct vfm_device *dev, uint64_t *flags,
		     char *why, size_t whylen);

/*
 * For a kselftest_harness test or FIXTURE_SETUP: selftest_prepare() the
 * device under test, SKIP with the reason when the tests cannot run on it,
 * fail with the reason on an error.
 */
#define SELFTEST_PREPARE(dev, flags) do {					\
	char __why[160];							\
	int __ret = selftest_prepare(selftest_bdf, dev, flags, __why, sizeof(__why)); \
										\
	if (__ret > 0)								\
		SKIP(return, "%s", __why);					\
	ASSERT_EQ(0, __ret) TH_LOG("%s", __why);				\
} while (0)

/* VFIO_DEVICE_RESET, then check that GET reports RUNNING. */
int selftest_reset(const struct vfm_device *dev);

/*
 * Move the device from its current state to @state one single arc per SET,
 * along the uAPI's path (vfm_fsm_path()), so that setting up a test relies on
 * nothing but the arcs a driver must implement.  *data_fd: the session the
 * last arc opened, else -1 (NULL: close it).
 */
int selftest_drive(const struct vfm_device *dev, uint64_t flags, uint32_t state,
		   int *data_fd);

/*
 * Save the device's state from RUNNING: to STOP_COPY, read to end of stream,
 * to STOP.  *buf (malloc()ed, the caller frees it) and *len get the stream.
 */
int selftest_save(const struct vfm_device *dev, uint64_t flags, void **buf, size_t *len);

/*
 * From RUNNING to RESUMING, then write @len bytes of @buf in write()s of
 * @chunk bytes (0: one write).  *data_fd stays open for the caller to close
 * once it has left RESUMING.
 */
int selftest_resume(const struct vfm_device *dev, uint64_t flags, const void *buf,
		    size_t len, size_t chunk, int *data_fd);

/* True if @bdf is bound to the driver named @driver. */
bool selftest_driver_is(const char *bdf, const char *driver);

#endif /* MIG_SELFTEST_H */
