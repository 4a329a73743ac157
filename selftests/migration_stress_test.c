// SPDX-License-Identifier: GPL-2.0-only
/*
 * Concurrency stress of one device's migration uAPI.  Device-agnostic.
 *
 * Several threads share one open device for a bounded time and race what a
 * VMM's main loop, migration thread and device reset do concurrently:
 *
 *   arc ×2   SET MIG_DEVICE_STATE to a random supported state (so random
 *            arcs, some refused) and GET it back; publishes each new data_fd
 *   reset    VFIO_DEVICE_RESET
 *   data     read() the newest saving data_fd / VFIO_MIG_GET_PRECOPY_INFO on
 *            it, or write() a real stream (sometimes garbage) to the newest
 *            resuming one, through a dup() so that an fd the session, a reset
 *            or a close ended is used on purpose
 *   info     MIG_DATA_SIZE and GET
 *   open     closes the device and opens it again (the close racing the
 *            data thread's use of a data_fd of the closed device)
 *
 * Pass criteria:
 *   stress.no-hang   a watchdog in the test sees every thread's operation
 *                    return within MIG_STRESS_HANG_SECS (default 10 s); a
 *                    stuck thread fails the test with the operation's name
 *                    (kernel splats are caught by run-in-vm's log check);
 *   stress.errno     every failure is an errno in the set documented below
 *                    for its operation (op_rules[]);
 *   state.get-valid  GET always works and reports a supported state;
 *   stress.recovers  afterwards, reset brings RUNNING and a save, resume
 *                    and RESUMING->STOP round trip works.
 *
 * Environment: MIG_STRESS_SECS (default 3, at most 120), MIG_STRESS_HANG_SECS
 * (default 10), MIG_STRESS_SEED (default: time; printed, to replay a run).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "selftest.h"
#include "rules.h"

enum op {
	OP_RESET, OP_SET, OP_GET, OP_DATA_SIZE, OP_READ, OP_WRITE, OP_PRECOPY,
	OP_CLOSE, OP_OPEN, OP_NR
};

#define MAX_ERRNO	160

/*
 * The errnos each operation may fail with while other threads race it.  A
 * concurrent reset, SET or close can end a data transfer session at any time,
 * so every data_fd operation may meet an ended session, which the uAPI allows
 * to "reach end of stream or error" (include/linux/vfio.h).  Anything else,
 * EFAULT, EBADF, ENOTTY, EINTR, EAGAIN on a blocking fd, EPERM, ..., means
 * a lock, a refcount or an error path that went wrong.
 */
