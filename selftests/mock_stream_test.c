// SPDX-License-Identifier: GPL-2.0-only
/*
 * mock-vfio-pci's migration stream end to end, between two mock devices:
 * round trips (with the workload running during PRE_COPY, any write
 * segmentation, the previous minor version) and malformed streams, each
 * rejected with its documented errno (uapi/mock_vfio_pci.h) and the device
 * recoverable by reset.  Needs two devices: "mock_stream_test SRC DST".
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "vfiomig/mockstream.h"
#include "mock.h"

#define SMALL_MEM	"262144"	/* 64 pages: quick to stream byte by byte */
#define MAX_RECS	(1 << 20)

static const char *bdf_src, *bdf_dst;

static int sysfs_set(const char *bdf, const char *attr, const char *val, char *old)
{
	int ret = old ? vfm_mock_sysfs_read(bdf, attr, old, 32) : 0;

	return ret ? ret : vfm_mock_sysfs_write(bdf, attr, val);
}

/*
 * Open source and destination, reset, as different VMs to the monitor (two
 * groups).  0 or -errno; the library names a failed open or reset.
 */
static int pair_open(struct vfm_device *src, struct vfm_device *dst)
{
	int ret = vfm_mock_sysfs_write(bdf_src, "group", "41");

	if (!ret)
		ret = vfm_mock_sysfs_write(bdf_dst, "group", "42");
	if (!ret)
		ret = vfm_device_open(bdf_src, src);
	if (!ret)
		ret = vfm_device_open(bdf_dst, dst);
	if (!ret)
		ret = vfm_reset(src);
	if (!ret)
		ret = vfm_reset(dst);
	return ret;
}

/* Undo pair_open(), as far as it went (a device not opened has fd -1). */
static void pair_close(struct vfm_device *src, struct vfm_device *dst)
{
	if (src->fd >= 0)
		vfm_device_close(src);
	if (dst->fd >= 0)
		vfm_device_close(dst);
	if (bdf_dst) {
		vfm_mock_sysfs_write(bdf_src, "group", "0");
		vfm_mock_sysfs_write(bdf_dst, "group", "0");
	}
}

FIXTURE(pair) {
	struct vfm_device src, dst;
	char old_src[32], old_dst[32];
	bool resized;
};

FIXTURE_VARIANT(pair) {
	const char *mem_size;	/* NULL: as configured (16 MiB by default) */
};

FIXTURE_VARIANT_ADD(pair, small) { .mem_size = SMALL_MEM };
FIXTURE_VARIANT_ADD(pair, configured) { .mem_size = NULL };

FIXTURE_SETUP(pair)
{
	self->src.fd = self->dst.fd = -1;
	if (!bdf_dst)
		SKIP(return, "needs two devices: mock_stream_test SRC DST");
	if (!vfm_mock_bound(bdf_src) || !vfm_mock_bound(bdf_dst))
		SKIP(return, "%s and %s are not both bound to mock-vfio-pci", bdf_src, bdf_dst);
	if (variant->mem_size) {
		ASSERT_EQ(0, sysfs_set(bdf_src, "mem_size", variant->mem_size, self->old_src));
		ASSERT_EQ(0, sysfs_set(bdf_dst, "mem_size", variant->mem_size, self->old_dst));
		self->resized = true;
	}
	ASSERT_EQ(0, pair_open(&self->src, &self->dst));
}

FIXTURE_TEARDOWN(pair)
{
	pair_close(&self->src, &self->dst);
	if (self->resized) {
		vfm_mock_sysfs_write(bdf_src, "mem_size", self->old_src);
		vfm_mock_sysfs_write(bdf_dst, "mem_size", self->old_dst);
	}
}

/* Give the source some state of its own: memory contents and registers. */
static void scribble(const struct vfm_device *dev)
{
	int i;

	mock_wr(dev, MOCK_REG_WL_SEED, 0x1234abcd);
	mock_wr(dev, MOCK_REG_WL_RATE, 777);
	for (i = 0; i < 16; i++) {
		mock_wr(dev, MOCK_REG_MEM_ADDR, (uint64_t)i * 8192 + 40);
		mock_wr(dev, MOCK_REG_MEM_DATA, 0xc0de0000 + i);
	}
}

