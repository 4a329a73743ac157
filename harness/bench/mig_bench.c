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
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfiomig.h"
#include "mock_vfio_pci.h"

#define CHUNK	(1 << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "mig-bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* Bytes per second of memcpy() between two buffers of @size, best of 3. */
static double memcpy_bw(size_t size)
{
	char *a = malloc(size), *b = malloc(size);
	double best = 0;
	int i;

	if (!a || !b)
		die("malloc", ENOMEM);
	memset(a, 1, size);
	memset(b, 2, size);
	for (i = 0; i < 3; i++) {
		double t = now();

		memcpy(b, a, size);
		t = now() - t;
		if (size / t > best)
			best = size / t;
	}
	free(a);
	free(b);
	return best;
}

/* A mock device's register, or false if the device is not a mock. */
static bool mock_reg_write(const struct vfm_device *dev, uint32_t reg, uint64_t val)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	uint32_t id = 0;
	size_t size;

	if (ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, &info) ||
	    pread(dev->fd, &id, 4, info.offset + MOCK_REG_ID) != 4 || id != MOCK_ID)
		return false;
	/* WL_SEED is 64-bit, the other registers written here 32-bit. */
	size = reg == MOCK_REG_WL_SEED ? 8 : 4;

	return pwrite(dev->fd, &val, size, info.offset + reg) == (ssize_t)size;
}

static double set_state_us(const struct vfm_device *dev, uint32_t state, int *fd)
{
	double t = now();
	int ret = vfm_set_state(dev, state, fd);

	if (ret)
		die(vfm_state_name(state), ret);
	return (now() - t) * 1e6;
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
	t = now();
	for (off = 0; (n = read(fd, stream + off, CHUNK)) > 0; off += n)
		;
	rd = now() - t;
	if (n < 0)
		die("read", errno);
	close(fd);
	set_state_us(src, VFIO_DEVICE_STATE_RUNNING, NULL);
	len = off;

	set_state_us(dst, VFIO_DEVICE_STATE_RESUMING, &fd);
	t = now();
	ret = vfm_write_all(fd, stream, len, CHUNK);
	wr = now() - t;
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

	bw = memcpy_bw(256 << 20);
	printf("memcpy bandwidth:          %8.1f MB/s\n", bw / 1e6);
	transfer(&src, &dst, bw, "fresh device (memory as after reset)");
	/*
	 * A mock device's page hashes are known after reset; let its
	 * workload write every page so the save pays for hashing, as it
	 * would after a guest ran.
	 */
	if (mock_reg_write(&src, MOCK_REG_WL_SEED, 1) &&
	    mock_reg_write(&src, MOCK_REG_WL_RATE, 1000000) &&
	    mock_reg_write(&src, MOCK_REG_WL_CTRL, MOCK_WL_CTRL_ENABLE)) {
		sleep(2);
		mock_reg_write(&src, MOCK_REG_WL_CTRL, 0);
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