static const struct op_rule {
	const char *name;
	int ok[16];		/* allowed errnos, 0-terminated */
} op_rules[OP_NR] = {
	/*
	 * vfio-pci-core: pci_try_reset_function() gives EAGAIN when the PCI
	 * device lock is held elsewhere (a concurrent config access, sysfs).
	 */
	[OP_RESET] = { "VFIO_DEVICE_RESET", { EAGAIN } },
	/*
	 * Core vfio_mig_get_next_state(): EINVAL for an arc not reachable
	 * from the current state (which another thread may just have changed),
	 * from ERROR, or blocked (STOP_COPY->PRE_COPY).  uAPI: an arc itself
	 * may fail, e.g. RESUMING->STOP on an incomplete or rejected stream;
	 * drivers use EIO, ENODATA, EREMOTEIO, EBADMSG, EPROTO, ENOMEM,
	 * ETIMEDOUT, ENODEV for those.
	 */
	[OP_SET] = { "SET MIG_DEVICE_STATE",
		     { EINVAL, EIO, ENODATA, EREMOTEIO, EBADMSG, EPROTO, ENOMEM, ETIMEDOUT,
		       ENODEV } },
	/* uAPI: GET "can be called" any time; nothing may fail it. */
	[OP_GET] = { "GET MIG_DEVICE_STATE", { 0 } },
	/* uAPI: "can be called on each device state"; only resource errors. */
	[OP_DATA_SIZE] = { "MIG_DATA_SIZE", { EIO, ENOMEM } },
	/*
	 * uAPI: ENOMSG at a temporary end of the PRE_COPY stream; ENODEV,
	 * EINVAL, EIO once the session ended (mlx5, hisi, mock: ENODEV).
	 */
	[OP_READ] = { "read(data_fd)", { ENOMSG, ENODEV, EINVAL, EIO, ENOMEM } },
	/*
	 * Session ended as for read; a stream the driver rejects (garbage, or
	 * two writers interleaving): EINVAL, EIO, EBADMSG, EPROTO,
	 * EPROTONOSUPPORT, ERANGE, EFBIG, ENOSPC, EOPNOTSUPP (an unknown
	 * mandatory record), ENODATA, ENOMEM.
	 */
	[OP_WRITE] = { "write(data_fd)",
		       { ENODEV, EINVAL, EIO, EBADMSG, EPROTO, EPROTONOSUPPORT, ERANGE, EFBIG,
			 ENOSPC, EOPNOTSUPP, ENODATA, ENOMEM } },
	/*
	 * uAPI VFIO_MIG_GET_PRECOPY_INFO: EINVAL outside PRE_COPY(_P2P),
	 * which includes a session that ended; ENODEV or EIO for a session a
	 * driver marked broken (mlx5, virtio).
	 */
	[OP_PRECOPY] = { "VFIO_MIG_GET_PRECOPY_INFO", { EINVAL, ENODEV, EIO } },
	[OP_CLOSE] = { "close(device)", { 0 } },
	/* Nobody else holds the device: opening it again must work. */
	[OP_OPEN] = { "open(device)", { 0 } },
};

struct stress;

/* One thread: what it is doing now, for the watchdog. */
struct worker {
	struct stress *s;
	const char *role;
	void *(*fn)(void *);
	unsigned int seed;
	pthread_t tid;
	atomic_int op;			/* enum op in progress, -1 when between ops */
	atomic_uint_fast64_t since;	/* when it started, ns */
	atomic_uint target;		/* the state a SET in progress asks for */
	atomic_bool done;
};

#define NR_WORKERS	6
/*
 * Mean pause between two resets and two close/open cycles.  vfio-pci-core
 * resets the function on every reset, open and close (a bus reset of ~100 ms
 * for a device without FLR) and the close/open excludes every other thread,
 * so without pauses no data_fd would ever live long enough to move data.
 */
#define RESET_GAP_US	100000
#define OPEN_GAP_US	500000

struct stress {
	const char *bdf;
	uint64_t flags;
	/* Read: using dev.fd.  Write: closing and opening the device. */
	pthread_rwlock_t open_lock;
	struct vfm_device dev;
	/* The newest session's data_fd and its direction; fd_gen counts them. */
	pthread_mutex_t fd_lock;
	int data_fd;
	bool saving;
	unsigned int fd_gen;
	/* A stream saved before the stress, for the resuming data_fds. */
	void *stream;
	size_t stream_len;
	atomic_bool stop;
	atomic_uint_fast64_t count[OP_NR][MAX_ERRNO + 1];	/* [op][0]: successes */
	atomic_uint_fast64_t bad_state;	/* GETs reporting an unsupported state */
	atomic_uint_fast64_t bytes;	/* moved through data_fds */
	struct worker w[NR_WORKERS];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static bool errno_ok(enum op op, int err)
{
	const int *e;

