// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_DEVICE_FEATURE_MIGRATION: probe, get, and the core's argument checks.
 * Device-agnostic: runs against any vfio-pci variant driver.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "selftest.h"
#include "rules.h"

struct mig_feature {
	struct vfio_device_feature hdr;
	struct vfio_device_feature_migration mig;
};

FIXTURE(dev) {
	struct vfm_device dev;
};

FIXTURE_SETUP(dev)
{
	ASSERT_EQ(0, vfm_device_open(selftest_bdf, &self->dev));
}

FIXTURE_TEARDOWN(dev)
{
	vfm_device_close(&self->dev);
}

static int feature(int fd, __u32 flags, __u32 argsz, struct mig_feature *f)
{
	f->hdr.argsz = argsz;
	f->hdr.flags = flags;
	return ioctl(fd, VFIO_DEVICE_FEATURE, f) ? -errno : 0;
}

/* uAPI: GET succeeds with one of the four legal flag combinations. */
TEST_F(dev, get_returns_legal_flags)
{
	struct mig_feature f = {};
	int ret;

	ret = feature(self->dev.fd, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
		      sizeof(f), &f);
	if (ret == -ENOTTY)
		SKIP(return, "%s does not support migration (ENOTTY)", selftest_bdf);
	ASSERT_EQ(0, ret);
	RULE_EXPECT("feature.flags-legal", mig_flags_legal(f.mig.flags),
		    "flags 0x%llx", (unsigned long long)f.mig.flags);
	EXPECT_TRUE(mig_flags_legal(f.mig.flags))
		TH_LOG("flags 0x%llx are not a legal combination", (unsigned long long)f.mig.flags);
}

/* Core: PROBE answers 0 exactly when GET works. */
TEST_F(dev, probe_agrees_with_get)
{
	struct mig_feature f = {};
	int get, probe;

	get = feature(self->dev.fd, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
		      sizeof(f), &f);
	probe = feature(self->dev.fd, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
			VFIO_DEVICE_FEATURE_MIGRATION, sizeof(f), &f);
	/*
	 * Both ENOTTY: the device has no migration at all, the core answered
	 * both without the driver; counting that as a check would call such
	 * a device tested (run-conformance's "nothing tested").
	 */
	if (get == -ENOTTY && probe == -ENOTTY)
		SKIP(return, "%s does not support migration (ENOTTY)", selftest_bdf);
	RULE_EXPECT("feature.probe-matches-get", get == probe, "GET %d, PROBE %d", get, probe);
}

/* Core: MIGRATION is GET-only; SET is -EINVAL, a short argsz is -EINVAL. */
TEST_F(dev, set_and_short_argsz_rejected)
{
	struct mig_feature f = {};

	if (feature(self->dev.fd, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
		    VFIO_DEVICE_FEATURE_MIGRATION, sizeof(f), &f) == -ENOTTY)
		SKIP(return, "%s does not support migration (ENOTTY)", selftest_bdf);
	EXPECT_EQ(-EINVAL, feature(self->dev.fd, VFIO_DEVICE_FEATURE_SET |
				   VFIO_DEVICE_FEATURE_MIGRATION, sizeof(f), &f));
	EXPECT_EQ(-EINVAL, feature(self->dev.fd, VFIO_DEVICE_FEATURE_GET |
				   VFIO_DEVICE_FEATURE_MIGRATION, sizeof(f.hdr), &f));
}

int main(int argc, char *argv[])
{
	selftest_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
