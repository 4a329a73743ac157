// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-side unit tests of libvfiomig's pure helpers.
 */
#include <errno.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "vfiomig/device.h"

TEST(bdf_full_and_short_forms)
{
	char out[32];

	ASSERT_EQ(0, vfm_parse_bdf("0000:01:00.0", out, sizeof(out)));
	EXPECT_STREQ("0000:01:00.0", out);
	ASSERT_EQ(0, vfm_parse_bdf("1:1f.7", out, sizeof(out)));
	EXPECT_STREQ("0000:01:1f.7", out);
	ASSERT_EQ(0, vfm_parse_bdf("ABCD:ff:00.3", out, sizeof(out)));
	EXPECT_STREQ("abcd:ff:00.3", out);
}

TEST(bdf_malformed_rejected)
{
	static const char *const bad[] = {
		"", "01:00", "0000:01:00.8", "0000:01:20.0", "0000:100:00.0",
		"10000:01:00.0", "0000:01:00.0x", "zz:00.0", "0000:01:00.0 ",
	};
	char out[32];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = vfm_parse_bdf(bad[i], out, sizeof(out));

		EXPECT_EQ(-EINVAL, ret) TH_LOG("bad[%zu] accepted as %s", i, out);
	}
}

/* One naming layer: PCI addresses, mdev UUIDs and sysfs paths to them. */
TEST(device_names)
{
	static const char *const bad[] = {
		"", "0000:01:00.8", "83b8f4f2-509f-382f-3c1e-e6bfe0fa100",
		"83b8f4f2-509f-382f-3c1e-e6bfe0fa10011", "83b8f4f2_509f-382f-3c1e-e6bfe0fa1001",
		"g3b8f4f2-509f-382f-3c1e-e6bfe0fa1001", "/sys/bus/mdev/devices",
		"/nonexistent/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", "mtty",
	};
	char out[VFM_NAME_LEN], path[128];
	size_t i;

	ASSERT_EQ(0, vfm_parse_device("1:1f.7", out, sizeof(out)));
	EXPECT_STREQ("0000:01:1f.7", out);
	EXPECT_FALSE(vfm_is_mdev(out));
	ASSERT_EQ(0, vfm_sysfs_path(out, "driver", path, sizeof(path)));
	EXPECT_STREQ("/sys/bus/pci/devices/0000:01:1f.7/driver", path);
	ASSERT_EQ(0, vfm_parse_device("83B8F4F2-509F-382F-3C1E-E6BFE0FA1001", out, sizeof(out)));
	EXPECT_STREQ("83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", out);
	EXPECT_TRUE(vfm_is_mdev(out));
	ASSERT_EQ(0, vfm_sysfs_path(out, NULL, path, sizeof(path)));
	EXPECT_STREQ("/sys/bus/mdev/devices/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", path);
	/* Too small for a UUID: refused, not truncated. */
	EXPECT_EQ(-EINVAL, vfm_parse_device("83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", out, 20));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = vfm_parse_device(bad[i], out, sizeof(out));

		EXPECT_EQ(-EINVAL, ret) TH_LOG("bad[%zu] accepted as %s", i, out);
	}
}

TEST(legal_migration_flags)
{
	const __u64 sc = VFIO_MIGRATION_STOP_COPY, p2p = VFIO_MIGRATION_P2P,
		    pre = VFIO_MIGRATION_PRE_COPY;
	__u64 f;
	int legal = 0;

	for (f = 0; f < 16; f++)
		legal += mig_flags_legal(f);
	EXPECT_EQ(4, legal);
	EXPECT_TRUE(mig_flags_legal(sc | p2p | pre));
	EXPECT_FALSE(mig_flags_legal(p2p | pre));
	EXPECT_FALSE(mig_flags_legal(sc | (1ULL << 3)));
}

TEST_HARNESS_MAIN