	for (e = op_rules[op].ok; *e; e++)
		if (*e == err)
			return true;
	return false;
}

static void op_begin(struct worker *w, enum op op)
{
	atomic_store(&w->since, now_ns());
	atomic_store(&w->op, op);
}

/* End @op with result @err (0 or an errno); reports the first bad errno. */
static void op_end(struct worker *w, enum op op, int err)
{
	struct stress *s = w->s;

	atomic_store(&w->op, -1);
	if (err < 0 || err > MAX_ERRNO)
		err = MAX_ERRNO;
	if (atomic_fetch_add(&s->count[op][err], 1) == 0 && err && !errno_ok(op, err))
		fprintf(stderr, "# %s: %s failed with %s (%d), not an errno the uAPI gives for it\n",
			s->bdf, op_rules[op].name, strerrorname_np(err) ?: "?", err);
}

/* A new data_fd from a SET: it becomes the one the data thread uses. */
static void publish_fd(struct stress *s, int fd, bool saving)
{
	pthread_mutex_lock(&s->fd_lock);
	if (s->data_fd >= 0)
		close(s->data_fd);
	s->data_fd = fd;
	s->saving = saving;
	s->fd_gen++;
	pthread_mutex_unlock(&s->fd_lock);
}

/* A dup() of the newest data_fd (or -1), so closing the slot cannot race us. */
static int take_fd(struct stress *s, bool *saving, unsigned int *gen)
{
	int fd = -1;

	pthread_mutex_lock(&s->fd_lock);
	if (s->data_fd >= 0)
		fd = dup(s->data_fd);
	*saving = s->saving;
	*gen = s->fd_gen;
	pthread_mutex_unlock(&s->fd_lock);
	return fd;
}

/*
 * Run @stmt with the device open, as @dev, for reading; false if it is not
 * open.
 */
#define WITH_DEVICE(s, stmt) ({					\
	bool __open;						\
	pthread_rwlock_rdlock(&(s)->open_lock);			\
	__open = (s)->dev.fd >= 0;				\
	if (__open) {						\
		const struct vfm_device *dev = &(s)->dev;	\
		stmt;						\
	}							\
	pthread_rwlock_unlock(&(s)->open_lock);			\
	__open;							\
})

static void check_state(struct worker *w, uint32_t state)
{
	struct stress *s = w->s;

	if (!vfm_fsm_state_supported(s->flags, state) &&
	    atomic_fetch_add(&s->bad_state, 1) == 0)
		fprintf(stderr, "# %s: GET reported state %u (%s), not one the device supports\n",
			s->bdf, state, vfm_state_name(state));
}

static void do_get(struct worker *w)
{
	uint32_t state = 0;
	int err;

	WITH_DEVICE(w->s, ({
		op_begin(w, OP_GET);
		err = -vfm_get_state(dev, &state);
		op_end(w, OP_GET, err);
		if (!err)
			check_state(w, state);
	}));
}

static void *arc_thread(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;

	while (!atomic_load(&s->stop)) {
		uint32_t to = rand_r(&w->seed) % VFIO_DEVICE_STATE_NR;
		int dfd = -1, err;

		if (!vfm_fsm_state_requestable(s->flags, to))
			continue;
		WITH_DEVICE(s, ({
			atomic_store(&w->target, to);
			op_begin(w, OP_SET);
			err = -vfm_set_state(dev, to, &dfd);
			op_end(w, OP_SET, err);
		}));
		if (dfd >= 0)
			publish_fd(s, dfd, mig_state_saving(to));
		do_get(w);
		/* Up to 1 ms: a SET storm would starve the data thread. */
		usleep(rand_r(&w->seed) % 1000);
	}
	return NULL;
}

static void *reset_thread(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;

	while (!atomic_load(&s->stop)) {
		WITH_DEVICE(s, ({
			op_begin(w, OP_RESET);
			op_end(w, OP_RESET, ioctl(dev->fd, VFIO_DEVICE_RESET) ? errno : 0);
		}));
		/* A PCI reset takes ~100 ms: leave the sessions time to move data. */
		usleep(RESET_GAP_US / 2 + rand_r(&w->seed) % RESET_GAP_US);
	}
	return NULL;
}

static void *info_thread(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;

	while (!atomic_load(&s->stop)) {
		uint64_t bytes;

		WITH_DEVICE(s, ({
			op_begin(w, OP_DATA_SIZE);
			op_end(w, OP_DATA_SIZE, -vfm_data_size(dev, &bytes));
		}));
		do_get(w);
		usleep(rand_r(&w->seed) % 500);
	}
	return NULL;
}

