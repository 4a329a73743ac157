/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the benchmarks share: a clock and the reference every ratio is
 * measured against, the machine's memcpy bandwidth, taken in the same run.
 */
#ifndef VFM_BENCH_H
#define VFM_BENCH_H

#include <stddef.h>

#include "vfiomig.h"

/* CLOCK_MONOTONIC in seconds. */
double bench_now(void);
/* Bytes per second of memcpy() between two buffers of @size, best of 3; 0 if out of memory. */
double bench_memcpy_bw(size_t size);
/*
 * How many memcpy()s of @size the machine runs at once: two threads
 * copying together against one alone, 1.0 (a single CPU, as a guest under
 * single-threaded TCG) to 2.0; 0 if out of memory or threads fail.
 */
double bench_parallelism(size_t size);

/* One device's whole STOP_COPY stream, read out and written back, timed. */
struct bench_stream {
	size_t len;		/* bytes */
	double read_s;		/* STOP_COPY: read() to the end, into memory */
	double write_s;		/* RESUMING: write() of it all, from memory */
};

/*
 * Saves @src (from RUNNING, back to RUNNING after) and resumes the stream
 * into @dst (to RUNNING), timing only the read()s and the write()s.
 * Returns 0 or -errno after a message.
 */
int bench_stream(const struct vfm_device *src, const struct vfm_device *dst,
		 struct bench_stream *out);

/*
 * Write @value to /sys/bus/pci/devices/@bdf/mock/@attr (a mock device's
 * mem_size or migration_flags, while it is closed): 0 or -errno.
 */
int bench_mock_attr(const char *bdf, const char *attr, unsigned long long value);
/* Read one of them (also resume_mem_bytes): 0 or -errno. */
int bench_mock_attr_read(const char *bdf, const char *attr, unsigned long long *value);

#endif /* VFM_BENCH_H */
