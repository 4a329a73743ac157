// SPDX-License-Identifier: GPL-2.0-only
/*
 * The data_fd of a migration session: what kind of file it is, how its stream
 * ends, and what is left of it when the session ends; in STOP_COPY, RESUMING
 * and, when the device advertises it, PRE_COPY with VFIO_MIG_GET_PRECOPY_INFO
 * and Linux 7.1's MIG_PRECOPY_INFOv2 opt-in.  Device-agnostic.
 *
 * Checks marked SHOULD are recommendations of the uAPI, not requirements;
 * they fail for now and say so in their message.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "selftest.h"
#include "rules.h"

#define POISON_FLAGS	0xdeadbeef

static char buf[64 * 1024];

/* The errno of a failed call, 0 if it succeeded: read it before anything else runs. */
static int errno_of(long long ret)
{
	return ret < 0 ? errno : 0;
}

/* uAPI, STOP_COPY: "poll always returning readable". */
static bool poll_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 1000) == 1 && (p.revents & POLLIN);
}

/*
 * poll() for POLLIN for up to @timeout_ms: the revents, 0 if it timed out,
 * -errno if poll() failed.
 */
static int poll_revents(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	do {
		n = poll(&p, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? p.revents : 0;
}

FIXTURE(data_fd) {
	struct vfm_device dev;
	uint64_t flags;
};

FIXTURE_SETUP(data_fd)
{
	SELFTEST_PREPARE(&self->dev, &self->flags);
}

FIXTURE_TEARDOWN(data_fd)
{
	vfm_device_close(&self->dev);
}

#define REQUIRE_PRE_COPY() do { \
	if (!(self->flags & VFIO_MIGRATION_PRE_COPY)) \
		SKIP(return, "the device does not advertise VFIO_MIGRATION_PRE_COPY (flags 0x%llx)", \
		     (unsigned long long)self->flags); \
} while (0)

/* From RUNNING (after the fixture's reset) to @state, which must open a session. */
static int enter(struct __test_metadata *_metadata, FIXTURE_DATA(data_fd) *self,
		 uint32_t state)
{
	int fd;

	ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, state, &fd));
	ASSERT_GE(fd, 0) TH_LOG("entering %s returned no data_fd", vfm_state_name(state));
	return fd;
}

/*
 * Common to every data_fd.  The core installs it with O_CLOEXEC
 * (vfio_ioct_mig_return_fd()); the uAPI makes it a stream ("the migration
 * data will flow over the FD using read() and write()", its byte order is
 * all there is), so there is no file position: pread/pwrite/lseek -> ESPIPE.
 */
static void check_stream_fd(struct __test_metadata *_metadata, int fd, const char *what)
{
	int flags = fcntl(fd, F_GETFD);

	RULE_EXPECT("data_fd.cloexec", flags >= 0 && (flags & FD_CLOEXEC),
		    "%s data_fd: F_GETFD 0x%x, no FD_CLOEXEC", what, flags);
	RULE_EXPECT("data_fd.stream", errno_of(pread(fd, buf, 1, 0)) == ESPIPE,
		    "%s data_fd: pread() did not fail with ESPIPE", what);
	RULE_EXPECT("data_fd.stream", errno_of(pwrite(fd, buf, 1, 0)) == ESPIPE,
		    "%s data_fd: pwrite() did not fail with ESPIPE", what);
	RULE_EXPECT("data_fd.stream", errno_of(lseek(fd, 0, SEEK_SET)) == ESPIPE,
		    "%s data_fd: lseek() did not fail with ESPIPE", what);
}

