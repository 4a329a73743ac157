// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the benchmarks share: the clock, the same-run references (memcpy
 * bandwidth, the guest's parallelism, a device's raw stream rates) and the
 * mock's sysfs attributes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "bench.h"

#define CHUNK	(1 << 20)

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

struct copier {
	char *a, *b;
	size_t size;
	double s;	/* seconds its copy took */
};

static void *copy_once(void *arg)
{
	struct copier *c = arg;
	double t = bench_now();

	memcpy(c->b, c->a, c->size);
	c->s = bench_now() - t;
	return NULL;
}

double bench_parallelism(size_t size)
{
	struct copier c[2] = {};
	double alone = 0, together = 0, p = 0;
	pthread_t th;
	int i, r;

	for (i = 0; i < 2; i++) {
		c[i].size = size;
		c[i].a = malloc(size);
		c[i].b = malloc(size);
		if (!c[i].a || !c[i].b)
			goto out;
		memset(c[i].a, 1, size);
		memset(c[i].b, 2, size);
	}
	/* Best of 3 each: the least disturbed run says what the machine can do. */
	for (r = 0; r < 3; r++) {
		double t;

		copy_once(&c[0]);
		if (!alone || c[0].s < alone)
			alone = c[0].s;
		t = bench_now();
		if (pthread_create(&th, NULL, copy_once, &c[1]))
			goto out;
		copy_once(&c[0]);
		pthread_join(th, NULL);
		t = bench_now() - t;
		if (!together || t < together)
			together = t;
	}
	p = 2 * alone / together;
	p = p < 1 ? 1 : p > 2 ? 2 : p;
out:
	for (i = 0; i < 2; i++) {
		free(c[i].a);
		free(c[i].b);
	}
	return p;
}

static int set_state(const struct vfm_device *dev, uint32_t state, int *fd)
{
	int ret = vfm_set_state(dev, state, fd);

	if (ret)
		fprintf(stderr, "bench: %s: SET %s: %s\n", dev->bdf, vfm_state_name(state),
			strerror(-ret));
	return ret;
}

int bench_stream(const struct vfm_device *src, const struct vfm_device *dst,
		 struct bench_stream *out)
{
	uint64_t size = 0;
	size_t off = 0;
	char *stream;
	ssize_t n;
	double t;
	int fd, ret;

	ret = vfm_data_size(src, &size);
	if (ret) {
		fprintf(stderr, "bench: %s: MIG_DATA_SIZE: %s\n", src->bdf, strerror(-ret));
		return ret;
	}
	stream = malloc(size + CHUNK);
	if (!stream)
		return -ENOMEM;
	memset(stream, 0, size + CHUNK);	/* fault the pages in before timing */
	ret = set_state(src, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (ret)
		goto out;
	t = bench_now();
	while ((n = read(fd, stream + off, CHUNK)) > 0)
		off += n;
	out->read_s = bench_now() - t;
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret) {
		fprintf(stderr, "bench: %s: read: %s\n", src->bdf, strerror(-ret));
		goto out;
	}
	out->len = off;
	ret = set_state(src, VFIO_DEVICE_STATE_RUNNING, NULL);
	if (ret)
		goto out;

	ret = set_state(dst, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (ret)
		goto out;
	t = bench_now();
	ret = vfm_write_all(fd, stream, out->len, CHUNK);
	out->write_s = bench_now() - t;
	if (!ret)
		ret = set_state(dst, VFIO_DEVICE_STATE_RUNNING, NULL);
	else
		fprintf(stderr, "bench: %s: write: %s\n", dst->bdf, strerror(-ret));
	close(fd);
out:
	free(stream);
	return ret;
}

/* The mock's sysfs attributes as numbers, through the mock's client. */
int bench_mock_attr_read(const char *bdf, const char *attr, unsigned long long *value)
{
	char buf[32], *end;
	int ret = vfm_mock_sysfs_read(bdf, attr, buf, sizeof(buf));

	if (ret)
		return ret;
	*value = strtoull(buf, &end, 10);
	return end == buf ? -EINVAL : 0;
}

int bench_mock_attr(const char *bdf, const char *attr, unsigned long long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu\n", value);
	return vfm_mock_sysfs_write(bdf, attr, buf);
}
