// SPDX-License-Identifier: GPL-2.0-only
/*
 * downtime-bench: the downtime of vfio-migrate migrations, as ratios
 * measured in the same run (absolute times mean little under TCG):
 *
 * - 1, 2 and 4-device migrations without pre-copy, against the ideal
 *   downtime: the stop-copy bytes moved at the guest's memcpy bandwidth
 *   (target <= 1.5), with vfio-migrate's default transport (the stream
 *   through shared memory), and one device with the stream through the
 *   socket for comparison;
 * - one large device with a workload dirtying memory, pre-copy against
 *   no pre-copy (target <= 0.2).
 *
 *   downtime-bench VFIO_MIGRATE SIZE_MIB LARGE_MIB RATE BDF x 8
 *
 * The eight devices are migrated in pairs: the first four are sources, the
 * last four destinations.  Mock devices are resized through sysfs (they
 * must be closed); each migration's report is read back from JSON.  Each
 * figure is the median of three runs.  Nothing is asserted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "bench.h"

#define RUNS	3

static const char *vm;
static char *bdf[8];

static int set_mem(const char *b, unsigned long mib)
{
	return bench_mock_attr(b, "mem_size", (unsigned long long)mib << 20);
}

struct result {
	double downtime_ms;
	long long stop_copy_bytes;
};

/* One migration of @n devices; 0 or -1 (message printed). */
static int migrate(unsigned int n, const char *extra, struct result *r)
{
	char cmd[1024], src[256] = "", dst[256] = "", json[512];
	json_object *o, *v, *pairs;
	unsigned int i;
	size_t k;

	for (i = 0; i < n; i++) {
		snprintf(src + strlen(src), sizeof(src) - strlen(src), "%s%s", i ? "," : "", bdf[i]);
		snprintf(dst + strlen(dst), sizeof(dst) - strlen(dst), "%s%s", i ? "," : "",
			 bdf[4 + i]);
	}
	/*
	 * TMPDIR, not a fixed path: in the test guest /tmp is the host's,
	 * read-only, whenever the work tree lives under it.
	 */
	snprintf(json, sizeof(json), "%s/downtime-bench-%d.json",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	snprintf(cmd, sizeof(cmd), "%s migrate --src %s --dst %s %s --json %s >/dev/null",
		 vm, src, dst, extra, json);
	if (system(cmd)) {
		fprintf(stderr, "downtime-bench: failed: %s\n", cmd);
		return -1;
	}
	o = json_object_from_file(json);
	unlink(json);
	if (!o || !json_object_object_get_ex(o, "downtime_ms", &v)) {
		fprintf(stderr, "downtime-bench: no downtime in %s\n", json);
		json_object_put(o);
		return -1;
	}
	r->downtime_ms = json_object_get_double(v);
	r->stop_copy_bytes = 0;
	json_object_object_get_ex(o, "devices", &pairs);
	for (k = 0; pairs && k < json_object_array_length(pairs); k++)
		if (json_object_object_get_ex(json_object_array_get_idx(pairs, k),
					      "bytes_stop_copy", &v))
			r->stop_copy_bytes += json_object_get_int64(v);
	json_object_put(o);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median downtime of RUNS migrations; @bytes gets the median run's bytes. */
static int median(unsigned int n, const char *extra, double *ms, long long *bytes)
{
	double d[RUNS], sorted[RUNS];
	long long b[RUNS];
	struct result r;
	int i;

	for (i = 0; i < RUNS; i++) {
		if (migrate(n, extra, &r))
			return -1;
		d[i] = sorted[i] = r.downtime_ms;
		b[i] = r.stop_copy_bytes;
	}
	qsort(sorted, RUNS, sizeof(sorted[0]), cmp);
	*ms = sorted[RUNS / 2];
	for (i = 0; i < RUNS; i++)
		if (d[i] == *ms)
			*bytes = b[i];
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long size, large, rate;
	double bw, ms, pre, nopre;
	long long bytes;
	char extra[128];
	unsigned int n;
	int i;

	if (argc != 13) {
		fprintf(stderr, "usage: downtime-bench VFIO_MIGRATE SIZE_MIB LARGE_MIB RATE BDF x 8\n");
		return 2;
	}
	vm = argv[1];
	size = strtoul(argv[2], NULL, 0);
	large = strtoul(argv[3], NULL, 0);
	rate = strtoul(argv[4], NULL, 0);
	for (i = 0; i < 8; i++)
		bdf[i] = argv[5 + i];
	for (i = 0; i < 8; i++)
		if (set_mem(bdf[i], size)) {
			fprintf(stderr, "downtime-bench: %s: cannot set mem_size\n", bdf[i]);
			return 1;
		}

	bw = bench_memcpy_bw(256 << 20);
	if (!bw) {
		fprintf(stderr, "downtime-bench: out of memory for the memcpy reference\n");
		return 1;
	}
	printf("downtime (median of %d, no pre-copy, %lu MiB devices, workload off)\n", RUNS, size);
	printf("  memcpy bandwidth, same run: %.1f MB/s\n", bw / 1e6);
	for (n = 1; n <= 4; n *= 2) {
		double ideal;

		if (median(n, "--no-precopy", &ms, &bytes))
			return 1;
		ideal = bytes / bw * 1e3;
		printf("  %u device%s: downtime %8.1f ms, stop-copy %6.1f MiB, ideal %7.1f ms: ratio %.2f (target <= 1.5)\n",
		       n, n == 1 ? " " : "s", ms, bytes / 1048576.0, ideal, ms / ideal);
	}
	/* For comparison: the stream through the socket, as between machines. */
	if (median(1, "--no-precopy --transport socket", &ms, &bytes))
		return 1;
	printf("  1 device, stream through the socket: downtime %8.1f ms, ratio %.2f (no target)\n",
	       ms, ms / (bytes / bw * 1e3));

	if (set_mem(bdf[0], large) || set_mem(bdf[4], large)) {
		fprintf(stderr, "downtime-bench: cannot set mem_size %lu MiB\n", large);
		return 1;
	}
	snprintf(extra, sizeof(extra), "--no-precopy --workload %lu", rate);
	if (median(1, extra, &nopre, &bytes))
		return 1;
	printf("pre-copy against no pre-copy (median of %d, one %lu MiB device, workload %lu pages/s)\n",
	       RUNS, large, rate);
	printf("  no pre-copy: downtime %8.1f ms, stop-copy %7.1f MiB\n", nopre, bytes / 1048576.0);
	snprintf(extra, sizeof(extra), "--precopy --workload %lu", rate);
	if (median(1, extra, &pre, &bytes))
		return 1;
	printf("  pre-copy:    downtime %8.1f ms, stop-copy %7.1f MiB\n", pre, bytes / 1048576.0);
	printf("  ratio %.3f (target <= 0.2)\n", pre / nopre);
	for (i = 0; i < 8; i++)
		set_mem(bdf[i], size);
	return 0;
}