TEST_F(pair, round_trip_stop_copy)
{
	uint64_t digest, size;
	int write_err;
	size_t len;
	void *buf;

	scribble(&self->src);
	ASSERT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_STOP, NULL));
	ASSERT_EQ(0, vfm_data_size(&self->src, &size));
	ASSERT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_RUNNING, NULL));
	digest = mock_rd(&self->src, MOCK_REG_DIGEST);
	ASSERT_EQ(0, mock_save(&self->src, &buf, &len));
	EXPECT_EQ(size, len) TH_LOG("MIG_DATA_SIZE said %llu", (unsigned long long)size);
	EXPECT_EQ(digest, mock_rd(&self->src, MOCK_REG_DIGEST));

	ASSERT_NE(digest, mock_rd(&self->dst, MOCK_REG_DIGEST));
	ASSERT_EQ(0, mock_load(&self->dst, buf, len, 0, &write_err));
	EXPECT_EQ(0, write_err);
	EXPECT_EQ(digest, mock_rd(&self->dst, MOCK_REG_DIGEST));
	EXPECT_EQ(777, mock_rd(&self->dst, MOCK_REG_WL_RATE));
	ASSERT_EQ(0, vfm_set_state(&self->dst, VFIO_DEVICE_STATE_RUNNING, NULL));
	EXPECT_EQ(digest, mock_rd(&self->dst, MOCK_REG_DIGEST));
	free(buf);
}

/* The writer need not preserve segmentation: any write sizes. */
/*
 * The destination restores in place: no second copy of its memory (what it
 * held during the session is its memory, the page hashes and a fixed
 * ~70 KiB session), and while it loads, the memory window shows nothing.
 */
TEST_F(pair, restores_in_place)
{
	uint64_t digest, mem_size, held;
	char val[32];
	size_t len;
	void *buf;
	int fd;

	scribble(&self->src);
	scribble(&self->dst);
	digest = mock_rd(&self->src, MOCK_REG_DIGEST);
	ASSERT_EQ(0, mock_save(&self->src, &buf, &len));
	ASSERT_EQ(0, vfm_set_state(&self->dst, VFIO_DEVICE_STATE_RESUMING, &fd));
	/* MEM_ADDR is where scribble() left it, in range: the window is closed. */
	EXPECT_EQ(0xffffffff, mock_rd(&self->dst, MOCK_REG_MEM_DATA));
	ASSERT_EQ(0, vfm_write_all(fd, buf, len, 0));
	ASSERT_EQ(0, vfm_set_state(&self->dst, VFIO_DEVICE_STATE_RUNNING, NULL));
	close(fd);
	EXPECT_EQ(digest, mock_rd(&self->dst, MOCK_REG_DIGEST));
	mock_wr(&self->dst, MOCK_REG_MEM_ADDR, 40);
	EXPECT_EQ(0xc0de0000, mock_rd(&self->dst, MOCK_REG_MEM_DATA));

	ASSERT_EQ(0, vfm_mock_sysfs_read(bdf_dst, "mem_size", val, sizeof(val)));
	mem_size = strtoull(val, NULL, 0);
	ASSERT_EQ(0, vfm_mock_sysfs_read(bdf_dst, "resume_mem_bytes", val, sizeof(val)));
	held = strtoull(val, NULL, 0);
	EXPECT_GE(held, mem_size);
	EXPECT_LE(held, mem_size + mem_size / 256 + 96 * 1024)
		TH_LOG("held %llu bytes during RESUMING for %llu of memory",
		       (unsigned long long)held, (unsigned long long)mem_size);
	free(buf);
}