/* A saving session only produces data: the fd is O_RDONLY, write() is EBADF. */
TEST_F(data_fd, saving_fd_is_readonly_stream)
{
	int fd = enter(_metadata, self, MIG_STATE(STOP_COPY));

	check_stream_fd(_metadata, fd, "STOP_COPY");
	RULE_EXPECT("data_fd.direction", errno_of(write(fd, buf, 1)) == EBADF,
		    "write() on a saving data_fd did not fail with EBADF");
	close(fd);
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/* A resuming session only consumes data: the fd is O_WRONLY, read() is EBADF. */
TEST_F(data_fd, resuming_fd_is_writeonly_stream)
{
	int fd = enter(_metadata, self, MIG_STATE(RESUMING));

	check_stream_fd(_metadata, fd, "RESUMING");
	RULE_EXPECT("data_fd.direction", errno_of(read(fd, buf, 1)) == EBADF,
		    "read() on a resuming data_fd did not fail with EBADF");
	/* uAPI: "To abort a RESUMING session the device must be reset." */
	EXPECT_EQ(0, selftest_reset(&self->dev));
	close(fd);
}

/*
 * uAPI, STOP_COPY: "End of stream on the FD indicates the entire device state
 * has been transferred", "a permanent end of stream signaled in the usual way
 * by read() always returning 0 and poll always returning readable. ENOMSG
 * may not be returned in STOP_COPY."
 */
TEST_F(data_fd, stop_copy_reads_to_permanent_eof)
{
	int fd = enter(_metadata, self, MIG_STATE(STOP_COPY));
	size_t total = 0, reads = 0;
	uint32_t state;
	ssize_t n;
	int i, err;

	RULE_EXPECT("stop_copy.poll", poll_readable(fd), "poll() before reading: not readable");
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			total += n;
			reads++;
			continue;
		}
		err = n ? errno : 0;
		if (err == EINTR)
			continue;
		RULE_EXPECT("stop_copy.no-enomsg", err != ENOMSG,
			    "read() returned ENOMSG in STOP_COPY after %zu bytes", total);
		if (n == 0)
			break;
		ASSERT_EQ(0, err) TH_LOG("read() failed after %zu bytes: %s", total, strerror(err));
	}
	EXPECT_GT(total, 0) TH_LOG("the STOP_COPY stream is empty");
	TH_LOG("STOP_COPY stream: %zu bytes in %zu reads", total, reads);
	for (i = 0; i < 3; i++) {
		n = read(fd, buf, sizeof(buf));
		RULE_EXPECT("stop_copy.eof", n == 0, "read() %d after end of stream: %zd (%s)",
			    i + 1, n, n < 0 ? strerror(errno) : "data");
	}
	RULE_EXPECT("stop_copy.poll", poll_readable(fd), "poll() at end of stream: not readable");
	ASSERT_EQ(0, vfm_get_state(&self->dev, &state));
	EXPECT_EQ(MIG_STATE(STOP_COPY), state) TH_LOG("reading the stream moved the device to %s",
						      vfm_state_name(state));
	EXPECT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP), NULL));
	close(fd);
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/*
 * The fd "reaches end of stream or error whenever the migration FSM leaves a
 * data transfer state" (struct vfio_migration_ops, include/linux/vfio.h; the
 * uAPI: "The STOP_COPY arc will terminate a data transfer session").  Nothing
 * is read before, so any data read after would be the old session's.
 */
TEST_F(data_fd, saving_fd_dead_after_stop)
{
	int fd = enter(_metadata, self, MIG_STATE(STOP_COPY));
	ssize_t n;
	int i, ret;

	ASSERT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP), NULL));
	ret = poll_revents(fd, 2000);
	RULE_EXPECT("session.poll-returns", ret > 0,
		    "poll() after STOP_COPY -> STOP: %s", ret ? strerror(-ret) : "no event in 2 s");
	for (i = 0; i < 2; i++) {
		n = read(fd, buf, sizeof(buf));
		RULE_EXPECT("session.fd-dead", n <= 0,
			    "read() %d after STOP_COPY -> STOP returned %zd bytes of data", i + 1, n);
	}
	close(fd);
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/* The same after VFIO_DEVICE_RESET, which also ends the session. */
TEST_F(data_fd, saving_fd_dead_after_reset)
{
	int fd = enter(_metadata, self, MIG_STATE(STOP_COPY));
	ssize_t n;
	int i, ret;

	/* uAPI: reset returns "the device_state back to RUNNING". */
	ASSERT_EQ(0, selftest_reset(&self->dev));
	ret = poll_revents(fd, 2000);
	RULE_EXPECT("session.poll-returns", ret > 0, "poll() after VFIO_DEVICE_RESET: %s",
		    ret ? strerror(-ret) : "no event in 2 s");
	for (i = 0; i < 2; i++) {
		n = read(fd, buf, sizeof(buf));
		RULE_EXPECT("reset.kills-fd", n <= 0,
			    "read() %d after VFIO_DEVICE_RESET returned %zd bytes of data", i + 1, n);
	}
	close(fd);
}

