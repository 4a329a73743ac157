// SPDX-License-Identifier: GPL-2.0-only
/*
 * The conformance monitor of mock-vfio-pci: each rule broken on purpose,
 * alone, fires exactly that rule; the same steps done right fire nothing.
 * Needs two mock devices: "mock_monitor_test BDF_A BDF_B".  Both are given
 * migration_flags 7 while the test runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "mock.h"

static char bdfs[2][32];
static int nbdfs;

FIXTURE(two) {
	struct vfm_device a, b;
	char flags_a[32], flags_b[32];
};

FIXTURE_SETUP(two)
{
	self->a.fd = self->b.fd = -1;
	if (nbdfs < 2)
		SKIP(return, "needs two devices: mock_monitor_test BDF_A BDF_B");
	if (!vfm_mock_bound(bdfs[0]) || !vfm_mock_bound(bdfs[1]))
		SKIP(return, "%s and %s are not both bound to mock-vfio-pci", bdfs[0], bdfs[1]);
	ASSERT_EQ(0, vfm_mock_sysfs_read(bdfs[0], "migration_flags", self->flags_a, 32));
	ASSERT_EQ(0, vfm_mock_sysfs_read(bdfs[1], "migration_flags", self->flags_b, 32));
	ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[0], "migration_flags", "7"));
	ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[1], "migration_flags", "7"));
	/* One VM unless a test says otherwise. */
	ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[0], "group", "1"));
	ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[1], "group", "1"));
	ASSERT_EQ(0, vfm_device_open(bdfs[0], &self->a));
	ASSERT_EQ(0, vfm_device_open(bdfs[1], &self->b));
	vfm_mon_clear();
}

FIXTURE_TEARDOWN(two)
{
	if (self->a.fd >= 0)
		vfm_device_close(&self->a);
	if (self->b.fd >= 0)
		vfm_device_close(&self->b);
	if (nbdfs >= 2) {
		vfm_mock_sysfs_write(bdfs[0], "group", "0");
		vfm_mock_sysfs_write(bdfs[1], "group", "0");
		vfm_mock_sysfs_write(bdfs[0], "migration_flags", self->flags_a);
		vfm_mock_sysfs_write(bdfs[1], "migration_flags", self->flags_b);
	}
	vfm_mon_clear();
}

/* Exactly @rule fired, at least once, and nothing else. */
#define EXPECT_ONLY_RULE(rule) do {						\
	uint64_t n = mock_violations(rule), all = mock_violations("total");	\
	EXPECT_GE(n, 1) TH_LOG("rule %s did not fire", rule);			\
	EXPECT_EQ(n, all) TH_LOG("other rules fired too: %llu of %llu",		\
				 (unsigned long long)(all - n),		\
				 (unsigned long long)all);		\
} while (0)

#define EXPECT_NO_VIOLATION() \
	EXPECT_EQ(0, mock_violations("total"))

/*
 * The P-5 message is the longest the driver has (it names two devices and
 * two states): the last one in the violations ring arrives whole, every
 * field up to the end of the line.
 */
#define EXPECT_WHOLE_P5(target, initiator) do {					\
	char _buf[64 * 1024], *_l, _dev[32], _ini[32], _ist[16], _st[16];	\
	unsigned int _dropped;							\
	int _end = 0;								\
										\
	ASSERT_EQ(0, vfm_mock_debugfs_read(NULL, "violations", _buf, sizeof(_buf)));	\
	_l = strrchr(_buf, '\n');						\
	ASSERT_NE(NULL, _l);							\
	*_l = '\0';								\
	_l = strrchr(_buf, '\n') ? strrchr(_buf, '\n') + 1 : _buf;		\
	ASSERT_EQ(5, sscanf(_l, "%*u %*u %31s violation rule=P-5 p2p into a stopped device: " \
			    "initiator=%31s initiator_state=%15s state=%15s dropped=%u%n", \
			    _dev, _ini, _ist, _st, &_dropped, &_end)) TH_LOG("%s", _l);	\
	EXPECT_EQ(strlen(_l), (size_t)_end) TH_LOG("more after dropped=: %s", _l);	\
	EXPECT_STREQ(target, _dev);						\
	EXPECT_STREQ(initiator, _ini);						\
	EXPECT_STREQ("STOP", _st);						\
	EXPECT_GT(_dropped, 0);							\
} while (0)

