// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The shared-memory byte ring (vfiomig/ring.h).
 *
 * Layout of the memfd: one page of shared control words, then the data
 * area, which this process maps twice back to back so that a reservation
 * or a peek that wraps is still one contiguous range.
 *
 * head and tail count bytes since the start, so head - tail is what is
 * readable and size - (head - tail) what is writable; each side only ever
 * stores its own counter.  A side that must wait announces it (*_waits),
 * samples the futex word it will sleep on, and checks the other counter
 * again before sleeping; the other side stores its counter, bumps the
 * futex word and wakes only if a wait was announced.  All accesses are
 * sequentially consistent, so either the sleeper sees the new counter or
 * the waker sees the announcement (and FUTEX_WAIT refuses to sleep on a
 * futex word that moved since it was sampled).
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vfiomig/ring.h"

/* How long a wait sleeps before it looks whether the peer is still there. */
#define PEER_CHECK_NS	(200 * 1000 * 1000)

struct ring_shared {
	_Atomic uint64_t head;		/* bytes committed by the writer */
	_Atomic uint64_t tail;		/* bytes consumed by the reader */
	_Atomic uint32_t head_seq;	/* futex: bumped on commit and close_write */
	_Atomic uint32_t tail_seq;	/* futex: bumped on consume and close_read */
	_Atomic uint32_t reader_waits;
	_Atomic uint32_t writer_waits;
	_Atomic uint32_t write_closed;
	_Atomic uint32_t read_closed;
};

struct vfm_ring {
	struct ring_shared *sh;
	unsigned char *data;		/* size bytes, mapped twice */
	size_t size;
	size_t page;
	int peer_fd;
};

static void futex_wait(_Atomic uint32_t *word, uint32_t seen)
{
	struct timespec ts = { .tv_nsec = PEER_CHECK_NS };

	/* EAGAIN (the word moved), EINTR and ETIMEDOUT all mean: look again. */
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, seen, &ts, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *word)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static int peer_gone(const struct vfm_ring *r)
{
	struct pollfd p = { .fd = r->peer_fd, .events = 0 };

	return r->peer_fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR));
}

struct vfm_ring *vfm_ring_create(size_t size)
{
	size_t page = sysconf(_SC_PAGESIZE);
	struct vfm_ring *r;
	unsigned char *area;
	int fd, saved;

	if (!size || size % page) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->size = size;
	r->page = page;
	r->peer_fd = -1;
	fd = memfd_create("vfio-migrate-ring", MFD_CLOEXEC);
	if (fd < 0)
		goto err_free;
	if (ftruncate(fd, page + size))
		goto err_close;
	r->sh = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->sh == MAP_FAILED)
		goto err_close;
	/* Address space for both views first, then the two views in it. */
	area = mmap(NULL, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		goto err_unmap_sh;
	/* MAP_POPULATE: no page faults later, inside a migration's downtime. */
	if (mmap(area, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_POPULATE,
		 fd, page) == MAP_FAILED ||
	    mmap(area + size, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_POPULATE,
		 fd, page) == MAP_FAILED)
		goto err_unmap_area;
	r->data = area;
	close(fd);
	return r;

err_unmap_area:
	saved = errno;
	munmap(area, 2 * size);
	errno = saved;
err_unmap_sh:
	saved = errno;
	munmap(r->sh, page);
	errno = saved;
err_close:
	saved = errno;
	close(fd);
	errno = saved;
err_free:
	saved = errno;
	free(r);
	errno = saved;
	return NULL;
}

void vfm_ring_free(struct vfm_ring *r)
{
	if (!r)
		return;
	munmap(r->data, 2 * r->size);
	munmap(r->sh, r->page);
	free(r);
}

size_t vfm_ring_size(const struct vfm_ring *r)
{
	return r->size;
}

void vfm_ring_set_peer_fd(struct vfm_ring *r, int fd)
{
	r->peer_fd = fd;
}

void *vfm_ring_reserve(struct vfm_ring *r, size_t len, int *err)
{
	struct ring_shared *sh = r->sh;
	uint64_t head = atomic_load(&sh->head);

	if (len > r->size) {
		*err = -EINVAL;
		return NULL;
	}
	for (;;) {
		uint32_t seen;

		if (atomic_load(&sh->read_closed))
			break;
		if (r->size - (head - atomic_load(&sh->tail)) >= len)
			return r->data + head % r->size;
		atomic_store(&sh->writer_waits, 1);
		seen = atomic_load(&sh->tail_seq);
		if (r->size - (head - atomic_load(&sh->tail)) < len &&
		    !atomic_load(&sh->read_closed)) {
			if (peer_gone(r))
				break;
			futex_wait(&sh->tail_seq, seen);
		}
		atomic_store(&sh->writer_waits, 0);
	}
	*err = -EPIPE;
	return NULL;
}

int vfm_ring_drain(struct vfm_ring *r)
{
	int err;

	/* The whole ring free is the reader having taken everything. */
	return vfm_ring_reserve(r, r->size, &err) ? 0 : err;
}

void vfm_ring_commit(struct vfm_ring *r, size_t len)
{
	struct ring_shared *sh = r->sh;

	if (!len)
		return;
	atomic_fetch_add(&sh->head, len);
	atomic_fetch_add(&sh->head_seq, 1);
	if (atomic_load(&sh->reader_waits))
		futex_wake(&sh->head_seq);
}

void vfm_ring_close_write(struct vfm_ring *r)
{
	atomic_store(&r->sh->write_closed, 1);
	atomic_fetch_add(&r->sh->head_seq, 1);
	futex_wake(&r->sh->head_seq);
}

long vfm_ring_peek(struct vfm_ring *r, const void **p)
{
	struct ring_shared *sh = r->sh;
	uint64_t tail = atomic_load(&sh->tail);

	for (;;) {
		/* Closed first: a close is only ever after the last commit. */
		uint32_t closed = atomic_load(&sh->write_closed), seen;
		uint64_t avail = atomic_load(&sh->head) - tail;

		if (avail) {
			*p = r->data + tail % r->size;
			return avail;
		}
		if (closed)
			return 0;
		atomic_store(&sh->reader_waits, 1);
		seen = atomic_load(&sh->head_seq);
		if (atomic_load(&sh->head) == tail && !atomic_load(&sh->write_closed)) {
			if (peer_gone(r) && atomic_load(&sh->head) == tail &&
			    !atomic_load(&sh->write_closed)) {
				atomic_store(&sh->reader_waits, 0);
				return -EPIPE;
			}
			futex_wait(&sh->head_seq, seen);
		}
		atomic_store(&sh->reader_waits, 0);
	}
}

void vfm_ring_consume(struct vfm_ring *r, size_t len)
{
	struct ring_shared *sh = r->sh;

	if (!len)
		return;
	atomic_fetch_add(&sh->tail, len);
	atomic_fetch_add(&sh->tail_seq, 1);
	if (atomic_load(&sh->writer_waits))
		futex_wake(&sh->tail_seq);
}

void vfm_ring_close_read(struct vfm_ring *r)
{
	atomic_store(&r->sh->read_closed, 1);
	atomic_fetch_add(&r->sh->tail_seq, 1);
	futex_wake(&r->sh->tail_seq);
}
