// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection of mock-vfio-pci: every knob fires, is logged as a
 * "fault" event, and the device then behaves as the uAPI requires.  Needs
 * two mock devices: "mock_faults_test SRC DST" (both get migration_flags 7
 * and 256 KiB of memory while the test runs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "mock.h"

#define SMALL_MEM	"262144"

static char bdfs[2][32];
static int nbdfs;

FIXTURE(faults) {
	struct vfm_device src, dst;
	char old[2][2][32];	/* [device][flags, mem_size] */
};

static const char *const attrs[2] = { "migration_flags", "mem_size" };
static const char *const values[2] = { "7", SMALL_MEM };

FIXTURE_SETUP(faults)
{
	int d, a;

	self->src.fd = self->dst.fd = -1;
	if (nbdfs < 2)
		SKIP(return, "needs two devices: mock_faults_test SRC DST");
	if (!vfm_mock_bound(bdfs[0]) || !vfm_mock_bound(bdfs[1]))
		SKIP(return, "%s and %s are not both bound to mock-vfio-pci", bdfs[0], bdfs[1]);
	for (d = 0; d < 2; d++) {
		for (a = 0; a < 2; a++) {
			ASSERT_EQ(0, vfm_mock_sysfs_read(bdfs[d], attrs[a], self->old[d][a], 32));
			ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[d], attrs[a], values[a]));
		}
		ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[d], "group", d ? "12" : "11"));
	}
	ASSERT_EQ(0, vfm_device_open(bdfs[0], &self->src));
	ASSERT_EQ(0, vfm_device_open(bdfs[1], &self->dst));
	vfm_mon_clear();
}

FIXTURE_TEARDOWN(faults)
{
	static const char *const off[][2] = {
		{ "fail_arc", "off" }, { "corrupt", "off" }, { "arc_delay_ms", "0" },
		{ "read_delay_ms", "0" }, { "short_read", "0" }, { "no_converge", "0" },
		{ "reject_resume", "0" }, { "fail_data/probability", "0" },
	};
	int d, a;
	size_t i;

	if (self->src.fd >= 0)
		vfm_device_close(&self->src);
	if (self->dst.fd >= 0)
		vfm_device_close(&self->dst);
	for (d = 0; d < nbdfs && d < 2; d++) {
		for (i = 0; i < sizeof(off) / sizeof(off[0]); i++)
			vfm_mock_debugfs_write(bdfs[d], off[i][0], off[i][1]);
		for (a = 0; a < 2; a++)
			vfm_mock_sysfs_write(bdfs[d], attrs[a], self->old[d][a]);
		vfm_mock_sysfs_write(bdfs[d], "group", "0");
	}
	vfm_mon_clear();
}

static char log_buf[1 << 20];

static bool fault_logged(const char *what)
{
	return !vfm_mock_debugfs_read(NULL, "events", log_buf, sizeof(log_buf)) &&
	       strstr(log_buf, what);
}

/* How many event lines of device @bdf contain @what. */
static int events_of(const char *bdf, const char *what)
{
	char *line, *save = NULL;
	int n = 0;

	if (vfm_mock_debugfs_read(NULL, "events", log_buf, sizeof(log_buf)))
		return -1;
	for (line = strtok_r(log_buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, bdf) && strstr(line, what))
			n++;
	return n;
}

/* The fail_arc knob as it reads back. */
static const char *fail_arc_shows(const char *bdf)
{
	static char buf[128];

	if (vfm_mock_debugfs_read(bdf, "fail_arc", buf, sizeof(buf)))
		return "(unreadable)";
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* mock_load() in one write, the first error of the writes or the SET. */
static int load(const struct vfm_device *dev, const void *buf, size_t len)
{
	int werr, ret = mock_load(dev, buf, len, 0, &werr);

	return werr ? -werr : ret;
}

/* An arc fails once with the injected errno; the state stays valid. */
TEST_F(faults, fail_arc_once)
{
	uint32_t s;

	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "fail_arc", "RUNNING PRE_COPY EIO 1"));
	EXPECT_EQ(-EIO, vfm_set_state(&self->src, VFIO_DEVICE_STATE_PRE_COPY, NULL));
	s = mock_state_of(&self->src);
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, s);
	EXPECT_TRUE(fault_logged("fault arc from=RUNNING to=PRE_COPY errno=-5"));
	EXPECT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_PRE_COPY, NULL));
}

/*
 * With "error" the device is left in ERROR; only reset leaves it.  Entering
 * ERROR ends the open session (its data_fd is dead) and freezes the device.
 */
