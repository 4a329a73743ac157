// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_DEVICE_RESET from every migration state.  uAPI: reset returns the
 * device to RUNNING; the data_fd of a session the reset ended "reaches end of
 * stream or error" and never yields stale data; a new migration works
 * afterwards.  Device-agnostic.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
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
 * (uAPI; a VMM that reopens a device must not find it in STOP_COPY), and
 * nothing of the closed session is left for the next user to trip over.
 * Tried from every state, with the session's data_fd still open across the
 * close.  mtty on 6.12 keeps the state across close but frees its migration
 * files: reopened in RESUMING, the first SET that leaves RESUMING loads from
 * a NULL file and oopses (selftests/mtty/0001-*.patch).  A kernel oops kills
 * the calling process and a driver lock it held stays held, so the requests
 * after the reopen run in a child process with a deadline: a death by signal
 * or a hang is this rule's failure, named, not a lost test run.
 */
FIXTURE(reopen) {
	struct vfm_device dev;
	uint64_t flags;
	bool abandoned;		/* a request never returned: leave the device alone */
};

FIXTURE_VARIANT(reopen) {
	uint32_t from;
};

FIXTURE_VARIANT_ADD(reopen, from_running) { .from = MIG_STATE(RUNNING) };
FIXTURE_VARIANT_ADD(reopen, from_running_p2p) { .from = MIG_STATE(RUNNING_P2P) };
FIXTURE_VARIANT_ADD(reopen, from_stop) { .from = MIG_STATE(STOP) };
FIXTURE_VARIANT_ADD(reopen, from_pre_copy) { .from = MIG_STATE(PRE_COPY) };
FIXTURE_VARIANT_ADD(reopen, from_pre_copy_p2p) { .from = MIG_STATE(PRE_COPY_P2P) };
FIXTURE_VARIANT_ADD(reopen, from_stop_copy) { .from = MIG_STATE(STOP_COPY) };
FIXTURE_VARIANT_ADD(reopen, from_resuming) { .from = MIG_STATE(RESUMING) };

FIXTURE_SETUP(reopen)
{
	self->abandoned = false;
	SELFTEST_PREPARE(&self->dev, &self->flags);
}

FIXTURE_TEARDOWN(reopen)
{
	if (self->abandoned)
		return;
	vfm_reset(&self->dev);
	vfm_device_close(&self->dev);
}

/* The child's exit codes: which request after the reopen failed. */
enum { REOPEN_OK, REOPEN_SET_RUNNING, REOPEN_SAVE, REOPEN_RESUME, REOPEN_LOAD };

static const char *const reopen_step[] = {
	[REOPEN_SET_RUNNING] = "SET RUNNING",
	[REOPEN_SAVE] = "saving from RUNNING (to STOP_COPY, read to the end, to STOP)",
	[REOPEN_RESUME] = "RESUMING and writing the saved stream",
	[REOPEN_LOAD] = "RESUMING -> STOP -> RUNNING (loading the stream)",
};

/* What the reopened device must do: leave whatever state it is in, migrate. */
static int reopen_requests(const struct vfm_device *dev, uint64_t flags)
{
	void *stream;
	size_t len;
	int fd = -1;

	if (vfm_set_state(dev, MIG_STATE(RUNNING), &fd))
		return REOPEN_SET_RUNNING;
	if (selftest_save(dev, flags, &stream, &len))
		return REOPEN_SAVE;
	if (selftest_resume(dev, flags, stream, len, 0, &fd))
		return REOPEN_RESUME;
	if (vfm_set_state(dev, MIG_STATE(STOP), NULL) ||
	    vfm_set_state(dev, MIG_STATE(RUNNING), NULL))
		return REOPEN_LOAD;
	close(fd);
	free(stream);
	return REOPEN_OK;
}

#define REOPEN_DEADLINE_MS 10000

TEST_F(reopen, closed_in_any_state)
{
	const char *from = vfm_state_name(variant->from);
	char buf[4096];
	int status, waited, fd = -1;
	uint32_t state;
	ssize_t n = 0;
	pid_t pid;

	if (!vfm_fsm_state_requestable(self->flags, variant->from))
		SKIP(return, "%s is not supported with migration flags %#llx", from,
		     (unsigned long long)self->flags);
	ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, variant->from, &fd));
	/* Mid-session: part of the saving stream read. */
	if (fd >= 0 && mig_state_saving(variant->from))
		n = read(fd, buf, 100);
	vfm_device_close(&self->dev);

	/* The session's data_fd, kept open across the close, is dead. */
	if (fd >= 0) {
		if (variant->from == MIG_STATE(RESUMING))
			n = write(fd, buf, sizeof(buf));
		else
			n = read(fd, buf, sizeof(buf));
		RULE_EXPECT("session.fd-dead", n <= 0,
			    "the data_fd of a %s session still moved %zd bytes after the device was closed",
			    from, n);
		close(fd);
	}

	ASSERT_EQ(0, vfm_device_open(selftest_bdf, &self->dev));
	ASSERT_EQ(0, vfm_get_state(&self->dev, &state));
	RULE_EXPECT("open.starts-running", state == MIG_STATE(RUNNING),
		    "opened again after closing in %s, the device is in %s", from,
		    vfm_state_name(state));

	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(reopen_requests(&self->dev, self->flags));
	for (waited = 0; waited < REOPEN_DEADLINE_MS; waited += 50) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(50 * 1000);
	}
	if (waited >= REOPEN_DEADLINE_MS) {
		kill(pid, SIGKILL);
		self->abandoned = true;
		RULE_EXPECT("open.closed-any-state", false,
			    "closed in %s and opened again (GET: %s), SET RUNNING and a save/restore did not return within %d s: blocked in the kernel (a lock an earlier oops left held?); the device is left alone",
			    from, vfm_state_name(state), REOPEN_DEADLINE_MS / 1000);
		return;
	}
	if (WIFSIGNALED(status)) {
		self->abandoned = true;
		RULE_EXPECT("open.closed-any-state", false,
			    "closed in %s and opened again (GET: %s), the requests after the reopen killed the process (signal %d): a kernel oops in the driver? (see the kernel log); the device is left alone",
			    from, vfm_state_name(state), WTERMSIG(status));
		return;
	}
	RULE_EXPECT("open.closed-any-state", WEXITSTATUS(status) == REOPEN_OK,
		    "closed in %s and opened again (GET: %s): %s failed", from,
		    vfm_state_name(state),
		    WEXITSTATUS(status) < sizeof(reopen_step) / sizeof(reopen_step[0]) &&
		    reopen_step[WEXITSTATUS(status)] ? reopen_step[WEXITSTATUS(status)] : "?");
}

int main(int argc, char *argv[])
{
	selftest_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
