// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE: every ordered pair of states against
 * the test's own model of the uAPI (libvfiomig's fsm.c, written from the
 * comment blocks in include/uapi/linux/vfio.h), then GET, ERROR, states out
 * of range and leaving RESUMING without data.  Device-agnostic.
 *
 * Every test starts from RUNNING through VFIO_DEVICE_RESET and reaches its
 * starting state one single arc per SET (selftest_drive()), so the request
 * under test is the only combination transition it makes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "selftest.h"
#include "rules.h"

/* A SET of a blocked arc taking longer than this is taken to hang. */
#define BLOCKED_ARC_TIMEOUT_S	10

struct mig_state_feature {
	struct vfio_device_feature hdr;
	struct vfio_device_feature_mig_state mig;
};

/* uAPI: "STOP_COPY -> PRE_COPY, STOP_COPY -> PRE_COPY_P2P ... not permitted" */
static bool blocked_arc(uint32_t from, uint32_t to)
{
	return from == MIG_STATE(STOP_COPY) &&
	       (to == MIG_STATE(PRE_COPY) || to == MIG_STATE(PRE_COPY_P2P));
}

/*
 * SET @state in a child process, so that a driver that never returns cannot
 * hang the suite.  Linux 6.12's vfio_mig_get_next_state() loops forever on
 * the blocked arcs of a PRE_COPY device (fixed in later 6.12.y stable
 * releases); a driver for 6.12 has to refuse them before calling it.
 * Returns the SET's 0 or -errno; *hung is set when the child did not answer
 * within @timeout_s, and the child is then left behind, stuck in the kernel.
 */
static int set_state_watchdog(const struct vfm_device *dev, uint32_t state,
			      int timeout_s, bool *hung)
{
	struct pollfd pfd;
	int pipefd[2], ret, n;
	pid_t pid;

	*hung = false;
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return ret;
	}
	if (pid == 0) {
		close(pipefd[0]);
		ret = vfm_set_state(dev, state, NULL);
		_exit(write(pipefd[1], &ret, sizeof(ret)) != sizeof(ret));
	}
	close(pipefd[1]);
	pfd = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
	do {
		n = poll(&pfd, 1, timeout_s * 1000);
	} while (n < 0 && errno == EINTR);
	if (n == 0) {
		*hung = true;
		kill(pid, SIGKILL);	/* takes effect if it ever leaves the kernel */
		close(pipefd[0]);
		return -ETIMEDOUT;
	}
	if (read(pipefd[0], &ret, sizeof(ret)) != sizeof(ret))
		ret = -EPIPE;		/* the child died without answering */
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	return ret;
}

FIXTURE(fsm) {
	struct vfm_device dev;
	uint64_t flags;
	void *stream;		/* a complete stream of this device, for RESUMING */
	size_t stream_len;
};

FIXTURE_VARIANT(fsm) {
	uint32_t from;
};

FIXTURE_VARIANT_ADD(fsm, from_stop) { .from = MIG_STATE(STOP) };
FIXTURE_VARIANT_ADD(fsm, from_running) { .from = MIG_STATE(RUNNING) };
FIXTURE_VARIANT_ADD(fsm, from_stop_copy) { .from = MIG_STATE(STOP_COPY) };
FIXTURE_VARIANT_ADD(fsm, from_resuming) { .from = MIG_STATE(RESUMING) };
FIXTURE_VARIANT_ADD(fsm, from_running_p2p) { .from = MIG_STATE(RUNNING_P2P) };
FIXTURE_VARIANT_ADD(fsm, from_pre_copy) { .from = MIG_STATE(PRE_COPY) };
FIXTURE_VARIANT_ADD(fsm, from_pre_copy_p2p) { .from = MIG_STATE(PRE_COPY_P2P) };

FIXTURE_SETUP(fsm)
{
	SELFTEST_PREPARE(&self->dev, &self->flags);
}

/* No reset here: after a hung SET it would hang too (state lock held). */
FIXTURE_TEARDOWN(fsm)
{
	free(self->stream);
	vfm_device_close(&self->dev);
}

/*
 * From RUNNING (reset) to @from, then request @to and compare with the model:
 *  - uAPI: "The optional states cannot be used with SET_STATE if the device
 *    does not support them", "ERROR cannot be specified", blocked arcs "are
 *    not permitted and return error"; everything else is a combination of
 *    arcs and must succeed.  Refusals are EINVAL (the core's
 *    vfio_mig_get_next_state() returns -EINVAL for all three).
 *  - on success GET reports @to ("must fully transition the device to the
 *    new state value before the operation returns") and a data_fd comes back
 *    exactly when @to "starts a new data transfer session".
 *  - a refused request leaves the device in @from: nothing was executed.
 */