static void set(struct __test_metadata *_metadata, struct vfm_device *dev,
		uint32_t state, int *fd)
{
	ASSERT_EQ(0, vfm_set_state(dev, state, fd)) TH_LOG("%s -> %s", dev->bdf,
							   vfm_state_name(state));
}

static void p2p(const struct vfm_device *from, const struct vfm_device *to, uint32_t rate)
{
	mock_wr(from, MOCK_REG_P2P_WIN_OFF, 0);
	mock_wr(from, MOCK_REG_P2P_WIN_SIZE, 65536);
	mock_wr(from, MOCK_REG_P2P_PEER, mock_rd(to, MOCK_REG_FABRIC_ID));
	mock_wr(from, MOCK_REG_P2P_RATE, rate);
}

/* The two-phase stop and start (QEMU's practice) fire nothing. */
TEST_F(two, two_phase_stop_and_start_clean)
{
	p2p(&self->a, &self->b, 20000);
	p2p(&self->b, &self->a, 20000);
	usleep(100 * 1000);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	set(_metadata, &self->b, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_STOP, NULL);
	set(_metadata, &self->b, VFIO_DEVICE_STATE_STOP, NULL);
	usleep(100 * 1000);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	set(_metadata, &self->b, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING, NULL);
	set(_metadata, &self->b, VFIO_DEVICE_STATE_RUNNING, NULL);
	EXPECT_NO_VIOLATION();
	EXPECT_GT(mock_rd(&self->a, MOCK_REG_P2P_TX), 0);
	EXPECT_EQ(0, mock_rd(&self->a, MOCK_REG_P2P_DROPPED));
	EXPECT_EQ(0, mock_rd(&self->b, MOCK_REG_P2P_DROPPED));
}

/* P-1: B stops while A, in the same VM, still runs. */
TEST_F(two, p1_stop_while_peer_running)
{
	set(_metadata, &self->b, VFIO_DEVICE_STATE_STOP, NULL);
	EXPECT_ONLY_RULE("P-1");
}

/* P-2: A runs again while B, in the same VM, is still stopped. */
TEST_F(two, p2_run_while_peer_stopped)
{
	set(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	set(_metadata, &self->b, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_STOP, NULL);
	set(_metadata, &self->b, VFIO_DEVICE_STATE_STOP, NULL);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING, NULL);
	EXPECT_ONLY_RULE("P-2");
}

/* P-5: P2P into a stopped device (another VM, so P-1 stays quiet). */
TEST_F(two, p5_p2p_into_stopped_device)
{
	ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[1], "group", "2"));
	set(_metadata, &self->b, VFIO_DEVICE_STATE_STOP, NULL);
	p2p(&self->a, &self->b, 20000);
	usleep(200 * 1000);
	/*
	 * Quiesce A (its own VM: no P-1) so no P-5 lands between the reads
	 * of the rule's counter and the total.
	 */
	set(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	EXPECT_GT(mock_rd(&self->a, MOCK_REG_P2P_DROPPED), 0);
	EXPECT_ONLY_RULE("P-5");
	EXPECT_WHOLE_P5(bdfs[1], bdfs[0]);
}

/*
 * P2P into a device nobody has open is dropped (the device is not active),
 * but its state still reads RUNNING: no migration lost that data, so no P-5.
 */
TEST_F(two, p2p_into_closed_device_is_no_violation)
{
	uint32_t peer = mock_rd(&self->b, MOCK_REG_FABRIC_ID);

	ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[1], "group", "2"));
	vfm_device_close(&self->b);
	self->b.fd = -1;
	mock_wr(&self->a, MOCK_REG_P2P_WIN_OFF, 0);
	mock_wr(&self->a, MOCK_REG_P2P_WIN_SIZE, 65536);
	mock_wr(&self->a, MOCK_REG_P2P_PEER, peer);
	mock_wr(&self->a, MOCK_REG_P2P_RATE, 20000);
	usleep(200 * 1000);
	EXPECT_GT(mock_rd(&self->a, MOCK_REG_P2P_DROPPED), 0);
	EXPECT_NO_VIOLATION();
}

/* U-9: reading the saving data_fd after its session ended. */
TEST_F(two, u9_read_after_session)
{
	char buf[4096];
	int fd;

	ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[0], "group", "3"));
	set(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING, NULL);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	close(fd);
	EXPECT_ONLY_RULE("U-9");
}

