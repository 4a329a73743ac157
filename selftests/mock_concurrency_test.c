// SPDX-License-Identifier: GPL-2.0-only
/*
 * P2P traffic, VFIO_DEVICE_RESET, SET_STATE and the monitor, all at once, on
 * two to four mock devices: "mock_concurrency_test BDF BDF [BDF BDF]" (each
 * gets migration_flags 7, 256 KiB of memory and group 61 while it runs).
 *
 * The devices write into each other in a ring through the P2P fabric while,
 * for MOCK_CONC_SECS seconds (default 4, at most 60):
 *
 *   arc ×N   one thread per device walks a cycle of states (RUNNING_P2P,
 *            PRE_COPY_P2P, PRE_COPY, PRE_COPY_P2P, STOP_COPY, STOP,
 *            RESUMING, STOP, RUNNING_P2P, RUNNING, PRE_COPY, RUNNING),
 *            reading the saving data_fds and loading the last complete
 *            stream it saved into RESUMING;
 *   reset    VFIO_DEVICE_RESET of a random device every few milliseconds;
 *   wire     programs the P2P ring, and the workload, again and again (a
 *            reset clears them);
 *   monitor  reads events, violations, counters and each device's
 *            violations in debugfs, and writes clear every few rounds.
 *
 * The devices share one VM (group), so the random order breaks P-1, P-2,
 * P-5, U-11, U-14 and so on: the monitor fires violations all the time,
 * which is the point (its lock under the fabric's and the devices' locks).
 * Their number is not checked.  What is checked:
 *   - no thread hangs: every one returns within MOCK_CONC_HANG_SECS (default
 *     30) of the stop request, else the test fails naming its operation;
 *   - SET fails only with the errnos a racing reset or an incomplete stream
 *     explains (those of migration_stress_test), GET never fails, reset only
 *     with EAGAIN;
 *   - P2P batches were delivered (p2p events in the log) and every thread
 *     made progress;
 *   - afterwards every device resets to RUNNING, a save of the first device
 *     loads into the second with an equal digest, and after clear every
 *     counter and every device's violations read 0.
 * On the debug kernel the real check is that lockdep and KASAN stay silent:
 * run-in-vm fails the run on any splat.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "mock.h"
#include "selftest.h"

#define MAX_DEVS	4
#define SMALL_MEM	"262144"
#define GROUP		"61"
#define STREAM_MAX	(4u << 20)

static char bdfs[MAX_DEVS][32];
static int nbdfs;

struct conc;

struct worker {
	struct conc *c;
	int idx;			/* device, for the arc threads */
	pthread_t tid;
	bool started;
	const char *_Atomic op;		/* what it is doing now */
	atomic_long ops;
	atomic_long bad;		/* unexpected results */
	char why[160];			/* the first of them */
	unsigned int seed;
};

struct conc {
	struct vfm_device *dev;
	int n;
	atomic_bool stop;
	atomic_long p2p_events, resets, clears, loads;
	struct worker arc[MAX_DEVS], reset, wire, monitor;
};

FIXTURE(conc) {
	struct vfm_device dev[MAX_DEVS];
	char old[MAX_DEVS][2][32];	/* migration_flags, mem_size */
	int n;
};

static const char *const attrs[2] = { "migration_flags", "mem_size" };
static const char *const values[2] = { "7", SMALL_MEM };

FIXTURE_SETUP(conc)
{
	int i, a;

	for (i = 0; i < MAX_DEVS; i++)
		self->dev[i].fd = -1;
	self->n = nbdfs;
	if (nbdfs < 2)
		SKIP(return, "needs two to four devices: mock_concurrency_test BDF BDF...");
	for (i = 0; i < nbdfs; i++)
		if (!vfm_mock_bound(bdfs[i]))
			SKIP(return, "%s is not bound to mock-vfio-pci", bdfs[i]);
	for (i = 0; i < nbdfs; i++) {
		for (a = 0; a < 2; a++) {
			ASSERT_EQ(0, vfm_mock_sysfs_read(bdfs[i], attrs[a], self->old[i][a], 32));
			ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[i], attrs[a], values[a]));
		}
		ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[i], "group", GROUP));
		ASSERT_EQ(0, vfm_device_open(bdfs[i], &self->dev[i]));
	}
	vfm_mon_clear();
}

FIXTURE_TEARDOWN(conc)
{
	int i, a;

	for (i = 0; i < nbdfs; i++) {
		if (self->dev[i].fd >= 0)
			vfm_device_close(&self->dev[i]);
		for (a = 0; a < 2; a++)
			if (self->old[i][a][0])
				vfm_mock_sysfs_write(bdfs[i], attrs[a], self->old[i][a]);
		vfm_mock_sysfs_write(bdfs[i], "group", "0");
	}
	vfm_mon_clear();
}

