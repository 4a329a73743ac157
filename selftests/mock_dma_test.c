// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mock device's DMA engine and its DMA logging (Documentation/dma.rst):
 * the device really writes the memory mapped at its IOVA window and nothing
 * else, never while stopped, never after an unmap returned; DMA logging
 * reports exactly the pages it wrote, at several tracker and report page
 * sizes and range limits; the copy engine copies, and stops at a fault.
 * "mock_dma_test BDF"; the logging tests skip on
 * kernels without CONFIG_IOMMUFD_DRIVER, where the device does not offer it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "mock.h"
#include "selftest.h"

#define PS		4096ULL
#define NPAGES		256		/* the buffer standing in for guest RAM */
#define IOVA_BASE	(1ULL << 32)	/* aligned to every page size used */

static const char *bdf;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static bool page_dirty(const uint8_t *buf, uint64_t page)
{
	const uint64_t *p = (const uint64_t *)(buf + page * PS);
	size_t i;

	for (i = 0; i < PS / sizeof(*p); i++)
		if (p[i])
			return true;
	return false;
}

/* Wait until the device made at least @n DMA writes; false after @ms. */
/* Unmap exactly [@iova, @iova + @len): -ENOENT if less was mapped there. */
static int dma_unmap(const struct vfm_device *dev, uint64_t iova, uint64_t len)
{
	uint64_t unmapped;
	int ret = vfm_dma_unmap(dev, iova, len, &unmapped);

	return ret ?: unmapped == len ? 0 : -ENOENT;
}

static bool wait_writes(const struct vfm_device *dev, uint64_t n, uint64_t ms)
{
	uint64_t end = now_ms() + ms;

	while (mock_rd(dev, MOCK_REG_DMA_WRITES) < n) {
		if (now_ms() > end)
			return false;
		usleep(2000);
	}
	return true;
}

static void dma_program(const struct vfm_device *dev, uint64_t iova, uint64_t len,
			uint32_t rate, uint64_t seed)
{
	mock_wr(dev, MOCK_REG_DMA_SEED, seed);
	mock_wr(dev, MOCK_REG_DMA_BASE, iova);
	mock_wr(dev, MOCK_REG_DMA_SIZE, len);
	mock_wr(dev, MOCK_REG_DMA_RATE, rate);
	mock_wr(dev, MOCK_REG_DMA_CTRL, MOCK_DMA_CTRL_ENABLE);
}

static bool logging_offered(void)
{
	char buf[16];

	return !vfm_mock_sysfs_read(bdf, "dma_logging", buf, sizeof(buf)) && !strcmp(buf, "1");
}

static unsigned int popcount_words(const uint64_t *w, unsigned int n)
{
	unsigned int i, c = 0;

	for (i = 0; i < n; i++)
		c += __builtin_popcountll(w[i]);
	return c;
}

/* The DMA logging knobs back to the device's defaults. */
static void dma_log_knobs_off(void)
{
	vfm_mock_debugfs_write(bdf, "dma_log_max_ranges", "0");
	vfm_mock_debugfs_write(bdf, "dma_log_page_size", "0");
	vfm_mock_debugfs_write(bdf, "dma_log_fail_report", "0");
}

/* Open the device, reset, with NPAGES zeroed pages mapped at IOVA_BASE for its DMA. */
static void open_with_window(struct __test_metadata *_metadata, struct vfm_device *dev,
			     uint8_t **buf)
{
	ASSERT_EQ(0, vfm_device_open(bdf, dev));
	ASSERT_EQ(0, ioctl(dev->fd, VFIO_DEVICE_RESET));
	*buf = mmap(NULL, NPAGES * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, *buf);
	memset(*buf, 0, NPAGES * PS);
	ASSERT_EQ(0, vfm_dma_map(dev, *buf, IOVA_BASE, NPAGES * PS));
}

FIXTURE(dma) {
	struct vfm_device dev;
	uint8_t *buf;
};