/* U-8: an old data_fd used while a newer session is live. */
TEST_F(two, u8_old_fd_while_new_session)
{
	int old, fd;
	char c;

	ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[0], "group", "3"));
	set(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &old);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING, NULL);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	EXPECT_EQ(-1, read(old, &c, 1));
	close(old);
	close(fd);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING, NULL);
	EXPECT_ONLY_RULE("U-8");
}

/* U-10: VFIO_MIG_GET_PRECOPY_INFO in STOP_COPY. */
TEST_F(two, u10_precopy_info_in_stop_copy)
{
	struct vfio_precopy_info info = {};
	void *buf = NULL;
	size_t len = 0;
	int fd;

	ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[0], "group", "3"));
	set(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_STOP_COPY, NULL);
	EXPECT_EQ(-EINVAL, vfm_precopy_info(fd, &info));
	EXPECT_EQ(0, vfm_read_all(fd, &buf, &len));
	set(_metadata, &self->a, VFIO_DEVICE_STATE_STOP, NULL);
	close(fd);
	free(buf);
	EXPECT_ONLY_RULE("U-10");
}

/* U-11: leaving STOP_COPY before the stream's end. */
TEST_F(two, u11_stop_copy_left_early)
{
	char buf[4096];
	int fd;

	ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[0], "group", "3"));
	set(_metadata, &self->a, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	EXPECT_EQ(sizeof(buf), read(fd, buf, sizeof(buf)));
	set(_metadata, &self->a, VFIO_DEVICE_STATE_STOP, NULL);
	close(fd);
	EXPECT_ONLY_RULE("U-11");
}

/* U-14: leaving RESUMING with an incomplete stream. */
TEST_F(two, u14_resuming_left_incomplete)
{
	int fd;

	ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[0], "group", "3"));
	set(_metadata, &self->a, VFIO_DEVICE_STATE_RESUMING, &fd);
	EXPECT_EQ(-ENODATA, vfm_set_state(&self->a, VFIO_DEVICE_STATE_STOP, NULL));
	close(fd);
	ASSERT_EQ(0, vfm_reset(&self->a));
	EXPECT_ONLY_RULE("U-14");
}

/* S-2: pre-copy left through STOP, then a fresh STOP_COPY stream. */
TEST_F(two, s2_precopy_restarted_through_stop)
{
	void *buf = NULL;
	size_t len = 0;
	int fd;

	ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[0], "group", "3"));
	set(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_STOP, NULL);
	close(fd);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	EXPECT_EQ(0, vfm_read_all(fd, &buf, &len));
	set(_metadata, &self->a, VFIO_DEVICE_STATE_STOP, NULL);
	close(fd);
	free(buf);
	EXPECT_ONLY_RULE("S-2");
}

/*
 * A's STOP_COPY stream committed by B, each in its own VM unless
 * @one_vm; B then runs first (@dst_first) or A does, and B is reset before
 * A runs again if @reset_dst.  Leaves both as the test left them.
 */
static void migrate_then_run_both(struct __test_metadata *_metadata, FIXTURE_DATA(two) *self,
				  bool one_vm, bool dst_first, bool reset_dst)
{
	void *buf = NULL;
	size_t len = 0;
	int fd;

	ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[0], "group", "41"));
	ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[1], "group", one_vm ? "41" : "42"));
	set(_metadata, &self->a, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	ASSERT_EQ(0, vfm_read_all(fd, &buf, &len));
	set(_metadata, &self->a, VFIO_DEVICE_STATE_STOP, NULL);
	close(fd);
	set(_metadata, &self->b, VFIO_DEVICE_STATE_RESUMING, &fd);
	ASSERT_EQ(0, vfm_write_all(fd, buf, len, 0));
	set(_metadata, &self->b, VFIO_DEVICE_STATE_STOP, NULL);
	close(fd);
	free(buf);
	if (dst_first) {
		set(_metadata, &self->b, VFIO_DEVICE_STATE_RUNNING, NULL);
		if (reset_dst)
			ASSERT_EQ(0, vfm_reset(&self->b));
		set(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING, NULL);
	} else {
		set(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING, NULL);
		set(_metadata, &self->b, VFIO_DEVICE_STATE_RUNNING, NULL);
	}
}

/* the source runs on after the destination started (a cancel too late). */
TEST_F(two, x1_source_runs_after_destination_started)
{
	migrate_then_run_both(_metadata, self, false, true, false);
	EXPECT_ONLY_RULE("X-1");
	EXPECT_EQ(1, mock_violations("X-1"));
}

