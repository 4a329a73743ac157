// SPDX-License-Identifier: GPL-2.0-only
/*
 * The suite's two ways of opening a device, as upstream VFIO selftests sweep
 * IOMMU modes with fixture variants: the VFIO group with a type1v2 container,
 * and iommufd with the VFIO device cdev (/dev/vfio/devices/vfioN bound to
 * /dev/iommu and attached to an IOAS).  In each: the device answers, DMA
 * map/unmap works, and a migration round trip works.  The iommufd variant
 * skips, saying why, on kernels without CONFIG_IOMMUFD or
 * CONFIG_VFIO_DEVICE_CDEV (Debian's 6.12).  Device-agnostic; the other tests
 * take their mode from $VFIOMIG_IOMMU (run-conformance --iommu).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "selftest.h"
#include "rules.h"

/* Clear of the x86 MSI window and below any IOMMU's 39-bit aperture. */
#define TEST_IOVA	(1ull << 32)
#define TEST_MAP_SIZE	(2ull << 20)

FIXTURE(iommu) {
	struct vfm_device dev;
	uint64_t flags;
	bool open;
};

FIXTURE_VARIANT(iommu) {
	enum vfm_iommu_mode mode;
};

FIXTURE_VARIANT_ADD(iommu, group) { .mode = VFM_IOMMU_GROUP };
FIXTURE_VARIANT_ADD(iommu, iommufd) { .mode = VFM_IOMMU_IOMMUFD };

FIXTURE_SETUP(iommu)
{
	uint32_t devflags, state;
	char why[192];
	int ret;

	if (variant->mode == VFM_IOMMU_IOMMUFD &&
	    vfm_iommufd_available(selftest_bdf, why, sizeof(why)) == -EOPNOTSUPP)
		SKIP(return, "%s", why);
	ret = vfm_device_open_mode(selftest_bdf, variant->mode, &self->dev);
	ASSERT_EQ(0, ret) TH_LOG("opening %s in %s mode: %s", selftest_bdf,
				 vfm_iommu_mode_name(variant->mode), strerror(-ret));
	self->open = true;
	ASSERT_EQ(variant->mode, self->dev.mode);
	ASSERT_EQ(0, vfm_device_flags(&self->dev, &devflags));
	ASSERT_TRUE(devflags & VFIO_DEVICE_FLAGS_PCI);
	ret = vfm_migration_flags(&self->dev, &self->flags);
	if (ret == -ENOTTY)
		SKIP(return, "%s does not support migration", selftest_bdf);
	ASSERT_EQ(0, ret);
	/* Not advertised is reset.advertised's failure (drive.c); not working skips. */
	ret = selftest_reset(&self->dev);
	if (ret && !(devflags & VFIO_DEVICE_FLAGS_RESET))
		SKIP(return, "%s has no VFIO_DEVICE_FLAGS_RESET and VFIO_DEVICE_RESET fails",
		     selftest_bdf);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, vfm_get_state(&self->dev, &state));
	ASSERT_EQ(MIG_STATE(RUNNING), state);
}

FIXTURE_TEARDOWN(iommu)
{
	if (self->open)
		vfm_device_close(&self->dev);
}

/* Map, unmap (the whole mapping comes back), unmap again (nothing). */
TEST_F(iommu, dma_map_unmap)
{
	uint64_t unmapped;
	void *buf;

	buf = mmap(NULL, TEST_MAP_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, 0x5a, TEST_MAP_SIZE);
	ASSERT_EQ(0, vfm_dma_map(&self->dev, buf, TEST_IOVA, TEST_MAP_SIZE));
	/* The same IOVA range twice is refused (type1: EEXIST, iommufd: EEXIST). */
	EXPECT_NE(0, vfm_dma_map(&self->dev, buf, TEST_IOVA, TEST_MAP_SIZE));
	ASSERT_EQ(0, vfm_dma_unmap(&self->dev, TEST_IOVA, TEST_MAP_SIZE, &unmapped));
	EXPECT_EQ(TEST_MAP_SIZE, unmapped);
	ASSERT_EQ(0, vfm_dma_unmap(&self->dev, TEST_IOVA, TEST_MAP_SIZE, &unmapped));
	EXPECT_EQ(0, unmapped);
	munmap(buf, TEST_MAP_SIZE);
}

/* Save, restore into the same device, RESUMING -> STOP: through this mode. */
TEST_F(iommu, migration_round_trip)
{
	void *stream;
	size_t len;
	int fd, ret;

	ASSERT_EQ(0, selftest_save(&self->dev, self->flags, &stream, &len));
	EXPECT_GT(len, 0);
	ASSERT_EQ(0, selftest_reset(&self->dev));
	ASSERT_EQ(0, selftest_resume(&self->dev, self->flags, stream, len, 0, &fd));
	ret = selftest_drive(&self->dev, self->flags, MIG_STATE(STOP), NULL);
	close(fd);
	RULE_EXPECT("roundtrip.same-device", !ret, "%s mode: RESUMING->STOP: %s",
		    vfm_iommu_mode_name(self->dev.mode), strerror(-ret));
	free(stream);
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/* Closed and opened again in the same mode, the device is usable at once. */
TEST_F(iommu, reopen)
{
	uint32_t state;

	vfm_device_close(&self->dev);
	self->open = false;
	ASSERT_EQ(0, vfm_device_open_mode(selftest_bdf, variant->mode, &self->dev));
	self->open = true;
	ASSERT_EQ(0, vfm_get_state(&self->dev, &state));
	RULE_EXPECT("open.starts-running", state == MIG_STATE(RUNNING),
		    "%s mode: opened again, the device is in %s",
		    vfm_iommu_mode_name(variant->mode), vfm_state_name(state));
}

int main(int argc, char *argv[])
{
	selftest_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