TEST_F(faults, fail_arc_into_error)
{
	uint64_t digest;
	char c;
	int fd;

	mock_workload(&self->src, 3, 2000);
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "fail_arc",
					"PRE_COPY_P2P STOP_COPY ETIMEDOUT 1 error"));
	ASSERT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_PRE_COPY, &fd));
	EXPECT_EQ(-ETIMEDOUT, vfm_set_state(&self->src, VFIO_DEVICE_STATE_STOP_COPY, NULL));
	EXPECT_EQ(VFIO_DEVICE_STATE_ERROR, mock_state_of(&self->src));
	EXPECT_EQ(1, events_of(bdfs[0],
			       "fault arc from=PRE_COPY_P2P to=STOP_COPY errno=-110 error"));
	EXPECT_EQ(1, events_of(bdfs[0], "arc from=PRE_COPY_P2P to=STOP_COPY ret=-110"));
	EXPECT_EQ(-1, read(fd, &c, 1));
	EXPECT_EQ(ENODEV, errno);
	close(fd);
	digest = mock_rd(&self->src, MOCK_REG_DIGEST);
	usleep(100 * 1000);	/* the workload would dirty ~200 pages */
	EXPECT_EQ(digest, mock_rd(&self->src, MOCK_REG_DIGEST)) TH_LOG("runs in ERROR");
	EXPECT_EQ(-EINVAL, vfm_set_state(&self->src, VFIO_DEVICE_STATE_RUNNING, NULL));
	EXPECT_EQ(VFIO_DEVICE_STATE_ERROR, mock_state_of(&self->src));
	ASSERT_EQ(0, vfm_reset(&self->src));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, mock_state_of(&self->src));
}

TEST_F(faults, arc_delay)
{
	struct timespec t0;

	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "arc_delay_ms", "150"));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_RUNNING_P2P, NULL));
	EXPECT_GE(ms_since(&t0), 150);
	EXPECT_EQ(1, events_of(bdfs[0], "fault arc_delay ms=150"));
}

/* FROM TO ERRNO COUNT: the arc fails COUNT times, then works. */
TEST_F(faults, fail_arc_count)
{
	int i;

	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "fail_arc", "RUNNING RUNNING_P2P EBUSY 3"));
	EXPECT_STREQ("RUNNING RUNNING_P2P 16 3", fail_arc_shows(bdfs[0]));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(-EBUSY, vfm_set_state(&self->src, VFIO_DEVICE_STATE_RUNNING_P2P, NULL))
			TH_LOG("failure %d of 3", i + 1);
		EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, mock_state_of(&self->src));
		if (i == 0)
			EXPECT_STREQ("RUNNING RUNNING_P2P 16 2", fail_arc_shows(bdfs[0]));
	}
	EXPECT_STREQ("off", fail_arc_shows(bdfs[0]));
	EXPECT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_RUNNING_P2P, NULL));
	EXPECT_EQ(3, events_of(bdfs[0], "fault arc from=RUNNING to=RUNNING_P2P errno=-16"));
}

/*
 * ANY matches every state, numbers are accepted for states and errnos (the
 * errno's sign is ignored), and fault arcs are kernel-level ones: a SET of
 * STOP from RUNNING fails at RUNNING_P2P->STOP, leaving RUNNING_P2P.
 */
TEST_F(faults, fail_arc_any_and_numbers)
{
	char arc[64];

	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "fail_arc", "ANY STOP 110 2"));
	EXPECT_STREQ("ANY STOP 110 2", fail_arc_shows(bdfs[0]));
	EXPECT_EQ(-ETIMEDOUT, vfm_set_state(&self->src, VFIO_DEVICE_STATE_STOP, NULL));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING_P2P, mock_state_of(&self->src));
	EXPECT_EQ(-ETIMEDOUT, vfm_set_state(&self->src, VFIO_DEVICE_STATE_STOP, NULL));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING_P2P, mock_state_of(&self->src));
	EXPECT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_STOP, NULL));
	EXPECT_EQ(2, events_of(bdfs[0], "fault arc from=RUNNING_P2P to=STOP errno=-110"));

	/* STOP (1) -> ANY, errno -71 (EPROTO): the first arc out of STOP fails. */
	snprintf(arc, sizeof(arc), "%u ANY -71", VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "fail_arc", arc));
	EXPECT_STREQ("STOP ANY 71 1", fail_arc_shows(bdfs[0]));
	EXPECT_EQ(-EPROTO, vfm_set_state(&self->src, VFIO_DEVICE_STATE_STOP_COPY, NULL));
	EXPECT_EQ(VFIO_DEVICE_STATE_STOP, mock_state_of(&self->src));
	EXPECT_EQ(1, events_of(bdfs[0], "fault arc from=STOP to=STOP_COPY errno=-71"));
	EXPECT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_RUNNING, NULL));
}

