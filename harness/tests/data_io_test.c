// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-side unit tests of libvfiomig's data_fd helpers, vfm_read_all() and
 * vfm_write_all(), on ordinary files: they only use read() and write().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfiomig/device.h"

#define LEN	(3 * 1024 * 1024 + 12345)	/* several read chunks, not a multiple */

FIXTURE(file) {
	int fd;
	unsigned char *data;
};

FIXTURE_SETUP(file)
{
	char path[] = "/tmp/vfiomig-data-io-XXXXXX";
	size_t i;

	self->fd = mkstemp(path);
	ASSERT_LE(0, self->fd);
	unlink(path);
	self->data = malloc(LEN);
	ASSERT_NE(NULL, self->data);
	for (i = 0; i < LEN; i++)
		self->data[i] = i * 131 + (i >> 13);
}

FIXTURE_TEARDOWN(file)
{
	free(self->data);
	close(self->fd);
}

/* Odd pieces, then read back whole and appended to what a buffer holds. */
TEST_F(file, write_in_pieces_read_back_appended)
{
	void *buf = NULL;
	size_t len = 0;

	ASSERT_EQ(0, vfm_write_all(self->fd, self->data, LEN, 4093));
	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_SET));
	ASSERT_EQ(0, vfm_read_all(self->fd, &buf, &len));
	ASSERT_EQ(LEN, len);
	EXPECT_EQ(0, memcmp(buf, self->data, LEN));

	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_SET));
	ASSERT_EQ(0, vfm_read_all(self->fd, &buf, &len));
	ASSERT_EQ(2 * LEN, len);
	EXPECT_EQ(0, memcmp((char *)buf + LEN, self->data, LEN));
	free(buf);
}

TEST_F(file, whole_write_and_empty_stream)
{
	void *buf = NULL;
	size_t len = 0;

	ASSERT_EQ(0, vfm_read_all(self->fd, &buf, &len));
	EXPECT_EQ(0, len);
	ASSERT_EQ(0, vfm_write_all(self->fd, self->data, 0, 0));
	ASSERT_EQ(0, vfm_write_all(self->fd, self->data, 100, 0));
	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_SET));
	ASSERT_EQ(0, vfm_read_all(self->fd, &buf, &len));
	EXPECT_EQ(100, len);
	free(buf);
}

/* Errors come back as -errno, with what was read so far kept. */
TEST(errors_are_negative_errno)
{
	void *buf = NULL;
	size_t len = 0;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-EBADF, vfm_read_all(p[1], &buf, &len));
	EXPECT_EQ(0, len);
	EXPECT_EQ(-EBADF, vfm_write_all(p[0], "x", 1, 1));
	close(p[0]);
	close(p[1]);
	free(buf);
}

TEST_HARNESS_MAIN
