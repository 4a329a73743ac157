/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the benchmarks share: a clock and the reference every ratio is
 * measured against, the machine's memcpy bandwidth, taken in the same run.
 */
#ifndef VFM_BENCH_H
#define VFM_BENCH_H

#include <stddef.h>

/* CLOCK_MONOTONIC in seconds. */
double bench_now(void);
/* Bytes per second of memcpy() between two buffers of @size, best of 3; 0 if out of memory. */
double bench_memcpy_bw(size_t size);

/*
 * Write @value to /sys/bus/pci/devices/@bdf/mock/@attr (a mock device's
 * mem_size or migration_flags, while it is closed): 0 or -errno.
 */
int bench_mock_attr(const char *bdf, const char *attr, unsigned long long value);

#endif /* VFM_BENCH_H */
