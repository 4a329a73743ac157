// SPDX-License-Identifier: GPL-2.0-only
/*
 * mig-bench: migration data path and arc latency of two devices, reported
 * as ratios to the machine's memcpy bandwidth measured in the same run (the
 * machines are noisy; absolute numbers mean little under TCG).  The arc
 * latency covers every direct arc of the uAPI: those of a device with P2P
 * and PRE_COPY on SRC, and, when DST is a mock device, the three arcs of a
 * device without P2P on DST reconfigured to migration flags 5.
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
	struct bench_stream st;
	int ret = bench_stream(src, dst, &st);

	if (ret)
		die("transfer", ret);
	printf("%s, stream of %zu bytes:\n", what, st.len);
	printf("  STOP_COPY read throughput: %8.1f MB/s  ratio %.2f (target >= 0.7)\n",
	       st.len / st.read_s / 1e6, st.len / st.read_s / bw);
	printf("  RESUMING write throughput: %8.1f MB/s  ratio %.2f (target >= 0.5)\n",
	       st.len / st.write_s / 1e6, st.len / st.write_s / bw);
}

/*
 * What the destination held while it resumed, against its memory: the
 * device restores in place, so its memory, the page hashes (1/512 of it)
 * and a fixed ~100 KiB session.  Read from the driver's own accounting.
 */
static void resume_memory(const char *bdf)
{
	unsigned long long held, size;

	if (!vfm_mock_bound(bdf) || bench_mock_attr_read(bdf, "resume_mem_bytes", &held) ||
	    bench_mock_attr_read(bdf, "mem_size", &size) || !size) {
		printf("RESUMING peak device memory: skipped, DST is not a mock device\n");
		return;
	}
	printf("RESUMING peak device memory: %llu bytes for %llu of state: ratio %.3f (target <= 1.1)\n",
	       held, size, (double)held / size);
}

#define R	VFIO_DEVICE_STATE_RUNNING
#define RP	VFIO_DEVICE_STATE_RUNNING_P2P
#define S	VFIO_DEVICE_STATE_STOP
#define SC	VFIO_DEVICE_STATE_STOP_COPY
#define RS	VFIO_DEVICE_STATE_RESUMING
#define PC	VFIO_DEVICE_STATE_PRE_COPY
#define PCP	VFIO_DEVICE_STATE_PRE_COPY_P2P

/*
 * A walk from RUNNING back to RUNNING that takes every direct arc of the
 * uAPI for a device with P2P and PRE_COPY (15 arcs; some twice).  Before
 * leaving STOP_COPY the stream is read to its end, and RESUMING gets that
 * complete stream before RESUMING->STOP, so every arc is timed on the path
 * a VMM takes (untimed).
 */
static const uint32_t walk_p2p[] = {
	R, RP, S, SC, S, RS, S, RP, PCP, PC, PCP, RP, R, PC, R, PC, PCP, SC, S, RP, R,
};

/* The arcs a device without P2P has instead: RUNNING<->STOP, PRE_COPY->STOP_COPY. */
static const uint32_t walk_no_p2p[] = { R, S, R, PC, SC, S, R };

struct arc_time {
	uint32_t from, to;
	double us;
	int n;
};

struct arc_table {
	struct arc_time arc[32];
	int n;
};

static void arc_add(struct arc_table *t, uint32_t from, uint32_t to, double us)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (t->arc[i].from == from && t->arc[i].to == to)
			break;
	if (i == t->n) {
		if (t->n == (int)(sizeof(t->arc) / sizeof(t->arc[0])))
			die("arc table", ENOSPC);
		t->arc[t->n++] = (struct arc_time){ .from = from, .to = to };
	}
	t->arc[i].us += us;
	t->arc[i].n++;
}

/*
 * Walk @walk on @dev @rounds times, timing each arc into @t (only arcs that
 * @keep accepts, if given).  @stream (@cap bytes) holds what STOP_COPY read
 * and RESUMING writes back.
 */