/*
 * One data_fd operation on the newest session; write cursor in *off.  Once a
 * session's fd is dead (an error other than ENOMSG, or end of stream), wait
 * for the next one rather than spin on it.
 */
static void data_op(struct worker *w, char *buf, size_t bufsz, size_t *off,
		    unsigned int *last_gen, bool *dead)
{
	struct stress *s = w->s;
	unsigned int gen;
	bool saving;
	ssize_t n;
	int fd, err;

	fd = take_fd(s, &saving, &gen);
	if (fd >= 0 && gen != *last_gen) {
		*off = 0;
		*last_gen = gen;
		*dead = false;
	}
	if (fd < 0 || *dead) {
		if (fd >= 0)
			close(fd);
		usleep(500);
		return;
	}
	if (saving && rand_r(&w->seed) % 4 == 0) {
		struct vfio_precopy_info info = { 0 };

		op_begin(w, OP_PRECOPY);
		err = -vfm_precopy_info(fd, &info);
		op_end(w, OP_PRECOPY, err);
		/* EINVAL in STOP_COPY is no sign of a dead session. */
	} else if (saving) {
		op_begin(w, OP_READ);
		n = read(fd, buf, 1 + rand_r(&w->seed) % bufsz);
		err = n < 0 ? errno : 0;
		op_end(w, OP_READ, err);
		if (n > 0)
			atomic_fetch_add(&s->bytes, n);
		*dead = !n || (err && err != ENOMSG);
	} else {
		size_t len = 1 + rand_r(&w->seed) % bufsz;
		const void *src = buf;

		/*
		 * Mostly the real stream, often all the rest of it at once so
		 * that RESUMING->STOP can succeed before the next reset; one
		 * write in 16 garbage.
		 */
		if (rand_r(&w->seed) % 16 && *off < s->stream_len) {
			len = s->stream_len - *off;
			if (rand_r(&w->seed) % 2)
				len = 1 + rand_r(&w->seed) % len;
			src = (char *)s->stream + *off;
		} else {
			memset(buf, rand_r(&w->seed), len);
		}
		op_begin(w, OP_WRITE);
		n = write(fd, src, len);
		err = n < 0 ? errno : 0;
		op_end(w, OP_WRITE, err);
		if (n > 0) {
			atomic_fetch_add(&s->bytes, n);
			if (src != buf)
				*off += n;
		}
		*dead = !!err;
	}
	close(fd);
}

static void *data_thread(void *arg)
{
	struct worker *w = arg;
	unsigned int last_gen = 0;
	size_t off = 0, bufsz = 64 * 1024;
	char *buf = malloc(bufsz);
	bool dead = false;

	if (!buf)
		return NULL;
	while (!atomic_load(&w->s->stop))
		data_op(w, buf, bufsz, &off, &last_gen, &dead);
	free(buf);
	return NULL;
}

static void *open_thread(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;

	while (!atomic_load(&s->stop)) {
		int ret;

		usleep(OPEN_GAP_US / 2 + rand_r(&w->seed) % OPEN_GAP_US);
		pthread_rwlock_wrlock(&s->open_lock);
		op_begin(w, OP_CLOSE);
		vfm_device_close(&s->dev);
		op_end(w, OP_CLOSE, 0);
		op_begin(w, OP_OPEN);
		ret = vfm_device_open(s->bdf, &s->dev);
		op_end(w, OP_OPEN, -ret);
		pthread_rwlock_unlock(&s->open_lock);
	}
	return NULL;
}

static const struct {
	const char *role;
	void *(*fn)(void *);
} roles[NR_WORKERS] = {
	{ "arc", arc_thread }, { "arc", arc_thread }, { "reset", reset_thread },
	{ "data", data_thread }, { "info", info_thread }, { "open", open_thread },
};