/*
 * "off" disarms; malformed commands are refused and change nothing; "error"
 * may follow ERRNO directly (COUNT 1).
 */
TEST_F(faults, fail_arc_off_and_malformed)
{
	static const char *const bad[] = {
		"RUNNING PRE_COPY", "NOWHERE PRE_COPY EIO", "RUNNING PRE_COPY ENOTANERRNO",
		"RUNNING PRE_COPY 0", "RUNNING PRE_COPY 4096", "RUNNING PRE_COPY EIO 1 2 3",
	};
	size_t i;

	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "fail_arc", "RUNNING PRE_COPY EIO 5"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, vfm_mock_debugfs_write(bdfs[0], "fail_arc", bad[i]))
			TH_LOG("\"%s\" accepted", bad[i]);
		EXPECT_STREQ("RUNNING PRE_COPY 5 5", fail_arc_shows(bdfs[0]));
	}
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "fail_arc", "RUNNING PRE_COPY EIO error"));
	EXPECT_STREQ("RUNNING PRE_COPY 5 1 error", fail_arc_shows(bdfs[0]));
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "fail_arc", "off"));
	EXPECT_STREQ("off", fail_arc_shows(bdfs[0]));
	EXPECT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_PRE_COPY, NULL));
	EXPECT_EQ(0, events_of(bdfs[0], "fault arc"));
}

TEST_F(faults, read_delay_and_short_read)
{
	static char buf[1 << 20];
	struct timespec t0;
	int fd;

	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "read_delay_ms", "100"));
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "short_read", "100"));
	ASSERT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_STOP_COPY, &fd));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(100, read(fd, buf, sizeof(buf)));
	EXPECT_GE(ms_since(&t0), 100);
	EXPECT_TRUE(fault_logged("fault short_read 100 of 1048576"));
	EXPECT_EQ(1, events_of(bdfs[0], "fault read_delay ms=100"));
	close(fd);
}

/*
 * fail_data, the kernel's fault-injection attributes: the first two read()s
 * of a saving data_fd fail with EIO and move nothing, so the stream read
 * after them is whole; likewise the first write() of a resuming one.
 */
TEST_F(faults, fail_data_from_the_kernel_framework)
{
	void *buf = NULL;	/* vfm_read_all() appends to what it is given */
	size_t len = 0;
	char byte;
	int fd, ret;

	ret = vfm_mock_debugfs_write(bdfs[0], "fail_data/probability", "100");
	if (ret == -ENOENT)
		SKIP(return, "no fail_data: the kernel has no CONFIG_FAULT_INJECTION_DEBUG_FS");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "fail_data/times", "2"));
	ASSERT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_STOP_COPY, &fd));
	EXPECT_EQ(-1, read(fd, &byte, 1));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(-1, read(fd, &byte, 1));
	EXPECT_EQ(EIO, errno);
	ASSERT_EQ(0, vfm_read_all(fd, &buf, &len));
	close(fd);
	ASSERT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_STOP, NULL));
	EXPECT_EQ(2, events_of(bdfs[0], "fault fail_data read errno=-5"));

	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[1], "fail_data/probability", "100"));
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[1], "fail_data/times", "1"));
	ASSERT_EQ(0, vfm_set_state(&self->dst, VFIO_DEVICE_STATE_RESUMING, &fd));
	EXPECT_EQ(-1, write(fd, buf, len));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(0, vfm_write_all(fd, buf, len, 0));
	EXPECT_EQ(0, vfm_set_state(&self->dst, VFIO_DEVICE_STATE_STOP, NULL))
		TH_LOG("the stream read after two failed read()s is whole");
	close(fd);
	EXPECT_EQ(1, events_of(bdfs[1], "fault fail_data write errno=-5"));
	vfm_mock_debugfs_write(bdfs[1], "fail_data/probability", "0");
	free(buf);
}

/* read_delay_ms also delays each write() of a resuming data_fd. */
TEST_F(faults, write_delay)
{
	struct timespec t0;
	size_t len;
	void *buf;
	int n;

	ASSERT_EQ(0, mock_save(&self->src, &buf, &len));
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[1], "read_delay_ms", "100"));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(0, load(&self->dst, buf, len));
	EXPECT_GE(ms_since(&t0), 100);
	n = events_of(bdfs[1], "fault write_delay ms=100");
	EXPECT_GE(n, 1);
	EXPECT_EQ(n, events_of(bdfs[1], " write len="))
		TH_LOG("one delay per write()");
	EXPECT_EQ(0, events_of(bdfs[0], "_delay"));
	free(buf);
}

