// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_DEVICE_FEATURE_MIG_DATA_SIZE: answered in every state, and how its
 * estimate compares with the data that follows: in STOP, in STOP_COPY partly
 * read and in PRE_COPY partly read.  Device-agnostic, except the one-page
 * accuracy bound, which is mock-vfio-pci's own promise.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "selftest.h"
#include "rules.h"
#include "mock_vfio_pci.h"

FIXTURE(data_size) {
	struct vfm_device dev;
	uint64_t flags;
};

FIXTURE_SETUP(data_size)
{
	SELFTEST_PREPARE(&self->dev, &self->flags);
}

FIXTURE_TEARDOWN(data_size)
{
	vfm_device_close(&self->dev);
}

/*
 * uAPI: "Note: Can be called on each device state."  Every state the device
 * supports, RESUMING included (with nothing written: the reset that follows
 * aborts it).
 */
TEST_F_TIMEOUT(data_size, answered_in_every_state, 60)
{
	uint32_t s;

	for (s = 0; s < VFIO_DEVICE_STATE_NR; s++) {
		uint64_t bytes;
		int fd, ret;

		if (!vfm_fsm_state_requestable(self->flags, s))
			continue;
		ASSERT_EQ(0, selftest_reset(&self->dev));
		ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, s, &fd));
		ret = vfm_data_size(&self->dev, &bytes);
		RULE_EXPECT("data_size.every-state", !ret, "MIG_DATA_SIZE in %s: %s",
			    vfm_state_name(s), strerror(-ret));
		if (fd >= 0)
			close(fd);
	}
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/*
 * The uAPI asks only for "the estimated data length that will be required to
 * complete stop copy".  mock-vfio-pci promises more: in STOP, where nothing
 * changes, the estimate covers the STOP_COPY stream that follows and exceeds
 * it by at most one page.  Other devices: record the ratio only.
 */
TEST_F_TIMEOUT(data_size, estimate_in_stop_vs_stop_copy, 60)
{
	bool mock = selftest_driver_is(selftest_bdf, MOCK_VFIO_PCI_DRIVER_NAME);
	void *stream = NULL;
	size_t len = 0;
	uint64_t est;
	int fd, ret;

	ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, MIG_STATE(STOP), NULL));
	ASSERT_EQ(0, vfm_data_size(&self->dev, &est));
	ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, MIG_STATE(STOP_COPY), &fd));
	ASSERT_GE(fd, 0) TH_LOG("STOP -> STOP_COPY returned no data_fd");
	ret = vfm_read_all(fd, &stream, &len);
	EXPECT_EQ(0, ret) TH_LOG("reading the STOP_COPY stream after %zu bytes: %s", len,
				 strerror(-ret));
	EXPECT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP), NULL));
	close(fd);
	free(stream);

	if (mock) {
		EXPECT_GE(est, len) TH_LOG("estimate %llu < the %zu byte stream",
					   (unsigned long long)est, len);
		EXPECT_LE(est, len + MOCK_PAGE_SIZE)
			TH_LOG("estimate %llu > the %zu byte stream + one page",
			       (unsigned long long)est, len);
	} else {
		TH_LOG("estimate %llu for a %zu byte stream (ratio %.3f)", (unsigned long long)est,
		       len, len ? (double)est / len : 0.0);
	}
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/* Read up to @want bytes (fewer at end of stream); bytes read, or -errno. */
static long long read_some(int fd, size_t want)
{
	static char chunk[64 * 1024];
	long long done = 0;

	while ((size_t)done < want) {
		size_t n = want - done < sizeof(chunk) ? want - done : sizeof(chunk);
		ssize_t r = read(fd, chunk, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		done += r;
	}
	return done;
}

/* The bytes from here to the end of a STOP_COPY stream, or -errno. */
static long long read_rest(int fd)
{
	void *rest = NULL;
	size_t len = 0;
	int ret = vfm_read_all(fd, &rest, &len);

	free(rest);
	return ret ? ret : (long long)len;
}

/*
 * Compare a mid-session estimate with the truth measured afterwards: every
 * device should cover what is still to come (rule data_size.covers-rest);
 * mock-vfio-pci promises at most one page more (Documentation/migration.rst
 * "MIG_DATA_SIZE").  Other devices: record the ratio.
 */
static void check_estimate(struct __test_metadata *_metadata, const char *when, uint64_t est,
			   long long rest)
{
	bool mock = selftest_driver_is(selftest_bdf, MOCK_VFIO_PCI_DRIVER_NAME);

	RULE_EXPECT("data_size.covers-rest", est >= (uint64_t)rest,
		    "%s: estimate %llu < the %lld bytes that followed", when,
		    (unsigned long long)est, rest);
	if (mock) {
		EXPECT_LE(est, (uint64_t)rest + MOCK_PAGE_SIZE)
			TH_LOG("%s: estimate %llu > the %lld bytes that followed + one page",
			       when, (unsigned long long)est, rest);
	} else {
		TH_LOG("%s: estimate %llu for %lld bytes still to read (ratio %.3f)", when,
		       (unsigned long long)est, rest, rest ? (double)est / rest : 0.0);
	}
}

/*
 * In STOP_COPY the device is stopped: after part of the stream was read
 * (about half, at an offset that is not a multiple of the page size), the
 * estimate covers the rest of the stream, read to end of stream to know it.
 * At end of stream nothing remains; the estimate must still answer.
 */
TEST_F_TIMEOUT(data_size, estimate_mid_stop_copy, 60)
{
	bool mock = selftest_driver_is(selftest_bdf, MOCK_VFIO_PCI_DRIVER_NAME);
	uint64_t whole, est, end;
	long long got, rest;
	int fd, ret;

	ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, MIG_STATE(STOP), NULL));
	ASSERT_EQ(0, vfm_data_size(&self->dev, &whole));
	ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, MIG_STATE(STOP_COPY), &fd));
	ASSERT_GE(fd, 0) TH_LOG("STOP -> STOP_COPY returned no data_fd");
	got = read_some(fd, whole / 2 + 123);
	ASSERT_GE(got, 0) TH_LOG("reading the STOP_COPY stream: %s", strerror((int)-got));
	ret = vfm_data_size(&self->dev, &est);
	ASSERT_EQ(0, ret) TH_LOG("MIG_DATA_SIZE in STOP_COPY after %lld bytes: %s", got,
				 strerror(-ret));
	rest = read_rest(fd);
	ASSERT_GE(rest, 0) TH_LOG("reading the STOP_COPY stream to its end after %lld bytes: %s",
				  got, strerror((int)-rest));
	TH_LOG("STOP_COPY: %lld bytes read, estimate %llu, %lld bytes to end of stream", got,
	       (unsigned long long)est, rest);
	check_estimate(_metadata, "STOP_COPY partly read", est, rest);

	ret = vfm_data_size(&self->dev, &end);
	ASSERT_EQ(0, ret) TH_LOG("MIG_DATA_SIZE at the end of the STOP_COPY stream: %s",
				 strerror(-ret));
	if (mock) {
		EXPECT_EQ(0, end) TH_LOG("estimate %llu at the end of the STOP_COPY stream",
					 (unsigned long long)end);
	} else {
		TH_LOG("estimate %llu at the end of the STOP_COPY stream",
		       (unsigned long long)end);
	}
	EXPECT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP), NULL));
	close(fd);
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