static void check_pair(struct __test_metadata *_metadata, FIXTURE_DATA(fsm) *self,
		       uint32_t from, uint32_t to)
{
	bool want_ok = vfm_fsm_request_ok(self->flags, from, to);
	bool want_fd = vfm_fsm_returns_fd(from, to);
	const char *f = vfm_state_name(from), *t = vfm_state_name(to);
	int from_fd = -1, fd = -1, ret;
	bool hung = false;
	uint32_t state;

	ASSERT_EQ(0, selftest_reset(&self->dev));
	if (from == MIG_STATE(RESUMING)) {
		/*
		 * uAPI: leaving RESUMING with "incomplete" data "must fail the
		 * SET_STATE", so give it the whole stream of this very device.
		 */
		ASSERT_EQ(0, selftest_resume(&self->dev, self->flags, self->stream,
					     self->stream_len, 0, &from_fd));
	} else {
		ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, from, &from_fd));
	}
	ASSERT_EQ(0, vfm_get_state(&self->dev, &state));
	ASSERT_EQ(from, state) TH_LOG("driving to %s one arc at a time ended in %s",
				      f, vfm_state_name(state));

	if (blocked_arc(from, to)) {
		ret = set_state_watchdog(&self->dev, to, BLOCKED_ARC_TIMEOUT_S, &hung);
		RULE_EXPECT("fsm.blocked-arc", !hung,
			    "SET %s -> %s did not return within %d s: the driver hangs on a blocked arc (the known Linux 6.12 vfio_mig_get_next_state() loop) and must refuse it itself",
			    f, t, BLOCKED_ARC_TIMEOUT_S);
		if (hung)
			return;
	} else {
		ret = vfm_set_state(&self->dev, to, &fd);
	}

	RULE_EXPECT(blocked_arc(from, to) ? "fsm.blocked-arc" : "fsm.request-result",
		    want_ok == !ret, "SET %s -> %s %s (%s); the uAPI says it must %s",
		    f, t, ret ? "failed" : "succeeded", strerror(-ret),
		    want_ok ? "succeed" : "fail");
	ASSERT_EQ(0, vfm_get_state(&self->dev, &state));
	if (!ret) {
		RULE_EXPECT("fsm.request-result", to == state,
			    "SET %s -> %s succeeded but GET reports %s", f, t,
			    vfm_state_name(state));
		RULE_EXPECT("fsm.fd-on-transfer-start", want_fd == (fd >= 0),
			    "SET %s -> %s returned data_fd %d; the uAPI says %s",
			    f, t, fd, want_fd ? "a new session fd" : "-1");
	} else if (!want_ok) {
		RULE_EXPECT("fsm.refused-einval", ret == -EINVAL && from == state,
			    "the refused SET %s -> %s failed with %s and left the device in %s",
			    f, t, strerror(-ret), vfm_state_name(state));
	} else {
		TH_LOG("after the failed SET %s -> %s GET reports %s", f, t, vfm_state_name(state));
	}
	if (fd >= 0)
		close(fd);
	if (from_fd >= 0)
		close(from_fd);
}

TEST_F_TIMEOUT(fsm, every_target, 120)
{
	uint32_t to;

	if (!vfm_fsm_state_requestable(self->flags, variant->from))
		SKIP(return, "%s is not supported with migration flags 0x%llx",
		     vfm_state_name(variant->from), (unsigned long long)self->flags);
	if (variant->from == MIG_STATE(RESUMING))
		ASSERT_EQ(0, selftest_save(&self->dev, self->flags, &self->stream,
					   &self->stream_len));
	for (to = 0; to < VFIO_DEVICE_STATE_NR; to++)
		check_pair(_metadata, self, variant->from, to);
	ASSERT_EQ(0, selftest_reset(&self->dev));
}

FIXTURE(dev) {
	struct vfm_device dev;
	uint64_t flags;
};

FIXTURE_SETUP(dev)
{
	SELFTEST_PREPARE(&self->dev, &self->flags);
}

FIXTURE_TEARDOWN(dev)
{
	vfm_device_close(&self->dev);
}

static int get_raw(const struct vfm_device *dev, struct mig_state_feature *f)
{
	f->hdr.argsz = sizeof(*f);
	f->hdr.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE;
	return ioctl(dev->fd, VFIO_DEVICE_FEATURE, f) ? -errno : 0;
}