static void bad(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&w->bad, 1) == 0) {
		va_start(ap, fmt);
		vsnprintf(w->why, sizeof(w->why), fmt, ap);
		va_end(ap);
	}
}

static bool errno_in(int err, const int *ok)
{
	for (; *ok; ok++)
		if (err == *ok)
			return true;
	return false;
}

/*
 * SET may fail when a reset moved the device meanwhile (EINVAL: the arc no
 * longer exists) or a RESUMING->STOP meets an incomplete or mixed stream.
 */
static const int set_ok[] = { EINVAL, EIO, ENODATA, EREMOTEIO, EBADMSG, EPROTO, ENOMEM,
			      ETIMEDOUT, ENODEV, 0 };

/* Read @fd into @buf until EOF (0), an error (-errno) or @max bytes (-EFBIG). */
static int drain(int fd, uint8_t *buf, size_t max, size_t *len)
{
	*len = 0;
	while (*len < max) {
		size_t want = max - *len < 65536 ? max - *len : 65536;
		ssize_t n = read(fd, buf + *len, want);

		if (n == 0)
			return 0;
		if (n < 0)
			return -errno;
		*len += n;
	}
	return -EFBIG;
}

/*
 * One device's cycle.  A saving session's bytes are kept from its first
 * read; a session read to EOF without an error (no reset ended it) is a
 * complete stream, loaded at the next RESUMING.
 */
static void *arc_thread(void *arg)
{
	static const uint32_t cycle[] = {
		VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_PRE_COPY_P2P,
		VFIO_DEVICE_STATE_PRE_COPY, VFIO_DEVICE_STATE_PRE_COPY_P2P,
		VFIO_DEVICE_STATE_STOP_COPY, VFIO_DEVICE_STATE_STOP,
		VFIO_DEVICE_STATE_RESUMING, VFIO_DEVICE_STATE_STOP,
		VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_RUNNING,
		VFIO_DEVICE_STATE_PRE_COPY, VFIO_DEVICE_STATE_RUNNING,
	};
	struct worker *w = arg;
	struct vfm_device *dev = &w->c->dev[w->idx];
	uint8_t *stream = malloc(STREAM_MAX), *sess = malloc(STREAM_MAX);
	size_t stream_len = 0, sess_len = 0, len;
	bool sess_ok = false, loading = false;
	unsigned int i = 0;
	int fd = -1, ret;

	if (!stream || !sess) {
		bad(w, "out of memory");
		goto out;
	}
	while (!atomic_load(&w->c->stop)) {
		uint32_t to = cycle[i++ % (sizeof(cycle) / sizeof(cycle[0]))], state;
		int nfd = -1;

		w->op = "SET";
		ret = vfm_set_state(dev, to, &nfd);
		if (ret && !errno_in(-ret, set_ok))
			bad(w, "SET %s: %s", vfm_state_name(to), strerror(-ret));
		if (nfd >= 0) {
			if (fd >= 0)
				close(fd);
			fd = nfd;
			sess_len = 0;
			sess_ok = true;
		}
		if (!ret && to == VFIO_DEVICE_STATE_STOP && loading)
			atomic_fetch_add(&w->c->loads, 1);
		loading = false;
		w->op = "GET";
		ret = vfm_get_state(dev, &state);
		if (ret)
			bad(w, "GET: %s", strerror(-ret));
		atomic_fetch_add(&w->ops, 1);
		if (ret || state != to || fd < 0)
			continue;
		switch (to) {
		case VFIO_DEVICE_STATE_PRE_COPY:
		case VFIO_DEVICE_STATE_PRE_COPY_P2P:
			w->op = "read(PRE_COPY)";
			ret = drain(fd, sess + sess_len, STREAM_MAX - sess_len, &len);
			sess_len += len;
			if (ret != -ENOMSG)
				sess_ok = false;
			break;
		case VFIO_DEVICE_STATE_STOP_COPY:
			w->op = "read(STOP_COPY)";
			ret = drain(fd, sess + sess_len, STREAM_MAX - sess_len, &len);
			sess_len += len;
			if (!ret && sess_ok) {
				memcpy(stream, sess, sess_len);
				stream_len = sess_len;
			}
			sess_ok = false;
			break;
		case VFIO_DEVICE_STATE_RESUMING:
			w->op = "write(RESUMING)";
			loading = stream_len && !vfm_write_all(fd, stream, stream_len, 0);
			break;
		default:
			break;
		}
	}
out:
	w->op = "done";
	if (fd >= 0)
		close(fd);
	free(stream);
	free(sess);
	return NULL;
}