FIXTURE(stress) {
	struct stress *s;
};

FIXTURE_SETUP(stress)
{
	struct stress *s;

	s = self->s = calloc(1, sizeof(*s));
	ASSERT_NE(NULL, s);
	s->bdf = selftest_bdf;
	s->data_fd = -1;
	SELFTEST_PREPARE(&s->dev, &s->flags);
	/* The stream the data thread writes into resuming sessions. */
	ASSERT_EQ(0, selftest_save(&s->dev, s->flags, &s->stream, &s->stream_len));
	ASSERT_EQ(0, selftest_reset(&s->dev));
}

FIXTURE_TEARDOWN(stress)
{
	if (!self->s)
		return;
	if (self->s->data_fd >= 0)
		close(self->s->data_fd);
	vfm_device_close(&self->s->dev);
	free(self->s->stream);
	free(self->s);
}

/* Prints the operations per second and the errnos seen; false if one is bad. */
static bool report(struct stress *s, double secs)
{
	bool good = true;
	int op, e;

	for (op = 0; op < OP_NR; op++) {
		char line[512];
		uint64_t total = 0;
		int len;

		for (e = 0; e <= MAX_ERRNO; e++)
			total += atomic_load(&s->count[op][e]);
		len = snprintf(line, sizeof(line), "# stress %s %-26s %8llu ops %9.1f/s  ok %llu",
			       s->bdf, op_rules[op].name, (unsigned long long)total,
			       total / secs, (unsigned long long)atomic_load(&s->count[op][0]));
		for (e = 1; e <= MAX_ERRNO; e++) {
			uint64_t n = atomic_load(&s->count[op][e]);
			bool ok = errno_ok(op, e);

			if (!n)
				continue;
			good &= ok;
			len += snprintf(line + len, sizeof(line) - len, ", %s%s %llu",
					ok ? "" : "UNEXPECTED ", strerrorname_np(e) ?: "E?",
					(unsigned long long)n);
			if (len >= (int)sizeof(line))
				break;
		}
		printf("%s\n", line);
	}
	fflush(stdout);
	return good;
}

/*
 * Watch the workers until they all finished after @stop_at: a thread whose
 * operation takes longer than @hang_ns fails the test at once, naming it.
 */
static void watch(struct __test_metadata *_metadata, struct stress *s, uint64_t start,
		  uint64_t stop_at, uint64_t hang_ns)
{
	for (;;) {
		uint64_t now = now_ns(), longest = 0;
		bool all_done = true;
		int i, stuck = -1, op = -1;
		char what[96];

		if (now >= stop_at)
			atomic_store(&s->stop, true);
		/* The thread stuck longest is the cause; the others wait for it. */
		for (i = 0; i < NR_WORKERS; i++) {
			struct worker *w = &s->w[i];
			int wop = atomic_load(&w->op);
			uint64_t since = atomic_load(&w->since);

			all_done &= atomic_load(&w->done);
			if (wop < 0 || now < since || now - since < hang_ns || now - since <= longest)
				continue;
			longest = now - since;
			stuck = i;
			op = wop;
		}
		if (stuck >= 0) {
			if (op == OP_SET)
				snprintf(what, sizeof(what), "SET MIG_DEVICE_STATE to %s",
					 vfm_state_name(atomic_load(&s->w[stuck].target)));
			else
				snprintf(what, sizeof(what), "%s", op_rules[op].name);
			mig_rule_result("stress.no-hang", false, __FILE__, __LINE__,
					"%s: thread %d (%s) stuck in %s for %.1f s", s->bdf, stuck,
					s->w[stuck].role, what, longest / 1e9);
			fflush(stderr);
			report(s, (now - start) / 1e9);
			/* The stuck thread cannot be joined: end the test process. */
			_metadata->exit_code = KSFT_FAIL;
			_exit(KSFT_FAIL);
		}
		if (all_done)
			return;
		usleep(50000);
	}
}