FIXTURE_SETUP(dma)
{
	self->dev.fd = -1;
	self->buf = MAP_FAILED;
	if (!vfm_mock_bound(bdf))
		SKIP(return, "%s is not bound to mock-vfio-pci", bdf);
	open_with_window(_metadata, &self->dev, &self->buf);
	dma_log_knobs_off();
}

FIXTURE_TEARDOWN(dma)
{
	/* Closing quiesces the DMA engine and unmaps with the container. */
	if (self->dev.fd >= 0)
		vfm_device_close(&self->dev);
	if (self->buf != MAP_FAILED)
		munmap(self->buf, NPAGES * PS);
	dma_log_knobs_off();
}

/* The device writes the memory behind its window, and only there. */
TEST_F(dma, writes_only_inside_window)
{
	uint64_t p, faults;

	dma_program(&self->dev, IOVA_BASE + 64 * PS, 32 * PS, 20000, 1);
	ASSERT_TRUE(wait_writes(&self->dev, 2000, 20000))
		TH_LOG("%llu DMA writes after 20 s",
		       (unsigned long long)mock_rd(&self->dev, MOCK_REG_DMA_WRITES));
	/* STOP waits for writes in flight: nothing changes after it. */
	ASSERT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP), NULL));
	faults = mock_rd(&self->dev, MOCK_REG_DMA_FAULTS);
	EXPECT_EQ(0, faults);
	for (p = 0; p < NPAGES; p++) {
		bool in = p >= 64 && p < 96;

		/* 2000 writes over 32 pages of 64 slots: every page is hit. */
		EXPECT_EQ(in, page_dirty(self->buf, p)) TH_LOG("page %llu", (unsigned long long)p);
	}
}

/* Arcs into STOP freeze memory; RUNNING_P2P and PRE_COPY keep DMA going. */
TEST_F(dma, stop_freezes_dma)
{
	uint8_t *snap = malloc(NPAGES * PS);
	uint64_t flags, w;
	int fd = -1;

	ASSERT_NE(NULL, snap);
	ASSERT_EQ(0, vfm_migration_flags(&self->dev, &flags));
	dma_program(&self->dev, IOVA_BASE, NPAGES * PS, 50000, 2);
	ASSERT_TRUE(wait_writes(&self->dev, 100, 20000));
	if (flags & VFIO_MIGRATION_P2P) {
		ASSERT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(RUNNING_P2P), NULL));
		w = mock_rd(&self->dev, MOCK_REG_DMA_WRITES);
		EXPECT_TRUE(wait_writes(&self->dev, w + 100, 20000)) TH_LOG("no DMA in RUNNING_P2P");
	}
	ASSERT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP), NULL));
	memcpy(snap, self->buf, NPAGES * PS);
	w = mock_rd(&self->dev, MOCK_REG_DMA_WRITES);
	usleep(300000);
	EXPECT_EQ(w, mock_rd(&self->dev, MOCK_REG_DMA_WRITES));
	EXPECT_EQ(0, memcmp(snap, self->buf, NPAGES * PS)) TH_LOG("memory changed in STOP");
	if (flags & VFIO_MIGRATION_PRE_COPY) {
		ASSERT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(RUNNING), NULL));
		ASSERT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(PRE_COPY), &fd));
		EXPECT_TRUE(wait_writes(&self->dev, w + 100, 20000)) TH_LOG("no DMA in PRE_COPY");
		ASSERT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP_COPY), NULL));
		memcpy(snap, self->buf, NPAGES * PS);
		w = mock_rd(&self->dev, MOCK_REG_DMA_WRITES);
		usleep(300000);
		EXPECT_EQ(w, mock_rd(&self->dev, MOCK_REG_DMA_WRITES));
		EXPECT_EQ(0, memcmp(snap, self->buf, NPAGES * PS)) TH_LOG("memory changed in STOP_COPY");
		close(fd);
	}
	free(snap);
}