/*
 * In PRE_COPY (devices that offer it): after part of the initial data was
 * read, the estimate covers what the session still produces, here PRE_COPY ->
 * STOP_COPY at once and reading to end of stream.  A running device may
 * dirty its state meanwhile and legitimately produce more, so the check is
 * made only when PRECOPY_INFO reports no dirty data after the estimate.
 */
TEST_F_TIMEOUT(data_size, estimate_mid_pre_copy, 60)
{
	struct vfio_precopy_info info;
	uint64_t est;
	long long got, rest;
	int fd, ret;

	if (!(self->flags & VFIO_MIGRATION_PRE_COPY))
		SKIP(return, "the device does not offer PRE_COPY (flags 0x%llx)",
		     (unsigned long long)self->flags);
	ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, MIG_STATE(PRE_COPY), &fd));
	ASSERT_GE(fd, 0) TH_LOG("entering PRE_COPY returned no data_fd");
	ASSERT_EQ(0, vfm_precopy_info(fd, &info));
	got = read_some(fd, info.initial_bytes / 2 + 123);
	/* a temporary end of stream (ENOMSG, or 0 from some drivers) is fine */
	if (got == -ENOMSG)
		got = 0;
	ASSERT_GE(got, 0) TH_LOG("reading PRE_COPY data: %s", strerror((int)-got));
	ret = vfm_data_size(&self->dev, &est);
	ASSERT_EQ(0, ret) TH_LOG("MIG_DATA_SIZE in PRE_COPY after %lld bytes: %s", got,
				 strerror(-ret));
	ASSERT_EQ(0, vfm_precopy_info(fd, &info));
	ASSERT_EQ(0, selftest_drive(&self->dev, self->flags, MIG_STATE(STOP_COPY), NULL));
	rest = read_rest(fd);
	ASSERT_GE(rest, 0) TH_LOG("reading to end of stream after %lld bytes: %s", got,
				  strerror((int)-rest));
	TH_LOG("PRE_COPY: %lld bytes read, estimate %llu (initial %llu, dirty %llu), %lld bytes to end of stream",
	       got, (unsigned long long)est, (unsigned long long)info.initial_bytes,
	       (unsigned long long)info.dirty_bytes, rest);
	if (info.dirty_bytes)
		TH_LOG("the device dirtied %llu bytes meanwhile: estimate not checked",
		       (unsigned long long)info.dirty_bytes);
	else
		check_estimate(_metadata, "PRE_COPY partly read", est, rest);
	EXPECT_EQ(0, vfm_set_state(&self->dev, MIG_STATE(STOP), NULL));
	close(fd);
	EXPECT_EQ(0, selftest_reset(&self->dev));
}

int main(int argc, char *argv[])
{
	selftest_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
