// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-side unit tests of the shared-memory ring (vfiomig/ring.h) between two
 * processes, and of the migration stream written into it and parsed out of
 * it (vfiomig/stream.h): what vfio-migrate's default transport relies on.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfiomig/ring.h"
#include "vfiomig/stream.h"

#define RING		(64 * 1024)
#define TOTAL		(8 * 1024 * 1024 + 4321)	/* many wraps, not a multiple */

static unsigned char pattern(uint64_t i)
{
	return i * 131 + (i >> 11);
}

/* xorshift: reproducible odd sizes, so reservations and peeks straddle the wrap. */
static size_t next_size(uint64_t *s, size_t max)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return 1 + *s % max;
}

FIXTURE(ring) {
	struct vfm_ring *r;
	int sv[2];
	pid_t child;
};

FIXTURE_SETUP(ring)
{
	self->r = vfm_ring_create(RING);
	ASSERT_NE(NULL, self->r);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, self->sv));
	self->child = -1;
}

FIXTURE_TEARDOWN(ring)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	close(self->sv[0]);
	close(self->sv[1]);
	vfm_ring_free(self->r);
}

/* The child writes TOTAL pattern bytes in odd-sized pieces, then closes. */
static void write_pattern(struct vfm_ring *r)
{
	uint64_t off = 0, seed = 88172645463325252ULL;
	int err = 0;

	while (off < TOTAL) {
		size_t n = next_size(&seed, RING / 3), i;
		unsigned char *p;

		if (n > TOTAL - off)
			n = TOTAL - off;
		p = vfm_ring_reserve(r, n, &err);
		if (!p)
			_exit(1);
		for (i = 0; i < n; i++)
			p[i] = pattern(off + i);
		vfm_ring_commit(r, n);
		off += n;
	}
	vfm_ring_close_write(r);
	_exit(0);
}

TEST_F(ring, bytes_arrive_in_order_across_wraps)
{
	uint64_t off = 0, seed = 2463534242ULL;
	int status, bad = 0;

	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		vfm_ring_set_peer_fd(self->r, self->sv[1]);
		write_pattern(self->r);
	}
	vfm_ring_set_peer_fd(self->r, self->sv[0]);
	for (;;) {
		const unsigned char *p;
		long n = vfm_ring_peek(self->r, (const void **)&p);
		size_t take, i;

		ASSERT_LE(0, n);
		if (!n)
			break;
		take = next_size(&seed, RING / 2);
		if (take > (size_t)n)
			take = n;
		for (i = 0; i < take; i++)
			bad += p[i] != pattern(off + i);
		vfm_ring_consume(self->r, take);
		off += take;
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(TOTAL, off);
	ASSERT_EQ(self->child, waitpid(self->child, &status, 0));
	self->child = -1;
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
}

/* A reservation that wraps is one range: the reader sees it whole. */
TEST_F(ring, reservation_over_the_end_is_contiguous)
{
	const unsigned char *p;
	unsigned char *w;
	int err = 0;
	size_t i;

	w = vfm_ring_reserve(self->r, RING - 100, &err);
	ASSERT_NE(NULL, w);
	vfm_ring_commit(self->r, RING - 100);
	ASSERT_EQ(RING - 100, vfm_ring_peek(self->r, (const void **)&p));
	vfm_ring_consume(self->r, RING - 100);

	w = vfm_ring_reserve(self->r, RING, &err);
	ASSERT_NE(NULL, w);
	for (i = 0; i < RING; i++)
		w[i] = pattern(i);
	vfm_ring_commit(self->r, RING);
	ASSERT_EQ(RING, vfm_ring_peek(self->r, (const void **)&p));
	for (i = 0; i < RING; i++)
		ASSERT_EQ(pattern(i), p[i]);
	EXPECT_EQ(-EINVAL, (vfm_ring_reserve(self->r, RING + 1, &err), err));
}

/* The reader gave up: a writer waiting for room is told, not left asleep. */
TEST_F(ring, reader_closing_fails_the_writer)
{
	int err = 0;

	ASSERT_NE(NULL, vfm_ring_reserve(self->r, RING, &err));
	vfm_ring_commit(self->r, RING);
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		usleep(50 * 1000);
		vfm_ring_close_read(self->r);
		_exit(0);
	}
	EXPECT_EQ(NULL, vfm_ring_reserve(self->r, 1, &err));
	EXPECT_EQ(-EPIPE, err);
}