/* Writes to IOVAs that are not mapped are counted as faults and go nowhere. */
TEST_F(dma, unmapped_window_faults)
{
	uint64_t end = now_ms() + 20000, p;

	dma_program(&self->dev, IOVA_BASE + NPAGES * PS, 16 * PS, 20000, 3);
	while (mock_rd(&self->dev, MOCK_REG_DMA_FAULTS) < 100 && now_ms() < end)
		usleep(2000);
	ASSERT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP), NULL));
	EXPECT_GE(mock_rd(&self->dev, MOCK_REG_DMA_FAULTS), 100);
	EXPECT_EQ(0, mock_rd(&self->dev, MOCK_REG_DMA_WRITES));
	for (p = 0; p < NPAGES; p++)
		EXPECT_FALSE(page_dirty(self->buf, p));
}

/* Start a copy of @size bytes, @count times; its COPY_STATUS when done, or ~0U after 20 s. */
static uint32_t copy_run(const struct vfm_device *dev, uint64_t src, uint64_t dst,
			 uint64_t size, uint32_t count)
{
	uint64_t end = now_ms() + 20000;
	uint32_t status;

	mock_wr(dev, MOCK_REG_COPY_SRC, src);
	mock_wr(dev, MOCK_REG_COPY_DST, dst);
	mock_wr(dev, MOCK_REG_COPY_SIZE, size);
	mock_wr(dev, MOCK_REG_COPY_COUNT, count);
	mock_wr(dev, MOCK_REG_COPY_CTRL, MOCK_COPY_CTRL_START);
	while ((status = mock_rd(dev, MOCK_REG_COPY_STATUS)) & MOCK_COPY_STATUS_BUSY) {
		if (now_ms() > end)
			return ~0U;
		usleep(1000);
	}
	return status;
}

/*
 * The copy engine (what upstream's VFIO selftests' plug-in drives): the
 * bytes arrive, across pages and at odd offsets at both ends, and nothing
 * around them changes.
 */
TEST_F(dma, copy_engine_copies)
{
	const uint64_t src = 100, dst = 128 * PS + 7, size = 5 * PS + 321;
	uint64_t i;

	for (i = 0; i < 64 * PS; i++)
		self->buf[i] = i * 7 + 1;
	EXPECT_EQ(0, copy_run(&self->dev, IOVA_BASE + src, IOVA_BASE + dst, size, 3));
	EXPECT_EQ(3 * size, mock_rd(&self->dev, MOCK_REG_COPY_BYTES));
	EXPECT_EQ(0, memcmp(self->buf + src, self->buf + dst, size));
	EXPECT_EQ(0, self->buf[dst - 1]);
	EXPECT_EQ(0, self->buf[dst + size]);
	/* Nothing to copy: the start is ignored, nothing is busy. */
	EXPECT_EQ(0, copy_run(&self->dev, IOVA_BASE, IOVA_BASE + dst, 0, 1));
	EXPECT_EQ(3 * size, mock_rd(&self->dev, MOCK_REG_COPY_BYTES));
}

/* A copy ends at the first IOVA it cannot write (or read), with FAULT. */
TEST_F(dma, copy_engine_faults)
{
	const uint64_t last = (NPAGES - 1) * PS;

	memset(self->buf, 0x5a, PS);
	EXPECT_EQ(MOCK_COPY_STATUS_FAULT,
		  copy_run(&self->dev, IOVA_BASE, IOVA_BASE + last, 2 * PS, 1));
	EXPECT_EQ(PS, mock_rd(&self->dev, MOCK_REG_COPY_BYTES));
	EXPECT_EQ(0x5a, self->buf[last + PS - 1]);
	EXPECT_EQ(MOCK_COPY_STATUS_FAULT,
		  copy_run(&self->dev, IOVA_BASE + NPAGES * PS, IOVA_BASE, PS, 1));
	EXPECT_EQ(PS, mock_rd(&self->dev, MOCK_REG_COPY_BYTES));
	/*
	 * A start while stopped is a dropped register write: nothing is copied
	 * and COPY_STATUS keeps the last copy's FAULT.
	 */
	ASSERT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP), NULL));
	EXPECT_EQ(MOCK_COPY_STATUS_FAULT,
		  copy_run(&self->dev, IOVA_BASE, IOVA_BASE + PS, PS, 1));
	EXPECT_EQ(PS, mock_rd(&self->dev, MOCK_REG_COPY_BYTES));
}