/* X-1 the other way: the destination starts while the source runs again. */
TEST_F(two, x1_destination_starts_while_source_runs)
{
	migrate_then_run_both(_metadata, self, false, false, false);
	EXPECT_ONLY_RULE("X-1");
}

/* A destination reset before the source runs again holds no migrated state. */
TEST_F(two, x1_not_after_destination_reset)
{
	migrate_then_run_both(_metadata, self, false, true, true);
	EXPECT_NO_VIOLATION();
}

/*
 * A device saved and restored within one VM (a checkpoint) is no split
 * brain.  (The steps stop and start the two without a P2P phase, which
 * within one VM is P-1 and P-2: only X-1 is looked at.)
 */
TEST_F(two, x1_not_within_one_vm)
{
	migrate_then_run_both(_metadata, self, true, true, false);
	EXPECT_EQ(0, mock_violations("X-1"));
}

/* Every event is logged: arcs, data_fd operations and P2P traffic. */
TEST_F(two, event_log_records_arcs_data_and_p2p)
{
	char *log = malloc(1 << 20);
	void *buf = NULL;
	size_t len = 0;
	int fd;

	ASSERT_NE(NULL, log);
	p2p(&self->a, &self->b, 20000);
	usleep(100 * 1000);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	set(_metadata, &self->b, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	EXPECT_EQ(0, vfm_read_all(fd, &buf, &len));
	ASSERT_EQ(0, vfm_mock_debugfs_read(NULL, "events", log, 1 << 20));
	EXPECT_NE(NULL, strstr(log, "arc from=RUNNING to=RUNNING_P2P ret=0"));
	EXPECT_NE(NULL, strstr(log, "arc from=STOP to=STOP_COPY ret=0"));
	EXPECT_NE(NULL, strstr(log, " read len="));
	EXPECT_NE(NULL, strstr(log, " p2p peer="));
	close(fd);
	free(buf);
	free(log);
}

/* Per-device and global counters count a violation; clear zeroes them. */
TEST_F(two, counters_per_device_and_clear)
{
	char *buf = malloc(1 << 20);

	ASSERT_NE(NULL, buf);
	set(_metadata, &self->b, VFIO_DEVICE_STATE_STOP, NULL);	/* P-1, against B */
	EXPECT_ONLY_RULE("P-1");
	ASSERT_EQ(0, vfm_mock_debugfs_read(bdfs[1], "violations", buf, 64));
	EXPECT_EQ(mock_violations("total"), strtoull(buf, NULL, 10)) TH_LOG("B: %s", buf);
	ASSERT_EQ(0, vfm_mock_debugfs_read(bdfs[0], "violations", buf, 64));
	EXPECT_EQ(0, strtoull(buf, NULL, 10)) TH_LOG("A: %s", buf);
	ASSERT_EQ(0, vfm_mock_debugfs_read(NULL, "violations", buf, 1 << 20));
	EXPECT_NE(NULL, strstr(buf, "violation rule=P-1 state=STOP"));
	EXPECT_NE(NULL, strstr(buf, bdfs[1]));

	vfm_mon_clear();
	EXPECT_EQ(0, mock_violations("total"));
	EXPECT_EQ(0, mock_violations("P-1"));
	ASSERT_EQ(0, vfm_mock_debugfs_read(bdfs[1], "violations", buf, 64));
	EXPECT_EQ(0, strtoull(buf, NULL, 10)) TH_LOG("B after clear: %s", buf);
	ASSERT_EQ(0, vfm_mock_debugfs_read(NULL, "violations", buf, 1 << 20));
	EXPECT_STREQ("", buf);
	ASSERT_EQ(0, vfm_mock_debugfs_read(NULL, "events", buf, 1 << 20));
	EXPECT_EQ(NULL, strstr(buf, "violation"));
	free(buf);
}

/* sysfs fabric_id is the FABRIC_ID register, the address P2P_PEER takes. */
TEST_F(two, sysfs_fabric_id_is_the_p2p_address)
{
	char id[2][32];
	uint64_t reg[2];
	int i;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, vfm_mock_sysfs_read(bdfs[i], "fabric_id", id[i], sizeof(id[i])));
		reg[i] = mock_rd(i ? &self->b : &self->a, MOCK_REG_FABRIC_ID);
		EXPECT_EQ(reg[i], strtoull(id[i], NULL, 10)) TH_LOG("%s: sysfs %s", bdfs[i], id[i]);
		EXPECT_NE(0, reg[i]);
	}
	EXPECT_NE(reg[0], reg[1]);
	/* Writes addressed to B's sysfs id land in B. */
	mock_wr(&self->a, MOCK_REG_P2P_WIN_OFF, 0);
	mock_wr(&self->a, MOCK_REG_P2P_WIN_SIZE, 65536);
	mock_wr(&self->a, MOCK_REG_P2P_PEER, strtoull(id[1], NULL, 10));
	mock_wr(&self->a, MOCK_REG_P2P_RATE, 20000);
	usleep(200 * 1000);
	set(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);	/* quiesced */
	EXPECT_GT(mock_rd(&self->b, MOCK_REG_P2P_RX), 0);
	EXPECT_EQ(mock_rd(&self->a, MOCK_REG_P2P_TX), mock_rd(&self->b, MOCK_REG_P2P_RX));
	EXPECT_NO_VIOLATION();
}

