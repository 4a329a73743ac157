// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_DEVICE_FEATURE_DMA_LOGGING_START/STOP/REPORT: the argument rules of
 * the core (drivers/vfio/vfio_main.c) and of the uAPI and vfio_log_ops
 * contract (include/uapi/linux/vfio.h, include/linux/vfio.h).
 * Device-agnostic: runs against any vfio-pci variant driver, and skips when
 * the device does not offer DMA logging (no log_ops: ENOTTY), which is the
 * case of every driver on a kernel without CONFIG_IOMMUFD_DRIVER (Debian's),
 * where REPORT cannot work.  A driver may offer logging there all the same
 * (mtty's stub ops do): then REPORT fails in the core, and the failure is
 * the kernel's; the rule still fails (a VMM using device dirty tracking
 * fails there too), but its message names the kernel as the cause.
 * No DMA is needed: the ranges need not be mapped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "selftest.h"
#include "rules.h"

#define IOVA_BASE	(1ULL << 32)	/* 4 GiB: aligned to every page size used */
#define PS		4096ULL

/* One labelled check that @call returns @want (0 or -errno). */
#define EXPECT_RET(rule, want, call) do {					\
	int __ret = (call);							\
										\
	RULE_EXPECT(rule, __ret == (want), "%s returned %d (%s), expected %d",	\
		    #call, __ret, strerror(-__ret), (int)(want));		\
} while (0)

/*
 * Why REPORT returned @ret, when the kernel rather than the driver is the
 * reason: without CONFIG_IOMMUFD_DRIVER include/linux/iova_bitmap.h is a
 * stub and the core's REPORT returns EOPNOTSUPP before reaching any driver.
 * The config is read from /boot/config-$(uname -r); "" when not the case.
 */
static const char *report_cause(int ret)
{
	static int lacks = -1;	/* unknown yet */
	char path[300], line[256];
	struct utsname u;
	FILE *f;

	if (ret != -EOPNOTSUPP)
		return "";
	if (lacks < 0 && !uname(&u)) {
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		f = fopen(path, "r");
		lacks = !!f;
		while (f && fgets(line, sizeof(line), f))
			if (!strcmp(line, "CONFIG_IOMMUFD_DRIVER=y\n"))
				lacks = 0;
		if (f)
			fclose(f);
	}
	return lacks > 0 ? " (cause: the kernel, not the driver: it lacks CONFIG_IOMMUFD_DRIVER, so "
			   "the core's REPORT returns EOPNOTSUPP for every driver)" : "";
}

/* REPORT, for a rule that needs it to work. */
#define EXPECT_REPORT(rule, call) do {						\
	int __ret = (call);							\
										\
	RULE_EXPECT(rule, __ret == 0, "%s returned %d (%s)%s", #call, __ret,	\
		    strerror(-__ret), report_cause(__ret));			\
} while (0)

/* One range of @pages pages at page @first after IOVA_BASE. */
static struct vfio_device_feature_dma_logging_range range(uint64_t first, uint64_t pages)
{
	return (struct vfio_device_feature_dma_logging_range){
		.iova = IOVA_BASE + first * PS, .length = pages * PS,
	};
}

FIXTURE(log) {
	struct vfm_device dev;
};

FIXTURE_SETUP(log)
{
	struct vfio_device_feature probe = {
		.argsz = sizeof(probe),
		.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
			 VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
	};

	self->dev.fd = -1;
	ASSERT_EQ(0, vfm_device_open(selftest_bdf, &self->dev));
	if (ioctl(self->dev.fd, VFIO_DEVICE_FEATURE, &probe)) {
		if (errno == ENOTTY)
			SKIP(return, "%s does not offer DMA logging (ENOTTY; kernels without CONFIG_IOMMUFD_DRIVER cannot report)",
			     selftest_bdf);
		ASSERT_EQ(0, -errno) TH_LOG("PROBE of DMA_LOGGING_START");
	}
}

FIXTURE_TEARDOWN(log)
{
	if (self->dev.fd >= 0) {
		vfm_dma_log_stop(&self->dev);
		vfm_device_close(&self->dev);
	}
}