/*
 * A data_fd whose session ended "reaches end of stream or error" (see above):
 * poll() reports either, so it must return.  The first two tests check it
 * after the end; here a waiter is already blocked in poll() when the session
 * ends.  In PRE_COPY at the temporary end of stream, where the uAPI tells
 * userspace to "wait for more data (which may never come) by using poll", a
 * child process waits in poll() (up to 10 s) while the session is ended by
 * PRE_COPY -> RUNNING, then by VFIO_DEVICE_RESET.  A device that dirties its
 * state meanwhile may wake the waiter earlier: that is fine too.
 */
TEST_F_TIMEOUT(data_fd, precopy_poll_waiter_woken_when_session_ends, 90)
{
	static const char *const how[] = { "PRE_COPY -> RUNNING", "VFIO_DEVICE_RESET" };
	void *data = NULL;
	size_t len = 0;
	int fd, i, ret, status;
	ssize_t n;
	pid_t pid;

	REQUIRE_PRE_COPY();
	for (i = 0; i < 2; i++) {
		fd = enter(_metadata, self, MIG_STATE(PRE_COPY));
		/* Read the initial data, to the temporary end (ENOMSG, or 0). */
		ret = vfm_read_all(fd, &data, &len);
		ASSERT_TRUE(ret == 0 || ret == -ENOMSG) TH_LOG("PRE_COPY read(): %s",
							       strerror(-ret));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (!pid) {
			/* 0: poll() returned an event; 1: none in 10 s; 2: poll() failed */
			ret = poll_revents(fd, 10000);
			_exit(ret > 0 ? 0 : ret == 0 ? 1 : 2);
		}
		usleep(300 * 1000);
		if (i == 0)
			ret = vfm_set_state(&self->dev, MIG_STATE(RUNNING), NULL);
		else
			ret = selftest_reset(&self->dev);
		EXPECT_EQ(0, ret) TH_LOG("%s: %s", how[i], strerror(-ret));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		RULE_EXPECT("session.poll-returns", WEXITSTATUS(status) == 0,
			    "a poll() waiting when %s ended the session %s", how[i],
			    WEXITSTATUS(status) == 1 ? "was not woken in 10 s" : "failed");
		n = read(fd, buf, sizeof(buf));
		RULE_EXPECT("session.fd-dead", n <= 0,
			    "read() after %s ended the PRE_COPY session returned %zd bytes of data",
			    how[i], n);
		close(fd);
		len = 0;
	}
	free(data);
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/*
 * uAPI, PRE_COPY: "Userspace can wait for more data ... by using poll", and
 * initial_bytes is "the amount of initial precopy data available": while it
 * is not 0 there is data, and poll() must say so, before and after a read.
 */
TEST_F_TIMEOUT(data_fd, precopy_poll_readable_while_initial_data, 60)
{
	struct vfio_precopy_info info = {};
	ssize_t n;
	int fd, i, ret;

	REQUIRE_PRE_COPY();
	fd = enter(_metadata, self, MIG_STATE(PRE_COPY));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, vfm_precopy_info(fd, &info));
		if (!info.initial_bytes) {
			TH_LOG("initial_bytes is 0 after %d reads: nothing to check", i);
			break;
		}
		ret = poll_revents(fd, 1000);
		RULE_EXPECT("precopy.poll", ret > 0 && (ret & POLLIN),
			    "poll() with initial_bytes %llu (after %d reads): %s%s",
			    (unsigned long long)info.initial_bytes, i,
			    ret < 0 ? strerror(-ret) : ret ? "no POLLIN" : "not readable in 1 s",
			    ret > 0 && (ret & POLLERR) ? ", POLLERR" : "");
		n = read(fd, buf, 1000);
		ASSERT_GT(n, 0) TH_LOG("read() with initial_bytes %llu: %s",
				       (unsigned long long)info.initial_bytes,
				       n ? strerror(errno) : "0");
	}
	close(fd);
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/*
 * uAPI: VFIO_MIG_GET_PRECOPY_INFO "is valid only in PRE_COPY states and
 * kernel driver should return -EINVAL from any other migration state";
 * "Support for this ioctl is mandatory if a driver claims to support
 * VFIO_MIGRATION_PRE_COPY".  Moving within the saving group keeps the fd:
 * no new one comes back.
 */