/* The rate the engine sustains at its cap (reported, not judged). */
TEST_F(dma, throughput)
{
	uint64_t w0, w1, t0, t1;

	dma_program(&self->dev, IOVA_BASE, NPAGES * PS, 1000000, 4);
	ASSERT_TRUE(wait_writes(&self->dev, 1, 20000));
	w0 = mock_rd(&self->dev, MOCK_REG_DMA_WRITES);
	t0 = now_ms();
	usleep(1000000);
	w1 = mock_rd(&self->dev, MOCK_REG_DMA_WRITES);
	t1 = now_ms();
	EXPECT_GT(w1, w0);
	TH_LOG("DMA engine: %llu writes/s (64 bytes each, one page each) asked 1000000/s",
	       (unsigned long long)((w1 - w0) * 1000 / (t1 - t0 ? t1 - t0 : 1)));
}

/*
 * Unmapping pages of the window while the device writes: no write lands in
 * a page after its unmap returned, nothing outside the window changes, the
 * writes to unmapped pages are faults, nothing crashes (run it under KASAN
 * and lockdep).
 */
struct stress {
	const struct vfm_device *dev;
	uint8_t *buf;
	volatile bool stop;
	unsigned long cycles, late_writes, errors;
};

#define STRESS_FIRST	64	/* window: pages [64, 128), one mapping each */
#define STRESS_PAGES	64

static void *unmapper(void *arg)
{
	struct stress *s = arg;
	unsigned int seed = 5;

	while (!s->stop) {
		uint64_t p = STRESS_FIRST + rand_r(&seed) % STRESS_PAGES;
		uint64_t iova = IOVA_BASE + p * PS;

		if (dma_unmap(s->dev, iova, PS)) {
			s->errors++;
			continue;
		}
		memset(s->buf + p * PS, 0, PS);
		usleep(500);
		if (page_dirty(s->buf, p))
			s->late_writes++;
		if (vfm_dma_map(s->dev, s->buf + p * PS, iova, PS))
			s->errors++;
		s->cycles++;
	}
	return NULL;
}

TEST_F_TIMEOUT(dma, concurrent_unmap_stress, 120)
{
	struct vfio_device_feature_dma_logging_range r = { IOVA_BASE, NPAGES * PS };
	struct stress s = { .dev = &self->dev, .buf = self->buf };
	uint64_t p, faults, writes, t0, bitmap[NPAGES / 64] = {};
	unsigned int reports = 0;
	pthread_t th;
	bool logging;

	/* Remap the buffer as: [0, 64) one mapping, one per window page, the rest. */
	ASSERT_EQ(0, dma_unmap(&self->dev, IOVA_BASE, NPAGES * PS));
	ASSERT_EQ(0, vfm_dma_map(&self->dev, self->buf, IOVA_BASE, STRESS_FIRST * PS));
	for (p = STRESS_FIRST; p < STRESS_FIRST + STRESS_PAGES; p++)
		ASSERT_EQ(0, vfm_dma_map(&self->dev, self->buf + p * PS, IOVA_BASE + p * PS, PS));
	p = STRESS_FIRST + STRESS_PAGES;
	ASSERT_EQ(0, vfm_dma_map(&self->dev, self->buf + p * PS, IOVA_BASE + p * PS,
				  (NPAGES - p) * PS));
	t0 = now_ms();

	/* With logging (where offered), REPORT runs against it all too. */
	logging = logging_offered();
	if (logging)
		ASSERT_EQ(0, vfm_dma_log_start(&self->dev, PS, &r, 1, NULL));
	dma_program(&self->dev, IOVA_BASE + STRESS_FIRST * PS, STRESS_PAGES * PS, 1000000, 6);
	ASSERT_EQ(0, pthread_create(&th, NULL, unmapper, &s));
	while (now_ms() - t0 < 3000) {
		if (logging) {
			EXPECT_EQ(0, vfm_dma_log_report(&self->dev, r.iova, r.length, PS, bitmap));
			reports++;
		}
		usleep(10000);
	}
	s.stop = true;
	pthread_join(th, NULL);
	ASSERT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP), NULL));
	faults = mock_rd(&self->dev, MOCK_REG_DMA_FAULTS);
	writes = mock_rd(&self->dev, MOCK_REG_DMA_WRITES);
	TH_LOG("%lu unmap/map cycles, %llu writes, %llu faults, %u log reports in %llu ms",
	       s.cycles, (unsigned long long)writes, (unsigned long long)faults, reports,
	       (unsigned long long)(now_ms() - t0));
	if (logging) {
		/* every report bit is a page of the window */
		for (p = 0; p < NPAGES; p++)
			if (bitmap[p / 64] & (1ULL << (p % 64)))
				EXPECT_TRUE(p >= STRESS_FIRST && p < STRESS_FIRST + STRESS_PAGES)
					TH_LOG("page %llu reported", (unsigned long long)p);
	}
	EXPECT_EQ(0, s.errors);
	EXPECT_EQ(0, s.late_writes) TH_LOG("DMA landed in a page after its unmap returned");
	EXPECT_GT(s.cycles, 10);
	EXPECT_GT(writes, 0);
	EXPECT_GT(faults, 0) TH_LOG("no write ever hit an unmapped page");
	for (p = 0; p < NPAGES; p++)
		if (p < STRESS_FIRST || p >= STRESS_FIRST + STRESS_PAGES)
			EXPECT_FALSE(page_dirty(self->buf, p)) TH_LOG("page %llu outside the window",
								      (unsigned long long)p);
}