/* uAPI: START returns the page size chosen, usable for REPORT; STOP ends it. */
TEST_F(log, start_report_stop)
{
	struct vfio_device_feature_dma_logging_range r = range(0, 512);
	uint64_t ps = 0, bitmap[512 / 64] = {};

	ASSERT_EQ(0, vfm_dma_log_start(&self->dev, PS, &r, 1, &ps));
	RULE_EXPECT("dma_log.start-report-stop", ps >= 4096 && !(ps & (ps - 1)),
		    "START chose page size %llu: not a power of two >= 4096", (unsigned long long)ps);
	EXPECT_REPORT("dma_log.start-report-stop",
		      vfm_dma_log_report(&self->dev, r.iova, r.length, PS, bitmap));
	RULE_EXPECT("dma_log.start-report-stop", vfm_dma_log_stop(&self->dev) == 0, "STOP failed");
}

/* Core: ranges not aligned to page_size are -EINVAL. */
TEST_F(log, unaligned_ranges_rejected)
{
	struct vfio_device_feature_dma_logging_range r = range(0, 16);

	r.iova += 512;
	EXPECT_RET("dma_log.range-alignment", -EINVAL, vfm_dma_log_start(&self->dev, PS, &r, 1, NULL));
	r = range(0, 16);
	r.length += 512;
	EXPECT_RET("dma_log.range-alignment", -EINVAL, vfm_dma_log_start(&self->dev, PS, &r, 1, NULL));
	r = range(1, 16);	/* 4 KiB aligned, not 64 KiB */
	EXPECT_RET("dma_log.range-alignment", -EINVAL, vfm_dma_log_start(&self->dev, 65536, &r, 1, NULL));
}

/* Core: overlapping ranges are -EINVAL. */
TEST_F(log, overlapping_ranges_rejected)
{
	struct vfio_device_feature_dma_logging_range r[2] = { range(0, 16), range(15, 16) };

	EXPECT_RET("dma_log.range-overlap", -EINVAL, vfm_dma_log_start(&self->dev, PS, r, 2, NULL));
	r[1] = range(0, 1);	/* the same start */
	EXPECT_RET("dma_log.range-overlap", -EINVAL, vfm_dma_log_start(&self->dev, PS, r, 2, NULL));
	r[1] = range(16, 16);	/* adjacent: fine */
	EXPECT_RET("dma_log.range-overlap", 0, vfm_dma_log_start(&self->dev, PS, r, 2, NULL));
}

/* Core: num_ranges 0 is -EINVAL; more than a page of ranges is -E2BIG. */
TEST_F(log, range_count_limits)
{
	uint32_t max = sysconf(_SC_PAGESIZE) /
		       sizeof(struct vfio_device_feature_dma_logging_range);
	struct vfio_device_feature_dma_logging_range *r = calloc(max + 1, sizeof(*r));
	uint32_t i;

	ASSERT_NE(NULL, r);
	EXPECT_RET("dma_log.range-count", -EINVAL, vfm_dma_log_start(&self->dev, PS, r, 0, NULL));
	for (i = 0; i <= max; i++)
		r[i] = range(2 * i, 1);	/* with gaps: nothing to merge */
	EXPECT_RET("dma_log.range-count", -E2BIG, vfm_dma_log_start(&self->dev, PS, r, max + 1, NULL));
	/* uAPI: "The core kernel code guarantees to support ... a single kernel page". */
	EXPECT_RET("dma_log.range-count", 0, vfm_dma_log_start(&self->dev, PS, r, max, NULL));
	free(r);
}

/* Core: a range whose end overflows is -EOVERFLOW. */
TEST_F(log, overflowing_range_rejected)
{
	struct vfio_device_feature_dma_logging_range r = {
		.iova = ~0ULL - PS + 1, .length = 2 * PS,
	};

	EXPECT_RET("dma_log.range-overflow", -EOVERFLOW, vfm_dma_log_start(&self->dev, PS, &r, 1, NULL));
}

/* vfio_log_ops contract: a second START without STOP fails; the first goes on. */
TEST_F(log, double_start_rejected)
{
	struct vfio_device_feature_dma_logging_range r = range(0, 64);
	uint64_t bitmap[1] = {};
	int ret;

	ASSERT_EQ(0, vfm_dma_log_start(&self->dev, PS, &r, 1, NULL));
	ret = vfm_dma_log_start(&self->dev, PS, &r, 1, NULL);
	RULE_EXPECT("dma_log.double-start", ret != 0, "a second START without STOP succeeded");
	EXPECT_REPORT("dma_log.double-start",
		      vfm_dma_log_report(&self->dev, r.iova, r.length, PS, bitmap));
	EXPECT_RET("dma_log.double-start", 0, vfm_dma_log_stop(&self->dev));
	EXPECT_RET("dma_log.double-start", 0, vfm_dma_log_start(&self->dev, PS, &r, 1, NULL));
}