TEST_F(data_fd, precopy_info_only_in_pre_copy_states)
{
	struct vfio_precopy_info info = {};
	int fd, nfd, ret;

	REQUIRE_PRE_COPY();
	fd = enter(_metadata, self, MIG_STATE(PRE_COPY));
	ret = vfm_precopy_info(fd, &info);
	RULE_EXPECT("precopy.info-only-in-precopy", !ret, "in PRE_COPY: %s", strerror(-ret));

	if (self->flags & VFIO_MIGRATION_P2P) {
		ASSERT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(PRE_COPY_P2P), &nfd));
		EXPECT_EQ(-1, nfd) TH_LOG("PRE_COPY -> PRE_COPY_P2P returned a new data_fd");
		if (nfd >= 0)
			close(nfd);
		info.flags = 0;
		ret = vfm_precopy_info(fd, &info);
		RULE_EXPECT("precopy.info-only-in-precopy", !ret, "in PRE_COPY_P2P: %s",
			    strerror(-ret));
	}

	ASSERT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP_COPY), &nfd));
	EXPECT_EQ(-1, nfd) TH_LOG("PRE_COPY -> STOP_COPY returned a new data_fd");
	if (nfd >= 0)
		close(nfd);
	info.flags = 0;
	ret = vfm_precopy_info(fd, &info);
	RULE_EXPECT("precopy.info-only-in-precopy", ret == -EINVAL, "in STOP_COPY: %s",
		    ret ? strerror(-ret) : "succeeded");
	close(fd);
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/*
 * uAPI: initial_bytes "should have a non-zero initial value and decrease as
 * migration data is read from the device"; dirty_bytes "starts at zero".
 * Read in small pieces and ask after each.
 */