TEST_F(pair, round_trip_any_segmentation)
{
	static const size_t chunks[] = { 1, 3, 31, 4097 };
	int write_err;
	uint64_t digest;
	size_t len, i;
	void *buf;

	scribble(&self->src);
	digest = mock_rd(&self->src, MOCK_REG_DIGEST);
	ASSERT_EQ(0, mock_save(&self->src, &buf, &len));
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		if (chunks[i] < 31 && len > (1 << 20))
			continue;	/* byte-sized writes of 16 MiB take too long */
		ASSERT_EQ(0, vfm_reset(&self->dst));
		ASSERT_EQ(0, mock_load(&self->dst, buf, len, chunks[i], &write_err))
			TH_LOG("write size %zu", chunks[i]);
		EXPECT_EQ(0, write_err);
		EXPECT_EQ(digest, mock_rd(&self->dst, MOCK_REG_DIGEST));
	}
	free(buf);
}

static int drain(int fd, uint8_t **buf, size_t *len, size_t *cap)
{
	for (;;) {
		ssize_t n;

		if (*cap - *len < 65536) {
			*cap = *cap * 2 + 65536;
			*buf = realloc(*buf, *cap);
		}
		n = read(fd, *buf + *len, 65536);
		if (n > 0) {
			*len += n;
			continue;
		}
		return n < 0 ? -errno : 0;
	}
}

/* PRE_COPY with the workload dirtying pages throughout, then STOP_COPY. */
TEST_F(pair, round_trip_precopy_with_workload)
{
	struct vfio_precopy_info info = {};
	uint64_t digest, seen_dirty = 0;
	size_t len = 0, cap = 0;
	uint8_t *buf = NULL;
	int fd, round, write_err;

	scribble(&self->src);
	mock_workload(&self->src, 99, 3000);
	ASSERT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_PRE_COPY, &fd));
	for (round = 0; round < 10; round++) {
		ASSERT_EQ(-ENOMSG, drain(fd, &buf, &len, &cap));
		ASSERT_EQ(0, vfm_precopy_info(fd, &info));
		EXPECT_EQ(0, info.initial_bytes);
		usleep(50 * 1000);
		ASSERT_EQ(0, vfm_precopy_info(fd, &info));
		seen_dirty += info.dirty_bytes;
	}
	EXPECT_GT(seen_dirty, 0) TH_LOG("the workload dirtied nothing during PRE_COPY");
	ASSERT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_STOP_COPY, NULL));
	ASSERT_EQ(0, drain(fd, &buf, &len, &cap));
	close(fd);
	digest = mock_rd(&self->src, MOCK_REG_DIGEST);
	ASSERT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_STOP, NULL));

	ASSERT_EQ(0, mock_load(&self->dst, buf, len, 0, &write_err));
	EXPECT_EQ(0, write_err);
	EXPECT_EQ(digest, mock_rd(&self->dst, MOCK_REG_DIGEST));
	/* Both continue the same workload from the same PRNG state. */
	EXPECT_EQ(mock_rd(&self->src, MOCK_REG_WL_WRITES),
		  mock_rd(&self->dst, MOCK_REG_WL_WRITES));
	free(buf);
}

static int opt_in_precopy_v2(const struct vfm_device *dev)
{
	struct vfio_device_feature feat = {
		.argsz = sizeof(feat),
		.flags = VFIO_DEVICE_FEATURE_SET | MOCK_FEATURE_PRECOPY_INFO_V2,
	};

	return ioctl(dev->fd, VFIO_DEVICE_FEATURE, &feat) ? -errno : 0;
}

/*
 * MOCK_DEV_CTRL_REINIT during PRE_COPY: with the MIG_PRECOPY_INFOv2 opt-in,
 * REINIT is reported once and initial_bytes restarts at the full state;
 * without it, initial_bytes stays 0 and the state comes back as dirty_bytes.
 * Either way the stream still restores.
 */