static void *run_worker(void *arg)
{
	struct worker *w = arg;

	w->fn(w);
	atomic_store(&w->done, true);
	return NULL;
}

TEST_F_TIMEOUT(stress, concurrent_ops, 300)
{
	unsigned int secs = selftest_env_uint("MIG_STRESS_SECS", 3, 0, 120);
	unsigned int hang = selftest_env_uint("MIG_STRESS_HANG_SECS", 10, 0, 3600);
	unsigned int seed = selftest_env_uint("MIG_STRESS_SEED", time(NULL), 0, ~0u);
	struct stress *s = self->s;
	pthread_rwlockattr_t attr;
	uint64_t start, stop_at;
	uint64_t bad_errno = 0;
	void *stream = NULL;
	size_t len = 0;
	int i, op, e, fd;

	TH_LOG("%s: %u threads for %u s, hang limit %u s, MIG_STRESS_SEED=%u, migration flags %#llx",
	       s->bdf, NR_WORKERS, secs, hang, seed, (unsigned long long)s->flags);
	/* Writer preference: else the readers' stream starves open/close. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->open_lock, &attr);
	pthread_mutex_init(&s->fd_lock, NULL);

	start = now_ns();
	stop_at = start + secs * 1000000000ull;
	for (i = 0; i < NR_WORKERS; i++) {
		struct worker *w = &s->w[i];

		w->s = s;
		w->role = roles[i].role;
		w->fn = roles[i].fn;
		w->seed = seed + i;
		atomic_store(&w->op, -1);
		ASSERT_EQ(0, pthread_create(&w->tid, NULL, run_worker, w));
	}
	watch(_metadata, s, start, stop_at, hang * 1000000000ull);
	for (i = 0; i < NR_WORKERS; i++)
		pthread_join(s->w[i].tid, NULL);
	RULE_EXPECT("stress.no-hang", true, "%s", s->bdf);

	report(s, (now_ns() - start) / 1e9);
	TH_LOG("%s: %llu bytes moved through data_fds", s->bdf,
	       (unsigned long long)atomic_load(&s->bytes));
	for (op = 0; op < OP_NR; op++)
		for (e = 1; e <= MAX_ERRNO; e++)
			if (!errno_ok(op, e))
				bad_errno += atomic_load(&s->count[op][e]);
	RULE_EXPECT("stress.errno", !bad_errno,
		    "%llu operations failed with an errno the uAPI does not give (UNEXPECTED above)",
		    (unsigned long long)bad_errno);
	RULE_EXPECT("state.get-valid", !atomic_load(&s->bad_state),
		    "%llu GETs reported a state the device does not support",
		    (unsigned long long)atomic_load(&s->bad_state));

	/* The sanity round: the device still works as a migratable device. */
	if (s->data_fd >= 0)
		close(s->data_fd);
	s->data_fd = -1;
	if (s->dev.fd < 0)
		ASSERT_EQ(0, vfm_device_open(s->bdf, &s->dev));
	i = selftest_reset(&s->dev);
	RULE_EXPECT("stress.recovers", !i, "VFIO_DEVICE_RESET after the stress: %s", strerror(-i));
	ASSERT_EQ(0, i);
	i = selftest_save(&s->dev, s->flags, &stream, &len);
	RULE_EXPECT("stress.recovers", !i, "saving after the stress: %s", strerror(-i));
	ASSERT_EQ(0, i);
	ASSERT_EQ(0, selftest_reset(&s->dev));
	i = selftest_resume(&s->dev, s->flags, stream, len, 0, &fd);
	if (!i) {
		i = selftest_drive(&s->dev, s->flags, MIG_STATE(STOP), NULL);
		close(fd);
	}
	RULE_EXPECT("stress.recovers", !i,
		    "restoring the %zu byte stream saved after the stress: %s", len, strerror(-i));
	free(stream);
	EXPECT_EQ(0, selftest_reset(&s->dev));
}

int main(int argc, char *argv[])
{
	selftest_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