/* Mock specifics of START: page size choice and errnos. */
TEST_F(dma, log_start_rules)
{
	struct vfio_device_feature_dma_logging_range r = { IOVA_BASE, 64 * PS };
	uint64_t ps = 0, bitmap[1];

	if (!logging_offered())
		SKIP(return, "DMA logging not offered: kernel without CONFIG_IOMMUFD_DRIVER");
	/* Not a power of two, though the core's alignment check passes. */
	r.length = 4 * PS;
	EXPECT_EQ(-EINVAL, vfm_dma_log_start(&self->dev, 3 * PS, &r, 1, NULL));
	r.length = 64 * PS;
	ASSERT_EQ(0, vfm_dma_log_start(&self->dev, 2 * PS, &r, 1, &ps));
	EXPECT_EQ(2 * PS, ps);
	EXPECT_EQ(-EINVAL, vfm_dma_log_start(&self->dev, 2 * PS, &r, 1, NULL));	/* as mlx5, pds */
	EXPECT_EQ(0, vfm_dma_log_stop(&self->dev));
	EXPECT_EQ(0, vfm_dma_log_stop(&self->dev));	/* STOP when stopped: fine */
	EXPECT_EQ(-EINVAL, vfm_dma_log_report(&self->dev, IOVA_BASE, 64 * PS, PS, bitmap));
	/* The device's own page size wins over the hint. */
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdf, "dma_log_page_size", "65536"));
	ASSERT_EQ(0, vfm_dma_log_start(&self->dev, PS, &r, 1, &ps));
	EXPECT_EQ(65536, ps);
	EXPECT_EQ(0, vfm_dma_log_stop(&self->dev));
	EXPECT_EQ(-EINVAL, vfm_mock_debugfs_write(bdf, "dma_log_page_size", "12288"));
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdf, "dma_log_page_size", "0"));
	/* Hints above 1 GiB are clamped. */
	r.iova = 1ULL << 40;
	r.length = 1ULL << 32;
	ASSERT_EQ(0, vfm_dma_log_start(&self->dev, 1ULL << 32, &r, 1, &ps));
	EXPECT_EQ(1ULL << 30, ps);
	EXPECT_EQ(0, vfm_dma_log_stop(&self->dev));
	/* Closing the device stops logging: the next user starts without it. */
	ASSERT_EQ(0, vfm_dma_log_start(&self->dev, PS, &r, 1, NULL));
	vfm_device_close(&self->dev);
	ASSERT_EQ(0, vfm_device_open(bdf, &self->dev));
	EXPECT_EQ(-EINVAL, vfm_dma_log_report(&self->dev, r.iova, 1ULL << 30, 1ULL << 30, bitmap));
	EXPECT_EQ(0, vfm_dma_log_start(&self->dev, PS, &r, 1, NULL));
}