/* Drain returns once the reader has taken everything, not before. */
TEST_F(ring, drain_waits_for_the_reader)
{
	const void *p;
	int err = 0;

	ASSERT_NE(NULL, vfm_ring_reserve(self->r, 1000, &err));
	vfm_ring_commit(self->r, 1000);
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		usleep(50 * 1000);
		if (vfm_ring_peek(self->r, &p) != 1000)
			_exit(1);
		vfm_ring_consume(self->r, 600);
		usleep(50 * 1000);
		vfm_ring_consume(self->r, 400);
		_exit(0);
	}
	EXPECT_EQ(0, vfm_ring_drain(self->r));
	/* Everything free again: a whole-ring reservation does not wait. */
	EXPECT_NE(NULL, vfm_ring_reserve(self->r, RING, &err));
	vfm_ring_close_read(self->r);
	EXPECT_EQ(-EPIPE, vfm_ring_drain(self->r));
}

/* The writer died mid-stream: the reader's wait ends with EPIPE. */
TEST_F(ring, writer_dying_fails_the_reader)
{
	const void *p;
	int err = 0;

	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		close(self->sv[0]);
		ASSERT_NE(NULL, vfm_ring_reserve(self->r, 10, &err));
		vfm_ring_commit(self->r, 10);
		_exit(0);	/* no vfm_ring_close_write() */
	}
	close(self->sv[1]);
	self->sv[1] = -1;
	vfm_ring_set_peer_fd(self->r, self->sv[0]);
	ASSERT_EQ(10, vfm_ring_peek(self->r, &p));
	vfm_ring_consume(self->r, 10);
	EXPECT_EQ(-EPIPE, vfm_ring_peek(self->r, &p));
}

/* A stream with DATA filled in place goes through the ring and parses back. */
TEST_F(ring, stream_with_in_place_data_parses_back)
{
	static struct vfm_rstream rs;
	struct vfm_wstream ws;
	struct vfm_item it;
	uint64_t got = 0, data_off = 0;
	int bad = 0, i;

	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		vfm_ws_init_ring(&ws, self->r);
		vfm_ws_file_header(&ws);
		vfm_ws_setup_section(&ws, 0, "0000:00:01.0/vfio", 0);
		vfm_ws_section_begin(&ws, VFM_SEC_END, 0);
		for (i = 0; i < 20; i++) {
			unsigned char *p = vfm_ws_data_buf(&ws, RING / 4);
			size_t n = 1000 + i * 517, k;

			if (!p)
				_exit(1);
			for (k = 0; k < n; k++)
				p[k] = pattern(got + k);
			vfm_ws_data_commit(&ws, n);
			got += n;
		}
		vfm_ws_data_buf(&ws, 100);
		vfm_ws_data_commit(&ws, 0);	/* nothing read: no record */
		vfm_ws_section_end(&ws, 0, VFM_MIG_END_OF_STATE);
		vfm_ws_eof(&ws);
		vfm_ring_close_write(self->r);
		vfm_ws_release(&ws);
		_exit(ws.err ? 1 : 0);
	}
	vfm_rs_init_ring(&rs, self->r);
	ASSERT_EQ(0, vfm_rs_next(&rs, &it));
	ASSERT_EQ(VFM_ITEM_SETUP, it.kind);
	for (i = 0; i < 20; i++) {
		uint64_t left;

		ASSERT_EQ(0, vfm_rs_next(&rs, &it)) TH_LOG("%s", rs.msg);
		ASSERT_EQ(VFM_ITEM_DATA, it.kind);
		ASSERT_EQ(1000 + i * 517, it.size);
		for (left = it.size; left;) {
			const unsigned char *p;
			long n = vfm_rs_data_get(&rs, NULL, left, (const void **)&p), k;

			ASSERT_LT(0, n);
			for (k = 0; k < n; k++)
				bad += p[k] != pattern(data_off + k);
			vfm_rs_data_done(&rs, n);
			data_off += n;
			left -= n;
		}
	}
	ASSERT_EQ(0, vfm_rs_next(&rs, &it));
	EXPECT_EQ(VFM_ITEM_END_OF_STATE, it.kind);
	ASSERT_EQ(0, vfm_rs_next(&rs, &it));
	EXPECT_EQ(VFM_ITEM_EOF, it.kind);
	EXPECT_EQ(0, bad);
}

TEST_HARNESS_MAIN