TEST_F_TIMEOUT(data_fd, precopy_initial_bytes_never_increase, 60)
{
	struct vfio_precopy_info info = {};
	size_t chunk, total = 0;
	__u64 prev;
	char *piece;
	ssize_t n;
	int fd, err;

	REQUIRE_PRE_COPY();
	fd = enter(_metadata, self, MIG_STATE(PRE_COPY));
	ASSERT_EQ(0, vfm_precopy_info(fd, &info));
	RULE_EXPECT("precopy.initial-nonzero", info.initial_bytes != 0,
		    "initial_bytes is 0 on entering PRE_COPY");
	RULE_EXPECT("precopy.dirty-starts-zero", info.dirty_bytes == 0,
		    "dirty_bytes starts at %llu, not zero", (unsigned long long)info.dirty_bytes);
	prev = info.initial_bytes;
	/* Some 256 pieces, so that a slow device still finishes in time. */
	chunk = prev / 256;
	if (chunk < 4096)
		chunk = 4096;
	if (chunk > (1 << 20))
		chunk = 1 << 20;
	piece = malloc(chunk);
	ASSERT_NE(NULL, piece);

	for (;;) {
		n = read(fd, piece, chunk);
		err = errno_of(n);
		if (err == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
		info.flags = 0;
		ASSERT_EQ(0, vfm_precopy_info(fd, &info)) TH_LOG("after %zu bytes", total);
		RULE_EXPECT("precopy.initial-decreases", info.initial_bytes <= prev,
			    "initial_bytes grew from %llu to %llu after %zu bytes were read",
			    (unsigned long long)prev, (unsigned long long)info.initial_bytes, total);
		prev = info.initial_bytes;
	}
	EXPECT_TRUE(n == 0 || err == ENOMSG) TH_LOG("read() failed after %zu bytes: %s",
						    total, strerror(err));
	TH_LOG("PRE_COPY: %zu bytes to the temporary end; then initial_bytes %llu dirty_bytes %llu",
	       total, (unsigned long long)info.initial_bytes,
	       (unsigned long long)info.dirty_bytes);
	free(piece);
	close(fd);
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/*
 * uAPI: "During pre-copy the migration data FD has a temporary "end of
 * stream" that is reached when both initial_bytes and dirty_byte are zero.
 * ... When read() is done on this temporary end of stream the kernel driver
 * should return ENOMSG from read()."
 */
TEST_F_TIMEOUT(data_fd, precopy_temporary_end_is_enomsg, 60)
{
	struct vfio_precopy_info info = {};
	size_t total = 0;
	ssize_t n;
	int fd, err;

	REQUIRE_PRE_COPY();
	fd = enter(_metadata, self, MIG_STATE(PRE_COPY));
	for (;;) {
		info.flags = 0;
		ASSERT_EQ(0, vfm_precopy_info(fd, &info)) TH_LOG("after %zu bytes", total);
		if (!info.initial_bytes && !info.dirty_bytes)
			break;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			TH_LOG("read() ended the data after %zu bytes (%s) while initial_bytes %llu dirty_bytes %llu",
			       total, n ? strerror(errno) : "0",
			       (unsigned long long)info.initial_bytes,
			       (unsigned long long)info.dirty_bytes);
			break;
		}
		total += n;
	}
	n = read(fd, buf, sizeof(buf));
	err = errno_of(n);
	RULE_EXPECT("precopy.enomsg", n == -1 && err == ENOMSG,
		    "read() at the temporary end of stream returned %zd%s%s, not ENOMSG",
		    n, n < 0 ? ", " : "", n < 0 ? strerror(err) : "");
	close(fd);
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/*
 * PRE_COPY and STOP_COPY are one session on one fd (uAPI: the saving group
 * "share a data transfer session"; moving between them "does not terminate or
 * otherwise affect the associated fd"), and what it carries is one stream:
 * written back to the device in RESUMING ("taken from the data transfer output
 * of a single FD during saving from a compatible device"), in pieces that
 * split it anywhere ("not required to preserve buffer segmentation"), it must
 * load.
 */
TEST_F_TIMEOUT(data_fd, precopy_then_stop_copy_is_one_stream, 60)
{
	void *stream = NULL;
	size_t len = 0, pre_len;
	uint32_t state;
	int fd, nfd, ret;

	REQUIRE_PRE_COPY();
	fd = enter(_metadata, self, MIG_STATE(PRE_COPY));
	/* To the temporary end: read() 0 or ENOMSG (see the previous test). */
	ret = vfm_read_all(fd, &stream, &len);
	ASSERT_TRUE(ret == 0 || ret == -ENOMSG) TH_LOG("PRE_COPY read() after %zu bytes: %s",
						       len, strerror(-ret));
	pre_len = len;

	ASSERT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP_COPY), &nfd));
	EXPECT_EQ(-1, nfd) TH_LOG("PRE_COPY -> STOP_COPY returned a new data_fd");
	if (nfd >= 0)
		close(nfd);
	ret = vfm_read_all(fd, &stream, &len);
	ASSERT_EQ(0, ret) TH_LOG("STOP_COPY read() after %zu bytes: %s", len, strerror(-ret));
	RULE_EXPECT("stop_copy.eof", read(fd, buf, sizeof(buf)) == 0, "no permanent end of stream");
	TH_LOG("stream: %zu bytes in PRE_COPY + %zu in STOP_COPY", pre_len, len - pre_len);
	EXPECT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP), NULL));
	close(fd);

	ASSERT_EQ(0, selftest_reset(&self->dev));
	/* 4093: prime, so pieces end at every offset modulo any record size. */
	ASSERT_EQ(0, selftest_resume(&self->dev, self->flags, stream, len, 4093, &fd));
	ret = vfm_set_state(&self->dev, MIG_STATE(STOP), NULL);
	RULE_EXPECT("precopy.one-stream", !ret,
		    "RESUMING -> STOP refused the device's own PRE_COPY + STOP_COPY stream: %s",
		    strerror(-ret));
	ASSERT_EQ(0, vfm_get_state(&self->dev, &state));
	if (!ret)
		EXPECT_EQ(MIG_STATE(STOP), state) TH_LOG("after RESUMING -> STOP: %s",
							  vfm_state_name(state));
	close(fd);
	free(stream);
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/*
 * Without the 7.1 opt-in, vfio_precopy_info.flags "is reserved for
 * bug-compatibility reasons": every driver up to 7.0 copies the user's struct
 * in and hands flags back unchanged.  Neither answer is wrong on 6.12; record
 * which one this device gives.
 */