/* uAPI: "If DMA logging is not enabled, an error will be returned." */
TEST_F(log, report_without_start_fails)
{
	uint64_t bitmap[1] = {};

	RULE_EXPECT("dma_log.report-needs-start",
		    vfm_dma_log_report(&self->dev, IOVA_BASE, 64 * PS, PS, bitmap) != 0,
		    "REPORT before any START succeeded");
	ASSERT_EQ(0, vfm_dma_log_start(&self->dev, PS, &(struct vfio_device_feature_dma_logging_range){
			IOVA_BASE, 64 * PS }, 1, NULL));
	ASSERT_EQ(0, vfm_dma_log_stop(&self->dev));
	RULE_EXPECT("dma_log.report-needs-start",
		    vfm_dma_log_report(&self->dev, IOVA_BASE, 64 * PS, PS, bitmap) != 0,
		    "REPORT after STOP succeeded");
}

/* vfio_log_ops contract: STOP without START is handled; logging still works. */
TEST_F(log, stop_without_start_graceful)
{
	struct vfio_device_feature_dma_logging_range r = range(0, 64);
	int ret = vfm_dma_log_stop(&self->dev);

	RULE_EXPECT("dma_log.stop-without-start", ret == 0 || ret == -EINVAL,
		    "STOP without START: %s", strerror(-ret));
	EXPECT_RET("dma_log.stop-without-start", 0, vfm_dma_log_start(&self->dev, PS, &r, 1, NULL));
	EXPECT_RET("dma_log.stop-without-start", 0, vfm_dma_log_stop(&self->dev));
}

/* Core: REPORT page_size must be a power of two >= 4096; overflow is -EOVERFLOW. */
TEST_F(log, report_page_size_rules)
{
	struct vfio_device_feature_dma_logging_range r = range(0, 256);
	uint64_t bitmap[8] = {};

	ASSERT_EQ(0, vfm_dma_log_start(&self->dev, PS, &r, 1, NULL));
	EXPECT_RET("dma_log.report-page-size", -EINVAL,
		   vfm_dma_log_report(&self->dev, r.iova, r.length, 2048, bitmap));
	EXPECT_RET("dma_log.report-page-size", -EINVAL,
		   vfm_dma_log_report(&self->dev, r.iova, r.length, 3 * PS, bitmap));
	EXPECT_RET("dma_log.report-page-size", -EINVAL,
		   vfm_dma_log_report(&self->dev, r.iova, r.length, 0, bitmap));
	EXPECT_RET("dma_log.report-page-size", -EOVERFLOW,
		   vfm_dma_log_report(&self->dev, ~0ULL - PS + 1, 2 * PS, PS, bitmap));
	/* uAPI: any power of two, not necessarily START's. */
	EXPECT_RET("dma_log.report-page-size", 0,
		   vfm_dma_log_report(&self->dev, r.iova, r.length, 8192, bitmap));
	EXPECT_RET("dma_log.report-page-size", 0,
		   vfm_dma_log_report(&self->dev, r.iova, r.length, 1 << 20, bitmap));
}

/* uAPI: REPORT "will only set bits in the bitmap and never clear" them. */
TEST_F(log, report_only_sets_bits)
{
	struct vfio_device_feature_dma_logging_range r = range(0, 256);
	uint64_t bitmap[4], want[4], cleared = 0;
	int i, ret;

	ASSERT_EQ(0, vfm_dma_log_start(&self->dev, PS, &r, 1, NULL));
	for (i = 0; i < 4; i++)
		want[i] = bitmap[i] = 0xa5a5a5a5f0f0f0f0ULL ^ ((uint64_t)i << 60);
	ret = vfm_dma_log_report(&self->dev, r.iova, r.length, PS, bitmap);
	ASSERT_EQ(0, ret) TH_LOG("REPORT: %s%s", strerror(-ret), report_cause(ret));
	for (i = 0; i < 4; i++)
		cleared |= want[i] & ~bitmap[i];
	RULE_EXPECT("dma_log.report-only-sets-bits", cleared == 0,
		    "REPORT cleared bits (0x%llx in some word)", (unsigned long long)cleared);
}

int main(int argc, char *argv[])
{
	selftest_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