static void reinit_round_trip(struct __test_metadata *_metadata,
			      FIXTURE_DATA(pair) *self, bool v2)
{
	struct vfio_precopy_info info = {};
	size_t len = 0, cap = 0, state_bytes;
	uint8_t *buf = NULL;
	int fd, write_err;
	uint64_t digest;

	if (v2)
		ASSERT_EQ(0, opt_in_precopy_v2(&self->src));
	scribble(&self->src);
	ASSERT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_PRE_COPY, &fd));
	ASSERT_EQ(0, vfm_precopy_info(fd, &info));
	state_bytes = info.initial_bytes;
	ASSERT_EQ(-ENOMSG, drain(fd, &buf, &len, &cap));
	info.flags = 0;
	ASSERT_EQ(0, vfm_precopy_info(fd, &info));
	ASSERT_EQ(0, info.initial_bytes);
	ASSERT_EQ(0, info.dirty_bytes);

	mock_wr(&self->src, MOCK_REG_DEV_CTRL, MOCK_DEV_CTRL_REINIT);
	info.flags = 0;
	ASSERT_EQ(0, vfm_precopy_info(fd, &info));
	if (v2) {
		EXPECT_EQ(VFIO_PRECOPY_INFO_REINIT, info.flags);
		EXPECT_GT(info.initial_bytes, state_bytes / 2);
		EXPECT_EQ(0, info.dirty_bytes);
		info.flags = 0;
		ASSERT_EQ(0, vfm_precopy_info(fd, &info));
		EXPECT_EQ(0, info.flags) TH_LOG("REINIT is reported once");
	} else {
		EXPECT_EQ(0, info.initial_bytes);
		EXPECT_GT(info.dirty_bytes, state_bytes / 2);
	}
	ASSERT_EQ(-ENOMSG, drain(fd, &buf, &len, &cap));
	ASSERT_EQ(0, vfm_set_state(&self->src, VFIO_DEVICE_STATE_STOP_COPY, NULL));
	ASSERT_EQ(0, drain(fd, &buf, &len, &cap));
	close(fd);
	digest = mock_rd(&self->src, MOCK_REG_DIGEST);
	ASSERT_EQ(0, mock_load(&self->dst, buf, len, 0, &write_err));
	EXPECT_EQ(digest, mock_rd(&self->dst, MOCK_REG_DIGEST));
	free(buf);
}

TEST_F(pair, reinit_with_precopy_v2)
{
	reinit_round_trip(_metadata, self, true);
}

TEST_F(pair, reinit_without_opt_in)
{
	reinit_round_trip(_metadata, self, false);
}

/* stream_minor=0 emits version 1.0 (no SOURCE record); it still loads. */
TEST_F(pair, previous_minor_version)
{
	struct ms_rec recs[8];
	struct mock_stream_header hdr;
	char old[32];
	int write_err;
	uint64_t digest;
	size_t len, i;
	long n;
	void *buf;

	ASSERT_EQ(0, sysfs_set(bdf_src, "stream_minor", "0", old));
	scribble(&self->src);
	digest = mock_rd(&self->src, MOCK_REG_DIGEST);
	ASSERT_EQ(0, mock_save(&self->src, &buf, &len));
	vfm_mock_sysfs_write(bdf_src, "stream_minor", old);

	n = ms_split(buf, len, recs, 8, NULL);
	ASSERT_GT(n, 3);
	ASSERT_EQ(MOCK_REC_HEADER, recs[0].type);
	memcpy(&hdr, (uint8_t *)buf + recs[0].off + sizeof(struct mock_rec_hdr), sizeof(hdr));
	EXPECT_EQ(0, le16toh(hdr.minor));
	for (i = 0; i < 8; i++)
		EXPECT_NE(MOCK_REC_SOURCE, recs[i].type);
	ASSERT_EQ(0, mock_load(&self->dst, buf, len, 0, &write_err));
	EXPECT_EQ(digest, mock_rd(&self->dst, MOCK_REG_DIGEST));
	free(buf);
}