static void time_walk(const struct vfm_device *dev, const uint32_t *walk, size_t len,
		      int rounds, char *stream, size_t cap, struct arc_table *t,
		      bool (*keep)(uint32_t from, uint32_t to))
{
	size_t slen = 0, i;
	int fd = -1, r;

	for (r = 0; r < rounds; r++) {
		for (i = 1; i < len; i++) {
			uint32_t from = walk[i - 1], to = walk[i];
			int newfd = -1, ret;
			double us;

			if (from == SC) {	/* read to end of stream first */
				ssize_t n = 0;

				for (slen = 0; slen < cap &&
				     (n = read(fd, stream + slen, cap - slen)) > 0; slen += n)
					;
				if (n < 0)
					die("STOP_COPY read", errno);
				if (slen == cap)
					die("STOP_COPY stream beyond MIG_DATA_SIZE + 1 MiB",
					    EFBIG);
			}
			if (from == RS) {
				ret = vfm_write_all(fd, stream, slen, CHUNK);
				if (ret)
					die("RESUMING write", ret);
			}
			us = set_state_us(dev, to, &newfd);
			if (!keep || keep(from, to))
				arc_add(t, from, to, us);
			if (newfd >= 0) {
				if (fd >= 0)
					close(fd);
				fd = newfd;
			}
			if (to == S || to == R || to == RP) {
				if (fd >= 0)
					close(fd);
				fd = -1;
			}
		}
	}
	if (fd >= 0)
		close(fd);
}

static bool only_no_p2p_arcs(uint32_t from, uint32_t to)
{
	return (from == R && to == S) || (from == S && to == R) || (from == PC && to == SC);
}

static void print_arcs(const struct arc_table *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		printf("  %-13s -> %-13s %8.1f\n", vfm_state_name(t->arc[i].from),
		       vfm_state_name(t->arc[i].to), t->arc[i].us / t->arc[i].n);
}


int main(int argc, char **argv)
{
	struct arc_table lat = {}, lat_no_p2p = {};
	struct vfm_device src, dst;
	int rounds = 20, ret;
	size_t cap = 0;
	uint64_t flags, dst_flags;
	char *stream;
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
	resume_memory(dst.bdf);
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

	/* Arc latency: every direct arc of the uAPI, mean of @rounds walks. */
	set_state_us(&src, VFIO_DEVICE_STATE_RUNNING, NULL);
	if ((flags & (VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY)) !=
	    (VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY)) {
		printf("arc latency: skipped, needs P2P and PRE_COPY\n");
		return 0;
	}
	ret = vfm_data_size(&src, (uint64_t *)&cap);
	if (ret)
		die("MIG_DATA_SIZE", ret);
	cap += CHUNK;
	stream = malloc(cap);
	if (!stream)
		die("malloc", ENOMEM);
	memset(stream, 0, cap);
	time_walk(&src, walk_p2p, sizeof(walk_p2p) / sizeof(walk_p2p[0]), rounds, stream, cap,
		  &lat, NULL);
	printf("arc latency (mean of %d, microseconds):\n", rounds);
	print_arcs(&lat);

	/*
	 * The three arcs that exist only without P2P, on DST reconfigured to
	 * STOP_COPY | PRE_COPY (a mock's flags change only while it is closed).
	 */
	if (vfm_migration_flags(&dst, &dst_flags))
		return 1;
	vfm_device_close(&dst);
	if (!vfm_mock_bound(argv[2]) ||
	    bench_mock_attr(argv[2], "migration_flags",
			    VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_PRE_COPY)) {
		printf("arc latency without P2P: skipped, DST is not a mock device\n");
	} else {
		if (vfm_device_open(argv[2], &dst))
			return 1;
		time_walk(&dst, walk_no_p2p, sizeof(walk_no_p2p) / sizeof(walk_no_p2p[0]), rounds,
			  stream, cap, &lat_no_p2p, only_no_p2p_arcs);
		vfm_device_close(&dst);
		ret = bench_mock_attr(argv[2], "migration_flags", dst_flags);
		if (ret)
			die("restoring DST's migration_flags", ret);
		printf("arc latency without P2P (DST with migration flags 5, mean of %d, microseconds):\n",
		       rounds);
		print_arcs(&lat_no_p2p);
	}
	free(stream);
	vfm_device_close(&src);
	return 0;
}