/*
 * uAPI: "Upon VFIO_DEVICE_FEATURE_GET, get the current migration state of the
 * VFIO device, data_fd will be -1."  Also in STOP_COPY, where a session is
 * open: GET must not hand out another fd to it.
 */
TEST_F(dev, get_returns_no_fd)
{
	struct mig_state_feature f = { .mig.device_state = 0xffffffff, .mig.data_fd = 0x5a5a5a5a };
	int fd;

	ASSERT_EQ(0, get_raw(&self->dev, &f));
	EXPECT_EQ(MIG_STATE(RUNNING), f.mig.device_state);
	RULE_EXPECT("state.get-no-fd", f.mig.data_fd == -1, "GET in RUNNING: data_fd %d",
		    f.mig.data_fd);

	ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, MIG_STATE(STOP_COPY), &fd));
	f.mig.data_fd = 0x5a5a5a5a;
	EXPECT_EQ(0, get_raw(&self->dev, &f));
	EXPECT_EQ(MIG_STATE(STOP_COPY), f.mig.device_state);
	RULE_EXPECT("state.get-no-fd", f.mig.data_fd == -1, "GET in STOP_COPY: data_fd %d",
		    f.mig.data_fd);
	if (fd >= 0)
		close(fd);
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/* uAPI: "ERROR cannot be specified as a device state". */
TEST_F(dev, error_not_requestable)
{
	uint32_t state;

	int ret = vfm_set_state(&self->dev, MIG_STATE(ERROR), NULL);

	ASSERT_EQ(0, vfm_get_state(&self->dev, &state));
	RULE_EXPECT("fsm.refused-einval", ret == -EINVAL && state == MIG_STATE(RUNNING),
		    "SET ERROR: %s, now %s", strerror(-ret), vfm_state_name(state));
}

/* Not a state of enum vfio_device_mig_state: the core refuses with EINVAL. */
TEST_F(dev, out_of_range_rejected)
{
	static const uint32_t bad[] = { VFIO_DEVICE_STATE_NR, VFIO_DEVICE_STATE_NR + 1,
					0x80000000, 0xffffffff };
	uint32_t state;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = vfm_set_state(&self->dev, bad[i], NULL);

		ASSERT_EQ(0, vfm_get_state(&self->dev, &state));
		RULE_EXPECT("fsm.refused-einval", ret == -EINVAL && state == MIG_STATE(RUNNING),
			    "SET %#x: %s, now %s", bad[i], strerror(-ret), vfm_state_name(state));
	}
}

/*
 * uAPI, RESUMING -> STOP: "If the user provided data is found to be
 * incomplete, inconsistent, or otherwise invalid, the migration driver must
 * fail the SET_STATE ioctl and optionally go to the ERROR state", and "To
 * abort a RESUMING session the device must be reset."
 */
TEST_F(dev, resuming_without_data_fails)
{
	void *stream;
	size_t len;
	uint32_t state;
	int fd, ret;

	/* An empty stream is complete only for a device that saves nothing. */
	ASSERT_EQ(0, selftest_save(&self->dev, self->flags, &stream, &len));
	free(stream);
	if (!len)
		SKIP(return, "the device's STOP_COPY stream is empty: no data is complete data");
	ASSERT_EQ(0, selftest_reset(&self->dev));

	ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, MIG_STATE(RESUMING), &fd));
	EXPECT_GE(fd, 0) TH_LOG("STOP -> RESUMING returned no data_fd");
	ret = vfm_set_state(&self->dev, MIG_STATE(STOP), NULL);
	RULE_EXPECT("resume.incomplete-refused", ret != 0,
		    "RESUMING -> STOP with nothing written succeeded");
	if (ret)
		TH_LOG("RESUMING -> STOP with nothing written: %s", strerror(-ret));
	ASSERT_EQ(0, vfm_get_state(&self->dev, &state));
	/* The path is the single arc RESUMING -> STOP: no other state is on it. */
	EXPECT_TRUE(state == MIG_STATE(RESUMING) || state == MIG_STATE(ERROR))
		TH_LOG("after the failed RESUMING -> STOP the device is %s", vfm_state_name(state));

	/* The reset aborts the session, with its fd still open. */
	EXPECT_EQ(0, selftest_reset(&self->dev));
	if (fd >= 0)
		close(fd);
}

int main(int argc, char *argv[])
{
	selftest_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