/* A stream from a device of another configuration is refused. */
TEST_F(pair, foreign_configuration_refused)
{
	char other[32];
	int write_err;
	size_t len;
	void *buf;

	ASSERT_EQ(0, mock_save(&self->src, &buf, &len));
	vfm_device_close(&self->dst);
	ASSERT_EQ(0, vfm_mock_sysfs_read(bdf_dst, "mem_size", other, sizeof(other)));
	snprintf(other, sizeof(other), "%llu", strtoull(other, NULL, 0) * 2);
	ASSERT_EQ(0, sysfs_set(bdf_dst, "mem_size", other, self->resized ? NULL : self->old_dst));
	self->resized = true;
	ASSERT_EQ(0, vfm_device_open(bdf_dst, &self->dst));
	EXPECT_EQ(-ENODATA, mock_load(&self->dst, buf, len, 0, &write_err));
	EXPECT_EQ(EINVAL, write_err);
	free(buf);
}

/*
 * Malformed streams.  Each variant edits a good stream (64 pages, minor 1:
 * records HEADER, SOURCE, 64 x PAGE, REGS, END) and names the errno the
 * first bad write() must fail with (0: writes succeed) and the errno of
 * leaving RESUMING.
 */
typedef size_t (*mutate_fn)(uint8_t *buf, size_t len, const struct ms_rec *r, long n);

#define HDR_SZ sizeof(struct mock_rec_hdr)

static size_t cut_mid_page(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	return r[5].off + HDR_SZ + 100;
}

static size_t cut_before_end(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	return r[n - 1].off;
}

static size_t bad_magic(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	buf[r[0].off + HDR_SZ] ^= 1;
	ms_reseal(buf, r[0].off);
	return len;
}

static size_t no_header(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	memmove(buf, buf + r[1].off, len - r[1].off);
	return len - r[1].off;
}

static size_t major_two(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	struct mock_stream_header *h = (void *)(buf + r[0].off + HDR_SZ);

	h->major = htole16(2);
	ms_reseal(buf, r[0].off);
	return len;
}

static size_t flip_header_csum(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	buf[r[0].off + offsetof(struct mock_rec_hdr, hdr_csum)] ^= 0x10;
	return len;
}

static size_t flip_page_bit(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	buf[r[10].off + HDR_SZ + 1234] ^= 0x04;
	return len;
}

static size_t foreign_mem_size(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	struct mock_stream_header *h = (void *)(buf + r[0].off + HDR_SZ);

	h->mem_size = htole64(le64toh(h->mem_size) * 2);
	ms_reseal(buf, r[0].off);
	return len;
}

static size_t insert_after_header(uint8_t *buf, size_t len, const struct ms_rec *r,
				  uint16_t type, uint16_t flags, uint64_t plen)
{
	static uint8_t payload[MOCK_STREAM_MAX_PAYLOAD + 16];
	size_t at = r[1].off, add = HDR_SZ + plen;

	memmove(buf + at + add, buf + at, len - at);
	ms_build(buf + at, type, flags, 0, payload, plen);
	return len + add;
}

static size_t unknown_mandatory(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	return insert_after_header(buf, len, r, 0x77, 0, 16);
}

static size_t unknown_optional(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	return insert_after_header(buf, len, r, 0x78, MOCK_REC_F_OPTIONAL, 100);
}

static size_t oversize(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	return insert_after_header(buf, len, r, 0x78, MOCK_REC_F_OPTIONAL,
				   MOCK_STREAM_MAX_PAYLOAD + 8);
}

static size_t page_out_of_range(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	struct mock_rec_hdr *h = (void *)(buf + r[7].off);

	h->arg = htole64(64);	/* pages are 0..63 */
	ms_reseal(buf, r[7].off);
	return len;
}

static size_t duplicate_header(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	size_t rec = r[1].off - r[0].off;

	memmove(buf + r[1].off + rec, buf + r[1].off, len - r[1].off);
	memcpy(buf + r[1].off, buf + r[0].off, rec);
	return len + rec;
}

static size_t after_end(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	memcpy(buf + len, buf + r[n - 1].off, len - r[n - 1].off);
	return len + (len - r[n - 1].off);
}

static size_t wrong_digest(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	buf[r[n - 1].off + HDR_SZ] ^= 1;
	ms_reseal(buf, r[n - 1].off);
	return len;
}

