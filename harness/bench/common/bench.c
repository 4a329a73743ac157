// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double bench_memcpy_bw(size_t size)
{
	char *a = malloc(size), *b = malloc(size);
	double best = 0;
	int i;

	if (!a || !b)
		goto out;
	memset(a, 1, size);
	memset(b, 2, size);
	for (i = 0; i < 3; i++) {
		double t = bench_now();

		memcpy(b, a, size);
		t = bench_now() - t;
		if (size / t > best)
			best = size / t;
	}
out:
	free(a);
	free(b);
	return best;
}

int bench_mock_attr(const char *bdf, const char *attr, unsigned long long value)
{
	char path[160];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/mock/%s", bdf, attr);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	ret = fprintf(f, "%llu\n", value) < 0 ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}