static void *reset_thread(void *arg)
{
	struct worker *w = arg;
	struct conc *c = w->c;

	while (!atomic_load(&c->stop)) {
		int i = rand_r(&w->seed) % c->n, ret;

		w->op = "VFIO_DEVICE_RESET";
		ret = vfm_reset(&c->dev[i]);
		if (ret && ret != -EAGAIN)
			bad(w, "reset %s: %s", c->dev[i].bdf, strerror(-ret));
		if (!ret)
			atomic_fetch_add(&c->resets, 1);
		atomic_fetch_add(&w->ops, 1);
		w->op = "sleep";
		usleep(2000 + rand_r(&w->seed) % 20000);
	}
	w->op = "done";
	return NULL;
}

/* The ring i -> i + 1 and the workload; a reset clears both. */
static void *wire_thread(void *arg)
{
	struct worker *w = arg;
	struct conc *c = w->c;

	while (!atomic_load(&c->stop)) {
		int i;

		w->op = "BAR0 P2P registers";
		for (i = 0; i < c->n; i++) {
			const struct vfm_device *d = &c->dev[i];

			mock_wr(d, MOCK_REG_P2P_WIN_OFF, 0);
			mock_wr(d, MOCK_REG_P2P_WIN_SIZE, 65536);
			mock_wr(d, MOCK_REG_P2P_PEER,
				mock_rd(&c->dev[(i + 1) % c->n], MOCK_REG_FABRIC_ID));
			mock_wr(d, MOCK_REG_P2P_RATE, 20000);
			mock_workload(d, 1000 + i, 2000);
		}
		atomic_fetch_add(&w->ops, 1);
		w->op = "sleep";
		usleep(5000);
	}
	w->op = "done";
	return NULL;
}

static void *monitor_thread(void *arg)
{
	struct worker *w = arg;
	struct conc *c = w->c;
	char *buf = malloc(1 << 20), *p;
	int round = 0, i;

	if (!buf) {
		bad(w, "out of memory");
		return NULL;
	}
	while (!atomic_load(&c->stop)) {
		w->op = "read events";
		if (vfm_mock_debugfs_read(NULL, "events", buf, 1 << 20))
			bad(w, "read events failed");
		for (p = buf; (p = strstr(p, " p2p peer=")); p++)
			atomic_fetch_add(&c->p2p_events, 1);
		w->op = "read violations";
		if (vfm_mock_debugfs_read(NULL, "violations", buf, 1 << 20))
			bad(w, "read violations failed");
		w->op = "read counters";
		if (mock_violations("total") == ~0ULL)
			bad(w, "no total in counters");
		w->op = "read device violations";
		for (i = 0; i < c->n; i++)
			if (vfm_mock_debugfs_read(c->dev[i].bdf, "violations", buf, 64))
				bad(w, "read %s/violations failed", c->dev[i].bdf);
		if (++round % 4 == 0) {
			w->op = "clear";
			if (vfm_mock_debugfs_write(NULL, "clear", "1"))
				bad(w, "clear failed");
			atomic_fetch_add(&c->clears, 1);
		}
		atomic_fetch_add(&w->ops, 1);
		w->op = "sleep";
		usleep(3000);
	}
	w->op = "done";
	free(buf);
	return NULL;
}

/* Join @w by @deadline; false if it is still running. */
static bool join_by(struct worker *w, const struct timespec *deadline)
{
	return !w->started || !pthread_timedjoin_np(w->tid, NULL, deadline);
}

