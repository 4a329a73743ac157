/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A byte stream between two processes of one machine through shared
 * memory: the migration stream's transport when source and destination are
 * fork()ed from one vfio-migrate, so the device data crosses from the
 * source's data_fd read() to the destination's data_fd write() without the
 * two copies a socket makes (into the socket, out of it).
 *
 * One writer, one reader.  The data area is mapped twice back to back, so
 * every reservation up to the ring's size is contiguous even where it
 * wraps.  Waits sleep on futexes; every wait also watches @peer_fd (see
 * vfm_ring_set_peer_fd()) so a peer that dies does not leave us asleep.
 */
#ifndef VFIOMIG_RING_H
#define VFIOMIG_RING_H

#include <stddef.h>

struct vfm_ring;

/*
 * A ring of @size bytes (a multiple of the page size), MAP_SHARED: create
 * it before fork(), then one process writes and the other reads.  NULL and
 * errno on failure.
 */
struct vfm_ring *vfm_ring_create(size_t size);
/* Unmap this process's view. */
void vfm_ring_free(struct vfm_ring *r);
size_t vfm_ring_size(const struct vfm_ring *r);

/*
 * A descriptor that reports POLLHUP when the peer process is gone (our
 * end of a socket shared with it); -1: none.  Per process.
 */
void vfm_ring_set_peer_fd(struct vfm_ring *r, int fd);

/*
 * Writer: room for @len (<= size) contiguous bytes, waiting for the reader
 * to make it.  NULL and *err = -EPIPE when the reader closed its end or
 * went away, -EINVAL for @len over the size.  Nothing is visible to the
 * reader until vfm_ring_commit().
 */
void *vfm_ring_reserve(struct vfm_ring *r, size_t len, int *err);
/* Publish @len bytes at the start of the last reservation. */
void vfm_ring_commit(struct vfm_ring *r, size_t len);
/* Wait until the reader has consumed everything committed: 0 or -EPIPE. */
int vfm_ring_drain(struct vfm_ring *r);
/* The end of the stream: the reader sees EOF after the committed bytes. */
void vfm_ring_close_write(struct vfm_ring *r);

/*
 * Reader: the bytes available, contiguous, waiting for at least one.
 * Returns their count (0 at the end of the stream) with *p at them, or
 * -EPIPE when the writer went away without closing.  They stay valid until
 * vfm_ring_consume().
 */
long vfm_ring_peek(struct vfm_ring *r, const void **p);
/* Give @len bytes back to the writer. */
void vfm_ring_consume(struct vfm_ring *r, size_t len);
/* The reader stops: the writer's next reservation fails with -EPIPE. */
void vfm_ring_close_read(struct vfm_ring *r);

#endif /* VFIOMIG_RING_H */