static size_t bad_regs(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	struct mock_stream_regs *regs = (void *)(buf + r[n - 2].off + HDR_SZ);

	regs->wl_ctrl = htole32(0x80);
	ms_reseal(buf, r[n - 2].off);
	return len;
}

static size_t second_regs(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	size_t rec = r[n - 1].off - r[n - 2].off;

	memmove(buf + r[n - 1].off + rec, buf + r[n - 1].off, len - r[n - 1].off);
	memcpy(buf + r[n - 1].off, buf + r[n - 2].off, rec);
	return len + rec;
}

static size_t page_after_regs(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	size_t rec = r[3].off - r[2].off;

	memmove(buf + r[n - 1].off + rec, buf + r[n - 1].off, len - r[n - 1].off);
	memcpy(buf + r[n - 1].off, buf + r[2].off, rec);
	return len + rec;
}

static size_t missing_page(uint8_t *buf, size_t len, const struct ms_rec *r, long n)
{
	size_t rec = r[3].off - r[2].off;

	memmove(buf + r[2].off, buf + r[3].off, len - r[3].off);
	return len - rec;
}

FIXTURE(bad) {
	struct vfm_device src, dst;
	char old_src[32], old_dst[32];
	uint8_t *good, *buf;
	size_t len;
	uint64_t digest;
	uint64_t reset_digest;	/* the destination's, after a reset */
};

FIXTURE_VARIANT(bad) {
	mutate_fn mutate;
	int write_errno;	/* first failing write() */
	int stop_errno;		/* RESUMING -> STOP */
};

FIXTURE_VARIANT_ADD(bad, truncated_mid_record) { cut_mid_page, 0, ENODATA };
FIXTURE_VARIANT_ADD(bad, truncated_before_end) { cut_before_end, 0, ENODATA };
FIXTURE_VARIANT_ADD(bad, bad_magic) { bad_magic, EPROTO, ENODATA };
FIXTURE_VARIANT_ADD(bad, no_header) { no_header, EPROTO, ENODATA };
FIXTURE_VARIANT_ADD(bad, major_version_2) { major_two, EPROTONOSUPPORT, ENODATA };
FIXTURE_VARIANT_ADD(bad, header_checksum) { flip_header_csum, EBADMSG, ENODATA };
FIXTURE_VARIANT_ADD(bad, page_bit_flip) { flip_page_bit, EBADMSG, ENODATA };
FIXTURE_VARIANT_ADD(bad, foreign_mem_size) { foreign_mem_size, EINVAL, ENODATA };
FIXTURE_VARIANT_ADD(bad, unknown_mandatory_record) { unknown_mandatory, EOPNOTSUPP, ENODATA };
FIXTURE_VARIANT_ADD(bad, oversize_record) { oversize, EFBIG, ENODATA };
FIXTURE_VARIANT_ADD(bad, page_index_out_of_range) { page_out_of_range, ERANGE, ENODATA };
FIXTURE_VARIANT_ADD(bad, duplicate_header) { duplicate_header, EPROTO, ENODATA };
FIXTURE_VARIANT_ADD(bad, data_after_end) { after_end, EPROTO, ENODATA };
FIXTURE_VARIANT_ADD(bad, wrong_end_digest) { wrong_digest, EBADMSG, ENODATA };
FIXTURE_VARIANT_ADD(bad, regs_out_of_range) { bad_regs, ERANGE, ENODATA };
FIXTURE_VARIANT_ADD(bad, missing_page) { missing_page, EPROTO, ENODATA };
FIXTURE_VARIANT_ADD(bad, second_regs) { second_regs, EPROTO, ENODATA };
FIXTURE_VARIANT_ADD(bad, page_after_regs) { page_after_regs, EPROTO, ENODATA };

FIXTURE_VARIANT_ADD(bad, unknown_optional_record_skipped) { unknown_optional, 0, 0 };