/* An injected REPORT failure is an error, and keeps the log for the retry. */
TEST_F(dma, injected_report_failure)
{
	struct vfio_device_feature_dma_logging_range r = { IOVA_BASE, NPAGES * PS };
	uint64_t got[NPAGES / 64] = {};

	if (!logging_offered())
		SKIP(return, "DMA logging not offered: kernel without CONFIG_IOMMUFD_DRIVER");
	ASSERT_EQ(0, vfm_dma_log_start(&self->dev, PS, &r, 1, NULL));
	dma_program(&self->dev, IOVA_BASE, NPAGES * PS, 3000, 8);
	ASSERT_TRUE(wait_writes(&self->dev, 30, 20000));
	ASSERT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP), NULL));
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdf, "dma_log_fail_report", "1"));
	EXPECT_EQ(-EIO, vfm_dma_log_report(&self->dev, IOVA_BASE, NPAGES * PS, PS, got));
	EXPECT_EQ(0, vfm_dma_log_report(&self->dev, IOVA_BASE, NPAGES * PS, PS, got));
	EXPECT_GT(popcount_words(got, NPAGES / 64), 0) TH_LOG("the failed REPORT lost the log");
}

/* Logging exactness: tracker page size, range limit, report page size. */
FIXTURE(log) {
	struct vfm_device dev;
	uint8_t *buf;
};

FIXTURE_VARIANT(log) {
	uint64_t tracker_ps;	/* 0: what START asks for (4 KiB) */
	uint32_t max_ranges;	/* 0: no limit */
	uint64_t report_ps;
	bool two_ranges;	/* [0, 96) and [128, 224), else [0, 256) */
};

FIXTURE_VARIANT_ADD(log, ps4k_two_ranges) { 0, 0, 4096, true };
FIXTURE_VARIANT_ADD(log, ps4k_one_tracker_combines) { 0, 1, 4096, true };
FIXTURE_VARIANT_ADD(log, tracker64k_report4k) { 65536, 0, 4096, false };
FIXTURE_VARIANT_ADD(log, tracker4k_report64k) { 0, 0, 65536, true };
FIXTURE_VARIANT_ADD(log, tracker16k_report8k_one_tracker) { 16384, 1, 8192, true };
FIXTURE_VARIANT_ADD(log, tracker2m_report4k) { 2 << 20, 0, 4096, false };

FIXTURE_SETUP(log)
{
	char val[32];

	self->dev.fd = -1;
	self->buf = MAP_FAILED;
	if (!vfm_mock_bound(bdf))
		SKIP(return, "%s is not bound to mock-vfio-pci", bdf);
	if (!logging_offered())
		SKIP(return, "DMA logging not offered: kernel without CONFIG_IOMMUFD_DRIVER");
	snprintf(val, sizeof(val), "%llu", (unsigned long long)variant->tracker_ps);
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdf, "dma_log_page_size", val));
	snprintf(val, sizeof(val), "%u", variant->max_ranges);
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdf, "dma_log_max_ranges", val));
	ASSERT_EQ(0, vfm_mock_debugfs_write(bdf, "dma_log_fail_report", "0"));
	open_with_window(_metadata, &self->dev, &self->buf);
}

FIXTURE_TEARDOWN(log)
{
	if (self->dev.fd >= 0)
		vfm_device_close(&self->dev);
	if (self->buf != MAP_FAILED)
		munmap(self->buf, NPAGES * PS);
	dma_log_knobs_off();
}

/*
 * The report bits expected for the buffer's dirty pages: a tracker page is
 * dirty if the device wrote a page of it inside the tracked area; a report
 * bit is set if any tracker page it overlaps is dirty.
 */