TEST_F(data_fd, precopy_info_flags_without_opt_in)
{
	struct vfio_precopy_info info = { .flags = POISON_FLAGS };
	int fd, ret;

	REQUIRE_PRE_COPY();
	fd = enter(_metadata, self, MIG_STATE(PRE_COPY));
	ret = vfm_precopy_info(fd, &info);
	ASSERT_EQ(0, ret) TH_LOG("VFIO_MIG_GET_PRECOPY_INFO: %s", strerror(-ret));
	TH_LOG("flags in 0x%x, out 0x%x: %s", POISON_FLAGS, info.flags,
	       info.flags == POISON_FLAGS ? "echoed, as drivers before 7.1 do" :
	       !info.flags ? "cleared" : "changed");
	close(fd);
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/*
 * Linux 7.1: after SET of VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 the flags
 * are output only ("the core then zeroes info.flags"), and
 * VFIO_PRECOPY_INFO_REINIT is set only when the device re-initialised its
 * state, which nothing here asks for.  On 6.12 a driver offers this itself.
 */
TEST_F(data_fd, precopy_info_v2_flags_are_output)
{
	struct vfio_device_feature feat = {
		.argsz = sizeof(feat),
		.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
			 VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2,
	};
	struct vfio_precopy_info info = { .flags = POISON_FLAGS };
	int fd, ret;

	REQUIRE_PRE_COPY();
	ret = ioctl(self->dev.fd, VFIO_DEVICE_FEATURE, &feat) ? -errno : 0;
	if (ret == -ENOTTY || ret == -EINVAL)
		SKIP(return, "device does not implement the 7.1 MIG_PRECOPY_INFOv2 opt-in (PROBE: %s)",
		     strerror(-ret));
	ASSERT_EQ(0, ret) TH_LOG("PROBE of MIG_PRECOPY_INFOv2: %s", strerror(-ret));
	/* uAPI 7.1: SET with no data ("any supplied data is ignored"). */
	feat.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2;
	ret = ioctl(self->dev.fd, VFIO_DEVICE_FEATURE, &feat) ? -errno : 0;
	ASSERT_EQ(0, ret) TH_LOG("SET of MIG_PRECOPY_INFOv2 after a successful PROBE: %s",
				 strerror(-ret));

	fd = enter(_metadata, self, MIG_STATE(PRE_COPY));
	ret = vfm_precopy_info(fd, &info);
	ASSERT_EQ(0, ret) TH_LOG("VFIO_MIG_GET_PRECOPY_INFO: %s", strerror(-ret));
	RULE_EXPECT("precopy.v2-flags-output", info.flags == 0, "flags in 0x%x, out 0x%x%s",
		    POISON_FLAGS, info.flags,
		    info.flags & VFIO_PRECOPY_INFO_REINIT ? " (REINIT without a re-init)" : "");
	close(fd);
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

int main(int argc, char *argv[])
{
	selftest_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
