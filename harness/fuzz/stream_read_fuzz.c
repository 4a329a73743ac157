// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the migration stream reader (stream_read.c,
 * vfiomig/stream.h), which a destination runs on whatever arrives on its socket
 * or load file.  The input is a whole stream.  It is read three times:
 *
 *   fd    from a memfd: vfm_rs_next() item by item, every DATA payload read
 *         with vfm_rs_data() in pieces of uneven sizes;
 *   ring  through the shared-memory ring (vfm_rs_init_ring()), every
 *         payload taken with vfm_rs_data_get() and vfm_rs_data_done(), as
 *         dest.c does;
 *   skip  from a memfd again, no payload read: vfm_rs_next() skips them.
 *
 * Besides the sanitizers' findings, the three must agree (same items, same
 * error and message; the fd and ring passes the same payload bytes of a
 * stream read to its EOF): the transport must not change what a stream
 * means.  Of a payload cut short, the ring hands out what there is before
 * the error, vfm_rs_data() nothing of the piece asked for: both are right.
 * After EOF a reader must refuse to go on, and an error must stick.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vfiomig/ring.h"
#include "vfiomig/stream.h"

/* Inputs larger than this skip the ring pass (libFuzzer's -max_len is smaller). */
#define RING_SIZE	(64 * 1024)

enum pass { PASS_FD, PASS_RING, PASS_SKIP };

struct outcome {
	uint64_t items;		/* FNV-1a of every item's fields */
	uint64_t data;		/* FNV-1a of every payload byte (not PASS_SKIP) */
	unsigned int n;		/* items */
	int err;		/* the error that ended the stream, 0 at EOF */
	char msg[sizeof(((struct vfm_rstream *)0)->msg)];
};

static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	if (!h)
		h = 0xcbf29ce484222325ULL;
	while (len--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

/* Uneven read sizes, so that every buffer boundary falls somewhere. */
static size_t piece(unsigned int i)
{
	static const size_t sizes[] = { 1, 7, 4096, 3, 65536, 16, 1000 };

	return sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
}

/* The current DATA item's payload, all of it: 0 or the reader's error. */
static int read_data(struct vfm_rstream *rs, enum pass pass, uint64_t size, struct outcome *o)
{
	static unsigned char buf[65536];
	unsigned int i = 0;

	while (size) {
		size_t want = piece(i++);
		const void *p;
		long n;

		if (want > size)
			want = size;
		if (pass == PASS_RING) {
			n = vfm_rs_data_get(rs, buf, want, &p);
			if (n > (long)want)
				abort();	/* more than asked for */
		} else {
			n = vfm_rs_data(rs, buf, want);
			p = buf;
		}
		if (n < 0)
			return n;
		if (n == 0)
			abort();	/* no progress and no error: the caller would spin */
		o->data = fnv(o->data, p, n);
		if (pass == PASS_RING)
			vfm_rs_data_done(rs, n);
		size -= n;
	}
	return 0;
}

static void walk(struct vfm_rstream *rs, enum pass pass, struct outcome *o)
{
	struct vfm_item it;
	int ret;

	memset(o, 0, sizeof(*o));
	for (;;) {
		ret = vfm_rs_next(rs, &it);
		if (ret)
			break;
		o->n++;
		o->items = fnv(o->items, &it.kind, sizeof(it.kind));
		o->items = fnv(o->items, &it.section_type, sizeof(it.section_type));
		o->items = fnv(o->items, &it.section_id, sizeof(it.section_id));
		o->items = fnv(o->items, &it.instance, sizeof(it.instance));
		o->items = fnv(o->items, &it.size, sizeof(it.size));
		if (memchr(it.idstr, '\0', sizeof(it.idstr)) == NULL)
			abort();	/* idstr not terminated */
		o->items = fnv(o->items, it.idstr, strlen(it.idstr));
		if (it.kind == VFM_ITEM_EOF) {
			/* Nothing after QEMU_VM_EOF, and saying so sticks. */
			if (vfm_rs_next(rs, &it) != -EPROTO || rs->err != -EPROTO)
				abort();
			break;
		}
		if (it.kind != VFM_ITEM_DATA) {
			if (it.size)
				abort();
			continue;
		}
		if (it.size > VFM_STREAM_MAX_DATA)
			abort();	/* over the documented limit, yet accepted */
		if (pass != PASS_SKIP) {
			ret = read_data(rs, pass, it.size, o);
			if (ret)
				break;
		}
	}
	if (ret) {
		if (ret != rs->err || !rs->msg[0] || vfm_rs_next(rs, &it) != ret)
			abort();	/* errors are sticky and explained */
		o->err = ret;
		memcpy(o->msg, rs->msg, sizeof(o->msg));
	}
}

static void by_fd(const uint8_t *data, size_t size, enum pass pass, struct outcome *o)
{
	struct vfm_rstream *rs = malloc(sizeof(*rs));
	int fd = memfd_create("fuzz-stream", MFD_CLOEXEC);

	if (!rs || fd < 0 || (size && write(fd, data, size) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET))
		abort();
	vfm_rs_init(rs, fd);
	walk(rs, pass, o);
	close(fd);
	free(rs);
}

/* Through the ring: the whole input committed and closed, then read. */
static int by_ring(const uint8_t *data, size_t size, struct outcome *o)
{
	struct vfm_rstream *rs;
	struct vfm_ring *r;
	void *dst;
	int err = 0;

	if (size > RING_SIZE)
		return -1;
	r = vfm_ring_create(RING_SIZE);
	rs = malloc(sizeof(*rs));
	if (!r || !rs)
		abort();
	if (size) {
		dst = vfm_ring_reserve(r, size, &err);
		if (!dst)
			abort();
		memcpy(dst, data, size);
		vfm_ring_commit(r, size);
	}
	vfm_ring_close_write(r);
	vfm_rs_init_ring(rs, r);
	walk(rs, PASS_RING, o);
	free(rs);
	vfm_ring_free(r);
	return 0;
}

static void same(const struct outcome *a, const struct outcome *b, bool data, const char *what)
{
	if (a->n == b->n && a->items == b->items && (!data || a->err || a->data == b->data) &&
	    a->err == b->err && !strcmp(a->msg, b->msg))
		return;
	fprintf(stderr, "stream_read_fuzz: the %s pass disagrees with the fd pass:\n"
		"  fd:  %u items, error %d (%s), payload hash %016llx\n"
		"  %s: %u items, error %d (%s), payload hash %016llx\n",
		what, a->n, a->err, a->msg, (unsigned long long)a->data,
		what, b->n, b->err, b->msg, (unsigned long long)b->data);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome fd, ring, skip;

	by_fd(data, size, PASS_FD, &fd);
	if (!by_ring(data, size, &ring))
		same(&fd, &ring, true, "ring");
	by_fd(data, size, PASS_SKIP, &skip);
	same(&fd, &skip, false, "skip");
	return 0;
}
