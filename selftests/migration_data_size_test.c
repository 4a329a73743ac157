// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_DEVICE_FEATURE_MIG_DATA_SIZE: answered in every state, and how its
 * estimate compares with the STOP_COPY stream that follows.  Device-agnostic,
 * except the accuracy bound, which is mock-vfio-pci's own promise.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "selftest.h"
#include "rules.h"
#include "mock_vfio_pci.h"

FIXTURE(data_size) {
	struct vfm_device dev;
	uint64_t flags;
};

FIXTURE_SETUP(data_size)
{
	SELFTEST_PREPARE(&self->dev, &self->flags);
}

FIXTURE_TEARDOWN(data_size)
{
	vfm_device_close(&self->dev);
}

/*
 * uAPI: "Note: Can be called on each device state."  Every state the device
 * supports, RESUMING included (with nothing written: the reset that follows
 * aborts it).
 */
TEST_F_TIMEOUT(data_size, answered_in_every_state, 60)
{
	uint32_t s;

	for (s = 0; s < VFIO_DEVICE_STATE_NR; s++) {
		uint64_t bytes;
		int fd, ret;

		if (!vfm_fsm_state_requestable(self->flags, s))
			continue;
		ASSERT_EQ(0, selftest_reset(&self->dev));
		ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, s, &fd));
		ret = vfm_data_size(&self->dev, &bytes);
		RULE_EXPECT("data_size.every-state", !ret, "MIG_DATA_SIZE in %s: %s",
			    vfm_state_name(s), strerror(-ret));
		if (fd >= 0)
			close(fd);
	}
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/*
 * The uAPI asks only for "the estimated data length that will be required to
 * complete stop copy".  mock-vfio-pci promises more: in STOP, where nothing
 * changes, the estimate covers the STOP_COPY stream that follows and exceeds
 * it by at most one page.  Other devices: record the ratio only.
 */
TEST_F_TIMEOUT(data_size, estimate_in_stop_vs_stop_copy, 60)
{
	bool mock = selftest_driver_is(selftest_bdf, MOCK_VFIO_PCI_DRIVER_NAME);
	void *stream = NULL;
	size_t len = 0;
	uint64_t est;
	int fd, ret;

	ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, MIG_STATE(STOP), NULL));
	ASSERT_EQ(0, vfm_data_size(&self->dev, &est));
	ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, MIG_STATE(STOP_COPY), &fd));
	ASSERT_GE(fd, 0) TH_LOG("STOP -> STOP_COPY returned no data_fd");
	ret = vfm_read_all(fd, &stream, &len);
	EXPECT_EQ(0, ret) TH_LOG("reading the STOP_COPY stream after %zu bytes: %s", len,
				 strerror(-ret));
	EXPECT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP), NULL));
	close(fd);
	free(stream);

	if (mock) {
		EXPECT_GE(est, len) TH_LOG("estimate %llu < the %zu byte stream",
					   (unsigned long long)est, len);
		EXPECT_LE(est, len + MOCK_PAGE_SIZE)
			TH_LOG("estimate %llu > the %zu byte stream + one page",
			       (unsigned long long)est, len);
	} else {
		TH_LOG("estimate %llu for a %zu byte stream (ratio %.3f)", (unsigned long long)est,
		       len, len ? (double)est / len : 0.0);
	}
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

int main(int argc, char *argv[])
{
	selftest_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