FIXTURE_SETUP(bad)
{
	void *good;

	self->src.fd = self->dst.fd = -1;
	if (!bdf_dst)
		SKIP(return, "needs two devices: mock_stream_test SRC DST");
	if (!vfm_mock_bound(bdf_src) || !vfm_mock_bound(bdf_dst))
		SKIP(return, "%s and %s are not both bound to mock-vfio-pci", bdf_src, bdf_dst);
	ASSERT_EQ(0, sysfs_set(bdf_src, "mem_size", SMALL_MEM, self->old_src));
	ASSERT_EQ(0, sysfs_set(bdf_dst, "mem_size", SMALL_MEM, self->old_dst));
	ASSERT_EQ(0, pair_open(&self->src, &self->dst));
	self->reset_digest = mock_rd(&self->dst, MOCK_REG_DIGEST);
	scribble(&self->src);
	/* A destination with a state of its own, given up at RESUMING. */
	scribble(&self->dst);
	self->digest = mock_rd(&self->src, MOCK_REG_DIGEST);
	ASSERT_EQ(0, mock_save(&self->src, &good, &self->len));
	self->good = good;
	self->buf = malloc(2 * self->len + 2 * MOCK_STREAM_MAX_PAYLOAD);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(bad)
{
	free(self->good);
	free(self->buf);
	pair_close(&self->src, &self->dst);
	vfm_mock_sysfs_write(bdf_src, "mem_size", self->old_src);
	vfm_mock_sysfs_write(bdf_dst, "mem_size", self->old_dst);
}

TEST_F(bad, rejected_with_documented_errno)
{
	static struct ms_rec recs[80];
	uint64_t before;
	int fd, ret;
	size_t len;
	long n;

	n = ms_split(self->good, self->len, recs, 80, NULL);
	ASSERT_EQ(68, n);
	memcpy(self->buf, self->good, self->len);
	len = variant->mutate(self->buf, self->len, recs, n);

	before = mock_rd(&self->dst, MOCK_REG_DIGEST);
	ASSERT_NE(self->reset_digest, before);
	ASSERT_EQ(0, vfm_set_state(&self->dst, VFIO_DEVICE_STATE_RESUMING, &fd));
	ret = vfm_write_all(fd, self->buf, len, 4096);
	EXPECT_EQ(-variant->write_errno, ret);
	if (ret) {
		/* The stream stays rejected. */
		EXPECT_EQ(-EIO, vfm_write_all(fd, self->good, 64, 0));
	}
	EXPECT_EQ(-variant->stop_errno, vfm_set_state(&self->dst, VFIO_DEVICE_STATE_STOP, NULL));
	if (variant->stop_errno) {
		/*
		 * Still RESUMING, in the reset state: neither the state given
		 * up nor the part of the stream applied.  The session stays
		 * refused, even given the rest of a good stream; reset recovers.
		 */
		EXPECT_EQ(VFIO_DEVICE_STATE_RESUMING, mock_state_of(&self->dst));
		EXPECT_EQ(self->reset_digest, mock_rd(&self->dst, MOCK_REG_DIGEST));
		EXPECT_EQ(-EIO, vfm_write_all(fd, self->good, self->len, 0));
		EXPECT_EQ(-variant->stop_errno,
			  vfm_set_state(&self->dst, VFIO_DEVICE_STATE_STOP, NULL));
		close(fd);
		ASSERT_EQ(0, vfm_reset(&self->dst));
		EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, mock_state_of(&self->dst));
		ASSERT_EQ(0, mock_load(&self->dst, self->good, self->len, 0, &ret));
	} else {
		close(fd);
	}
	EXPECT_EQ(self->digest, mock_rd(&self->dst, MOCK_REG_DIGEST));
}

int main(int argc, char *argv[])
{
	char bdfs[2][32];
	int n = 0;

	while (argc > 1 && n < 2 && !vfm_parse_bdf(argv[argc - 1], bdfs[n], 32)) {
		argv[--argc] = NULL;
		n++;
	}
	/* Given as "SRC DST": the last argument is DST. */
	if (n == 2) {
		bdf_src = bdfs[1];
		bdf_dst = bdfs[0];
	} else if (n == 1) {
		bdf_src = bdfs[0];
	}
	return test_harness_run(argc, argv);
}
