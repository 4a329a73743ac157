// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_DEVICE_RESET from every migration state.  uAPI: reset returns the
 * device to RUNNING; the data_fd of a session the reset ended "reaches end of
 * stream or error" and never yields stale data; a new migration works
 * afterwards.  Device-agnostic.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "selftest.h"
#include "rules.h"

FIXTURE(reset) {
	struct vfm_device dev;
	uint64_t flags;
};

FIXTURE_VARIANT(reset) {
	uint32_t from;
};

FIXTURE_VARIANT_ADD(reset, from_stop) { .from = MIG_STATE(STOP) };
FIXTURE_VARIANT_ADD(reset, from_running) { .from = MIG_STATE(RUNNING) };
FIXTURE_VARIANT_ADD(reset, from_stop_copy) { .from = MIG_STATE(STOP_COPY) };
FIXTURE_VARIANT_ADD(reset, from_resuming) { .from = MIG_STATE(RESUMING) };
FIXTURE_VARIANT_ADD(reset, from_running_p2p) { .from = MIG_STATE(RUNNING_P2P) };
FIXTURE_VARIANT_ADD(reset, from_pre_copy) { .from = MIG_STATE(PRE_COPY) };
FIXTURE_VARIANT_ADD(reset, from_pre_copy_p2p) { .from = MIG_STATE(PRE_COPY_P2P) };

FIXTURE_SETUP(reset)
{
	SELFTEST_PREPARE(&self->dev, &self->flags);
}

FIXTURE_TEARDOWN(reset)
{
	vfm_device_close(&self->dev);
}

TEST_F(reset, returns_to_running_and_kills_fds)
{
	char buf[4096];
	uint32_t state;
	void *stream;
	size_t len;
	ssize_t n;
	int fd = -1;

	if (!vfm_fsm_state_requestable(self->flags, variant->from))
		SKIP(return, "%s is not supported with migration flags %#llx",
		     vfm_state_name(variant->from), (unsigned long long)self->flags);
	ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, variant->from, &fd));
	/* Read part of a saving stream first, so the reset lands mid-session. */
	if (fd >= 0 && mig_state_saving(variant->from))
		n = read(fd, buf, 100);

	ASSERT_EQ(0, vfm_reset(&self->dev));
	ASSERT_EQ(0, vfm_get_state(&self->dev, &state));
	RULE_EXPECT("reset.running", state == MIG_STATE(RUNNING), "after reset from %s: %s",
		    vfm_state_name(variant->from), vfm_state_name(state));

	if (fd >= 0) {
		if (variant->from == MIG_STATE(RESUMING))
			n = write(fd, buf, sizeof(buf));
		else
			n = read(fd, buf, sizeof(buf));
		RULE_EXPECT("reset.kills-fd", n <= 0,
			    "the data_fd of a session ended by reset still moved %zd bytes", n);
		close(fd);
	}

	/* A new migration works. */
	ASSERT_EQ(0, selftest_save(&self->dev, self->flags, &stream, &len));
	EXPECT_GT(len, 0);
	free(stream);
}

/*
 * Closing the device ends everything: opened again, it starts in RUNNING
 * (uAPI; a VMM that reopens a device must not find it in STOP_COPY).
 */
TEST(reopen_starts_running)
{
	struct vfm_device dev;
	uint64_t flags;
	uint32_t state;
	int ret, fd = -1;

	SELFTEST_PREPARE(&dev, &flags);
	ASSERT_EQ(0, selftest_drive(&dev, flags, MIG_STATE(STOP_COPY), &fd));
	if (fd >= 0)
		close(fd);
	vfm_device_close(&dev);

	ASSERT_EQ(0, vfm_device_open(selftest_bdf, &dev));
	ASSERT_EQ(0, vfm_get_state(&dev, &state));
	RULE_EXPECT("open.starts-running", state == MIG_STATE(RUNNING),
		    "opened again after closing in STOP_COPY, the device is in %s",
		    vfm_state_name(state));
	/* And a migration from there works (RUNNING -> PRE_COPY or STOP_COPY). */
	ret = vfm_set_state(&dev, flags & VFIO_MIGRATION_PRE_COPY ?
			    MIG_STATE(PRE_COPY) : MIG_STATE(STOP_COPY), &fd);
	RULE_EXPECT("open.starts-running", !ret, "starting a migration after reopening: %s",
		    strerror(-ret));
	if (fd >= 0)
		close(fd);
	vfm_reset(&dev);
	vfm_device_close(&dev);
}

int main(int argc, char *argv[])
{
	selftest_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