/* A flipped bit is caught by the destination's checksums. */
TEST_F(faults, corrupt_flip_rejected_by_destination)
{
	size_t len;
	void *buf;

	/* Into the first PAGE payload: after HEADER, SOURCE and a record header. */
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "corrupt", "flip 300"));
	ASSERT_EQ(0, mock_save(&self->src, &buf, &len));
	EXPECT_TRUE(fault_logged("fault corrupt flip offset=300"));
	EXPECT_EQ(-EBADMSG, load(&self->dst, buf, len));
	ASSERT_EQ(0, vfm_reset(&self->dst));
	free(buf);
}

/* A truncated stream ends with EOF early; the destination refuses it. */
TEST_F(faults, corrupt_truncate_rejected_by_destination)
{
	size_t len;
	void *buf;

	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "corrupt", "truncate 10000"));
	ASSERT_EQ(0, mock_save(&self->src, &buf, &len));
	EXPECT_EQ(10000, len);
	EXPECT_GE(events_of(bdfs[0], "fault corrupt truncate offset=10000"), 1);
	EXPECT_EQ(-ENODATA, load(&self->dst, buf, len));
	ASSERT_EQ(0, vfm_reset(&self->dst));
	free(buf);
}

/* Pre-copy that never converges: dirty data never runs out. */
TEST_F(faults, no_converge)
{
	static char buf[1 << 20];
	struct vfio_precopy_info info = {};
	int fd, round;

	mock_workload(&self->src, 5, 2000);
	ASSERT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_PRE_COPY, &fd));
	while (read(fd, buf, sizeof(buf)) > 0)
		;	/* the initial data */
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "no_converge", "1"));
	usleep(100 * 1000);	/* the workload dirties a few pages */
	for (round = 0; round < 20; round++) {
		ssize_t n = read(fd, buf, sizeof(buf));

		ASSERT_GT(n, 0) TH_LOG("round %d: pre-copy ran dry (%s)", round,
				       n < 0 ? strerror(errno) : "0");
	}
	ASSERT_EQ(0, vfm_precopy_info(fd, &info));
	EXPECT_GT(info.dirty_bytes, 0);
	/* Once per read() it acts in: not before it was set, then each round. */
	EXPECT_GE(events_of(bdfs[0], "fault no_converge"), 20);
	close(fd);
}

/* The destination refuses an otherwise good stream; reset recovers. */
TEST_F(faults, reject_resume)
{
	uint64_t digest;
	size_t len;
	void *buf;

	digest = mock_rd(&self->src, MOCK_REG_DIGEST);
	ASSERT_EQ(0, mock_save(&self->src, &buf, &len));
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[1], "reject_resume", "1"));
	EXPECT_EQ(-EREMOTEIO, load(&self->dst, buf, len));
	EXPECT_EQ(VFIO_DEVICE_STATE_RESUMING, mock_state_of(&self->dst));
	EXPECT_TRUE(fault_logged("fault reject_resume"));
	ASSERT_EQ(0, vfm_reset(&self->dst));
	EXPECT_EQ(0, load(&self->dst, buf, len));	/* one shot */
	EXPECT_EQ(digest, mock_rd(&self->dst, MOCK_REG_DIGEST));
	free(buf);
}

/* REINIT from debugfs, as if the device did it during PRE_COPY. */
TEST_F(faults, reinit_from_debugfs)
{
	static char buf[1 << 20];
	struct vfio_precopy_info info = {};
	int fd;

	ASSERT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_PRE_COPY, &fd));
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	ASSERT_EQ(0, vfm_precopy_info(fd, &info));
	ASSERT_EQ(0, info.initial_bytes + info.dirty_bytes);
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "reinit", "1"));
	ASSERT_EQ(0, vfm_precopy_info(fd, &info));
	EXPECT_GT(info.dirty_bytes, 0);		/* no v2 opt-in: reported as dirty */
	EXPECT_EQ(1, events_of(bdfs[0], "fault reinit"));
	/* From STOP_COPY on, the device is stopped and nothing is tracked. */
	ASSERT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_STOP_COPY, NULL));
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "reinit", "1"));
	EXPECT_EQ(1, events_of(bdfs[0], "fault reinit"));
	close(fd);
}

int main(int argc, char *argv[])
{
	nbdfs = mock_get_bdfs(&argc, argv, bdfs, 2);
	return test_harness_run(argc, argv);
}