TEST_F_TIMEOUT(conc, p2p_resets_set_state_and_monitor, 300)
{
	int secs = selftest_env_uint("MOCK_CONC_SECS", 4, 1, 60);
	int hang = selftest_env_uint("MOCK_CONC_HANG_SECS", 30, 1, 120);
	struct worker *all[MAX_DEVS + 3];
	struct timespec deadline;
	struct conc *c;
	uint64_t digest;
	void *buf = NULL;
	size_t len = 0;
	int i, nw = 0, fd;
	char val[64];

	c = calloc(1, sizeof(*c));
	ASSERT_NE(NULL, c);
	c->dev = self->dev;
	c->n = self->n;
	for (i = 0; i < c->n; i++) {
		c->arc[i].idx = i;
		all[nw++] = &c->arc[i];
	}
	all[nw++] = &c->reset;
	all[nw++] = &c->wire;
	all[nw++] = &c->monitor;
	for (i = 0; i < nw; i++) {
		all[i]->c = c;
		all[i]->seed = 12345 + i;
		all[i]->op = "start";
	}
	TH_LOG("%d devices, %d s", c->n, secs);

	for (i = 0; i < c->n; i++)
		ASSERT_EQ(0, pthread_create(&c->arc[i].tid, NULL, arc_thread, &c->arc[i]));
	ASSERT_EQ(0, pthread_create(&c->reset.tid, NULL, reset_thread, &c->reset));
	ASSERT_EQ(0, pthread_create(&c->wire.tid, NULL, wire_thread, &c->wire));
	ASSERT_EQ(0, pthread_create(&c->monitor.tid, NULL, monitor_thread, &c->monitor));
	for (i = 0; i < nw; i++)
		all[i]->started = true;

	sleep(secs);
	atomic_store(&c->stop, true);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += hang;
	for (i = 0; i < nw; i++) {
		if (!join_by(all[i], &deadline)) {
			/* The test's timeout kills what is left. */
			ASSERT_TRUE(false) TH_LOG("thread %d stuck in %s for %d s", i,
						  all[i]->op, hang);
		}
	}
	for (i = 0; i < nw; i++) {
		TH_LOG("thread %d: %ld operations", i, atomic_load(&all[i]->ops));
		EXPECT_GT(atomic_load(&all[i]->ops), 0) TH_LOG("thread %d made no progress", i);
		EXPECT_EQ(0, atomic_load(&all[i]->bad)) TH_LOG("thread %d: %s", i, all[i]->why);
	}
	TH_LOG("%ld resets, %ld p2p events seen, %ld clears, %ld streams loaded",
	       atomic_load(&c->resets), atomic_load(&c->p2p_events), atomic_load(&c->clears),
	       atomic_load(&c->loads));
	EXPECT_GT(atomic_load(&c->resets), 0);
	EXPECT_GT(atomic_load(&c->p2p_events), 0) TH_LOG("no P2P batch was delivered");

	/* Quiet now: every device back to RUNNING, with no P2P and no workload. */
	for (i = 0; i < c->n; i++) {
		uint32_t state = ~0u;
		int ret, tries = 0;

		while ((ret = vfm_reset(&self->dev[i])) == -EAGAIN && tries++ < 100)
			usleep(10000);
		ASSERT_EQ(0, ret) TH_LOG("reset %s", bdfs[i]);
		ASSERT_EQ(0, vfm_get_state(&self->dev[i], &state));
		EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state) TH_LOG("%s", bdfs[i]);
		EXPECT_EQ(0, mock_rd(&self->dev[i], MOCK_REG_P2P_PEER));
	}

	/* A round trip: the first device saved, loaded into the second. */
	mock_wr(&self->dev[0], MOCK_REG_MEM_ADDR, 4096);
	mock_wr(&self->dev[0], MOCK_REG_MEM_DATA, 0x0123456789abcdefULL);
	ASSERT_EQ(0, vfm_set_state(&self->dev[0], VFIO_DEVICE_STATE_STOP_COPY, &fd));
	digest = mock_rd(&self->dev[0], MOCK_REG_DIGEST);
	ASSERT_EQ(0, vfm_read_all(fd, &buf, &len));
	close(fd);
	ASSERT_EQ(0, vfm_set_state(&self->dev[0], VFIO_DEVICE_STATE_STOP, NULL));
	ASSERT_EQ(0, vfm_set_state(&self->dev[1], VFIO_DEVICE_STATE_RESUMING, &fd));
	ASSERT_EQ(0, vfm_write_all(fd, buf, len, 0));
	ASSERT_EQ(0, vfm_set_state(&self->dev[1], VFIO_DEVICE_STATE_STOP, NULL));
	close(fd);
	free(buf);
	EXPECT_EQ(digest, mock_rd(&self->dev[1], MOCK_REG_DIGEST));
	ASSERT_EQ(0, vfm_set_state(&self->dev[0], VFIO_DEVICE_STATE_RUNNING, NULL));
	ASSERT_EQ(0, vfm_set_state(&self->dev[1], VFIO_DEVICE_STATE_RUNNING, NULL));

	/* The monitor is consistent: clear zeroes every count. */
	vfm_mon_clear();
	EXPECT_EQ(0, mock_violations("total"));
	for (i = 0; i < c->n; i++) {
		ASSERT_EQ(0, vfm_mock_debugfs_read(bdfs[i], "violations", val, sizeof(val)));
		EXPECT_EQ(0, strtoull(val, NULL, 0)) TH_LOG("%s: %s", bdfs[i], val);
	}
	free(c);
}

int main(int argc, char *argv[])
{
	nbdfs = mock_get_bdfs(&argc, argv, bdfs, MAX_DEVS);
	return test_harness_run(argc, argv);
}