#define TRACEFS "/sys/kernel/tracing"

static int put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* Lines of @buf that contain @what. */
static int count_lines(const char *buf, const char *what)
{
	const char *p = buf;
	int n = 0;

	while ((p = strstr(p, what))) {
		n++;
		p = strchr(p, '\n');
		if (!p)
			break;
	}
	return n;
}

/*
 * The tracepoints under events/mock_vfio_pci are the one source of events:
 * they record arcs, SETs and faults with their states by name, and the
 * event ring holds exactly the events the tracepoints fired.
 */
TEST_F(two, tracepoints_are_the_event_source)
{
	char *buf = malloc(1 << 20), *ring = malloc(1 << 20), want[160];
	int fd, traced, ringed;
	ssize_t n, got = 0;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, ring);
	if (access(TRACEFS "/events", F_OK)) {
		free(buf);
		free(ring);
		SKIP(return, "tracefs is not mounted at " TRACEFS);
	}
	ASSERT_EQ(0, access(TRACEFS "/events/mock_vfio_pci/enable", F_OK))
		TH_LOG("no " TRACEFS "/events/mock_vfio_pci: the module has no tracepoints");
	ASSERT_EQ(0, put(TRACEFS "/trace", ""));	/* empty the buffer */
	ASSERT_EQ(0, put(TRACEFS "/events/mock_vfio_pci/enable", "1"));
	vfm_mon_clear();
	set(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdfs[0], "fail_arc", "RUNNING_P2P STOP EIO 1"));
	EXPECT_EQ(-EIO, vfm_set_state(&self->a, VFIO_DEVICE_STATE_STOP, NULL));
	ASSERT_EQ(0, vfm_mock_debugfs_read(NULL, "events", ring, 1 << 20));
	put(TRACEFS "/events/mock_vfio_pci/enable", "0");
	vfm_mock_debugfs_write(bdfs[0], "fail_arc", "off");

	fd = open(TRACEFS "/trace", O_RDONLY);
	ASSERT_LE(0, fd);
	while (got < (1 << 20) - 1 && (n = read(fd, buf + got, (1 << 20) - 1 - got)) > 0)
		got += n;
	buf[got] = '\0';
	close(fd);
	snprintf(want, sizeof(want), "mock_arc: %s from=RUNNING to=RUNNING_P2P ret=0", bdfs[0]);
	EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("no \"%s\" in the trace", want);
	snprintf(want, sizeof(want), "mock_arc: %s from=RUNNING_P2P to=STOP ret=-5", bdfs[0]);
	EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("no \"%s\" in the trace", want);
	snprintf(want, sizeof(want), "mock_set: %s from=RUNNING_P2P to=STOP ret=-5", bdfs[0]);
	EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("no \"%s\" in the trace", want);
	snprintf(want, sizeof(want), "mock_fault: %s arc from=RUNNING_P2P to=STOP errno=-5",
		 bdfs[0]);
	EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("no \"%s\" in the trace", want);

	/* Every event line of the ring has its tracepoint line, and no more. */
	traced = count_lines(buf, ": mock_");
	ringed = count_lines(ring, " ");
	EXPECT_EQ(ringed, traced) TH_LOG("ring:\n%s\ntrace:\n%s", ring, buf);
	EXPECT_GE(traced, 5);	/* 2 arcs, 2 SETs, 1 fault */
	free(buf);
	free(ring);
}

int main(int argc, char *argv[])
{
	nbdfs = mock_get_bdfs(&argc, argv, bdfs, 2);
	return test_harness_run(argc, argv);
}