static void expected_bits(const uint8_t *buf, uint64_t tracked_first, uint64_t tracked_end,
			  bool gap, uint64_t tps, uint64_t rps, uint64_t *want)
{
	uint64_t tpp = tps / PS, rpp = rps / PS, p, q;

	memset(want, 0, NPAGES / 64 * sizeof(*want));
	for (p = 0; p < NPAGES; p++) {
		bool tracked = p >= tracked_first && p < tracked_end && !(gap && p >= 96 && p < 128);

		if (!tracked || !page_dirty(buf, p))
			continue;
		/* the tracker page of p, then every report bit it overlaps */
		for (q = p / tpp * tpp; q < (p / tpp + 1) * tpp && q < NPAGES; q++)
			want[q / rpp / 64] |= 1ULL << (q / rpp % 64);
	}
}

TEST_F_TIMEOUT(log, reports_exactly_the_pages_written, 120)
{
	struct vfio_device_feature_dma_logging_range r[2];
	uint64_t want[NPAGES / 64], got[NPAGES / 64], ps = 0, tps;
	uint32_t n = variant->two_ranges ? 2 : 1;
	unsigned int nwords = NPAGES * PS / variant->report_ps / 64 ?: 1, i;
	bool gap;

	if (variant->two_ranges) {
		r[0] = (struct vfio_device_feature_dma_logging_range){ IOVA_BASE, 96 * PS };
		r[1] = (struct vfio_device_feature_dma_logging_range){ IOVA_BASE + 128 * PS,
								       96 * PS };
	} else {
		r[0] = (struct vfio_device_feature_dma_logging_range){ IOVA_BASE, NPAGES * PS };
	}
	ASSERT_EQ(0, vfm_dma_log_start(&self->dev, PS, r, n, &ps));
	tps = variant->tracker_ps ?: PS;
	EXPECT_EQ(tps, ps);

	/* ~40 writes over 256 pages: a sparse set of dirty pages. */
	dma_program(&self->dev, IOVA_BASE, NPAGES * PS, 1000, 7);
	ASSERT_TRUE(wait_writes(&self->dev, 30, 20000));
	ASSERT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP), NULL));

	/* one tracker: the two ranges combine into [0, 224), the gap included */
	gap = variant->two_ranges && variant->max_ranges != 1;
	expected_bits(self->buf, 0, variant->two_ranges ? 224 : NPAGES, gap,
		      tps, variant->report_ps, want);

	/* only sets bits: preset words stay set */
	memset(got, 0, sizeof(got));
	got[nwords - 1] = 1ULL << 63;
	want[nwords - 1] |= 1ULL << 63;
	ASSERT_EQ(0, vfm_dma_log_report(&self->dev, IOVA_BASE, NPAGES * PS, variant->report_ps, got));
	for (i = 0; i < nwords; i++)
		EXPECT_EQ(want[i], got[i]) TH_LOG("word %u: want 0x%016llx got 0x%016llx", i,
						  (unsigned long long)want[i],
						  (unsigned long long)got[i]);
	EXPECT_GT(popcount_words(want, nwords), 0);
	TH_LOG("%u report bits set, tracker page %llu, report page %llu",
	       popcount_words(got, nwords), (unsigned long long)tps,
	       (unsigned long long)variant->report_ps);

	/*
	 * read-and-clear: a second report of the quiet device is empty, except
	 * for tracker pages the report range covered only in part (a 2 MiB
	 * tracker page over this 1 MiB buffer), which stay dirty.
	 */
	expected_bits(self->buf, 0, variant->two_ranges ? 224 : NPAGES, gap,
		      tps, variant->report_ps, want);
	memset(got, 0, sizeof(got));
	ASSERT_EQ(0, vfm_dma_log_report(&self->dev, IOVA_BASE, NPAGES * PS, variant->report_ps, got));
	if (tps > NPAGES * PS) {
		for (i = 0; i < nwords; i++)
			EXPECT_EQ(want[i], got[i]) TH_LOG("partly reported tracker page lost");
	} else {
		EXPECT_EQ(0, popcount_words(got, nwords)) TH_LOG("REPORT did not clear");
	}
	EXPECT_EQ(0, vfm_dma_log_stop(&self->dev));
}

int main(int argc, char *argv[])
{
	bdf = selftest_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
