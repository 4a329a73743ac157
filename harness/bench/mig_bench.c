// SPDX-License-Identifier: GPL-2.0-only
/*
 * mig-bench: migration data path and arc latency of two devices, reported
 * as ratios to the machine's memcpy bandwidth measured in the same run (the
 * machines are noisy; absolute numbers mean little under TCG).
 *
 *   mig-bench SRC DST
 *
 * The devices should be mock-vfio-pci with equal memory (make bench sets
 * 256 MiB); any migration-capable pair of one kind works.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfiomig.h"
#include "vfmmock.h"
#include "bench.h"

#define CHUNK	(1 << 20)

static void die(const char *what, int err)
{
	fprintf(stderr, "mig-bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static double set_state_us(const struct vfm_device *dev, uint32_t state, int *fd)
{
	double t = bench_now();
	int ret = vfm_set_state(dev, state, fd);

	if (ret)
		die(vfm_state_name(state), ret);
	return (bench_now() - t) * 1e6;
}

/* STOP_COPY the whole of @src, then RESUMING it into @dst, timed. */
static void transfer(const struct vfm_device *src, const struct vfm_device *dst,
		     double bw, const char *what)
{
	size_t len = 0, off;
	double t, rd, wr;
	char *stream;
	ssize_t n;
	int fd, ret;

	ret = vfm_data_size(src, (uint64_t *)&len);
	if (ret)
		die("MIG_DATA_SIZE", ret);
	stream = malloc(len + CHUNK);
	if (!stream)
		die("malloc", ENOMEM);
	memset(stream, 0, len + CHUNK);	/* fault the pages in before timing */
	set_state_us(src, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	t = bench_now();
	for (off = 0; (n = read(fd, stream + off, CHUNK)) > 0; off += n)
		;
	rd = bench_now() - t;
	if (n < 0)
		die("read", errno);
	close(fd);
	set_state_us(src, VFIO_DEVICE_STATE_RUNNING, NULL);
	len = off;

	set_state_us(dst, VFIO_DEVICE_STATE_RESUMING, &fd);
	t = bench_now();
	ret = vfm_write_all(fd, stream, len, CHUNK);
	wr = bench_now() - t;
	if (ret)
		die("write", ret);
	set_state_us(dst, VFIO_DEVICE_STATE_RUNNING, NULL);
	close(fd);
	free(stream);

	printf("%s, stream of %zu bytes:\n", what, len);
	printf("  STOP_COPY read throughput: %8.1f MB/s  ratio %.2f (target >= 0.7)\n",
	       len / rd / 1e6, len / rd / bw);
	printf("  RESUMING write throughput: %8.1f MB/s  ratio %.2f (target >= 0.5)\n",
	       len / wr / 1e6, len / wr / bw);
}

int main(int argc, char **argv)
{
	static const uint32_t cycle[][2] = {
		{ VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_RUNNING_P2P },
		{ VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_STOP },
		{ VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_RUNNING_P2P },
		{ VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_PRE_COPY_P2P },
		{ VFIO_DEVICE_STATE_PRE_COPY_P2P, VFIO_DEVICE_STATE_PRE_COPY },
		{ VFIO_DEVICE_STATE_PRE_COPY, VFIO_DEVICE_STATE_PRE_COPY_P2P },
		{ VFIO_DEVICE_STATE_PRE_COPY_P2P, VFIO_DEVICE_STATE_STOP_COPY },
		{ VFIO_DEVICE_STATE_STOP_COPY, VFIO_DEVICE_STATE_STOP },
		{ VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_RUNNING_P2P },
		{ VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_RUNNING },
	};
	double lat[sizeof(cycle) / sizeof(cycle[0])] = {};
	struct vfm_device src, dst;
	int fd, i, rounds = 20;
	uint64_t flags;
	double bw;

	if (argc != 3) {
		fprintf(stderr, "usage: mig-bench SRC DST\n");
		return 2;
	}
	if (vfm_device_open(argv[1], &src) || vfm_device_open(argv[2], &dst))
		return 1;
	if (vfm_migration_flags(&src, &flags))
		return 1;

	bw = bench_memcpy_bw(256 << 20);
	if (!bw)
		die("memcpy reference", ENOMEM);
	printf("memcpy bandwidth:          %8.1f MB/s\n", bw / 1e6);
	transfer(&src, &dst, bw, "fresh device (memory as after reset)");
	/*
	 * A mock device's page hashes are known after reset; let its
	 * workload write every page so the save pays for hashing, as it
	 * would after a guest ran.
	 */
	if (vfm_mock_bound(src.bdf) && !vfm_mock_workload(&src, 1, 1000000)) {
		sleep(2);
		vfm_mock_workload(&src, 1, 0);
		transfer(&src, &dst, bw, "after the workload wrote for 2 s");
	}

	/* Arc latency: each arc of a full cycle, mean of @rounds cycles. */
	set_state_us(&src, VFIO_DEVICE_STATE_RUNNING, NULL);
	if ((flags & (VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY)) !=
	    (VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY)) {
		printf("arc latency: skipped, needs P2P and PRE_COPY\n");
		return 0;
	}
	for (i = 0; i < rounds; i++) {
		size_t a;

		fd = -1;
		for (a = 0; a < sizeof(cycle) / sizeof(cycle[0]); a++) {
			int newfd = -1;

			lat[a] += set_state_us(&src, cycle[a][1], &newfd);
			if (newfd >= 0) {
				if (fd >= 0)
					close(fd);
				fd = newfd;
			}
		}
		if (fd >= 0)
			close(fd);
	}
	printf("arc latency (mean of %d, microseconds):\n", rounds);
	for (i = 0; i < (int)(sizeof(cycle) / sizeof(cycle[0])); i++)
		printf("  %-13s -> %-13s %8.1f\n", vfm_state_name(cycle[i][0]),
		       vfm_state_name(cycle[i][1]), lat[i] / rounds);
	vfm_device_close(&src);
	vfm_device_close(&dst);
	return 0;
}
