// SPDX-License-Identifier: GPL-2.0-only
/*
 * downtime-bench: the downtime of vfio-migrate migrations, as ratios to
 * what the same run measures (absolute times mean little under TCG):
 *
 * - 1, 2 and 4-device migrations without pre-copy, against the ideal
 *   downtime: the stop-copy bytes read from the source devices and written
 *   into the destinations at the rates one device's data_fd reaches in
 *   this run (read into and written from memory, no transport), the reads
 *   and writes overlapping only as far as the guest can run two copies at
 *   once (measured: under single-threaded TCG not at all):
 *       ideal = max(R, W, (R + W) / parallelism)
 *   target <= 1.5.  Each is broken down into the harness's phases
 *   (stopping, stop-copy data, resuming and starting) and, per device,
 *   read, write and arc time, the rest named as what it is: transport,
 *   harness and scheduling.  The one-memcpy ratio of earlier versions is
 *   kept as a second, labelled line: it assumes reading and writing free
 *   and says little on its own (1.77 on one host, 0.94 on another for the
 *   same downtime).  With vfio-migrate's default transport (the stream
 *   through shared memory), and one device through the socket;
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

#define MAX_DEV	4

struct result {
	double downtime_ms;
	long long stop_copy_bytes;
	/* Phases (ms): stopping the sources, moving the data, resuming and starting. */
	double stopping_ms, data_ms, starting_ms;
	unsigned int ndev;
	struct {
		long long bytes;
		double src_arcs_ms, dst_arcs_ms;	/* arcs inside the downtime */
	} dev[MAX_DEV];
};

/* The same run's references: see the comment at the top. */
struct refs {
	double memcpy_bw, read_bw, write_bw;	/* bytes/s */
	double parallelism;
};

static long long get_i64(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

/* The time (ms) the arcs of @dev took that started at or after @from_ns. */
static double arcs_after(json_object *dev, long long from_ns)
{
	json_object *arcs, *a, *v;
	double ms = 0;
	size_t i;

	if (!dev || !json_object_object_get_ex(dev, "arcs", &arcs))
		return 0;
	for (i = 0; i < json_object_array_length(arcs); i++) {
		a = json_object_array_get_idx(arcs, i);
		if (get_i64(a, "t0_ns") >= from_ns && json_object_object_get_ex(a, "us", &v))
			ms += json_object_get_double(v) / 1e3;
	}
	return ms;
}

/* The figures of one report: @o is vfio-migrate's --json. */
static int read_report(json_object *o, struct result *r)
{
	json_object *v, *src, *dst, *sdevs = NULL, *ddevs = NULL;
	long long t_stop, t_running;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	if (!json_object_object_get_ex(o, "downtime_ms", &v) ||
	    !json_object_object_get_ex(o, "source", &src) ||
	    !json_object_object_get_ex(o, "destination", &dst))
		return -1;
	r->downtime_ms = json_object_get_double(v);
	t_stop = get_i64(src, "t_stop_ns");
	t_running = get_i64(dst, "t_running_ns");
	r->stopping_ms = (get_i64(src, "t_stopped_ns") - t_stop) / 1e6;
	r->data_ms = (get_i64(src, "t_complete_ns") - get_i64(src, "t_stopped_ns")) / 1e6;
	r->starting_ms = (t_running - get_i64(src, "t_complete_ns")) / 1e6;
	json_object_object_get_ex(src, "devices", &sdevs);
	json_object_object_get_ex(dst, "devices", &ddevs);
	r->ndev = sdevs ? json_object_array_length(sdevs) : 0;
	if (r->ndev > MAX_DEV)
		return -1;
	for (i = 0; i < r->ndev; i++) {
		json_object *sd = json_object_array_get_idx(sdevs, i);
		json_object *dd = ddevs ? json_object_array_get_idx(ddevs, i) : NULL;

		r->dev[i].bytes = get_i64(sd, "bytes_stop_copy");
		r->dev[i].src_arcs_ms = arcs_after(sd, t_stop);
		r->dev[i].dst_arcs_ms = arcs_after(dd, t_stop);
		r->stop_copy_bytes += r->dev[i].bytes;
	}
	return 0;
}

/* One migration of @n devices; 0 or -1 (message printed). */
static int migrate(unsigned int n, const char *extra, struct result *r)
{
	char cmd[1024], src[256] = "", dst[256] = "", json[512];
	json_object *o;
	unsigned int i;
	int ret;

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
	ret = o ? read_report(o, r) : -1;
	if (ret)
		fprintf(stderr, "downtime-bench: %s: not a report of a completed migration\n", json);
	unlink(json);
	json_object_put(o);
	return ret;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The run of RUNS migrations whose downtime is the median. */
static int median(unsigned int n, const char *extra, struct result *med)
{
	struct result r[RUNS];
	double sorted[RUNS];
	int i;

	for (i = 0; i < RUNS; i++) {
		if (migrate(n, extra, &r[i]))
			return -1;
		sorted[i] = r[i].downtime_ms;
	}
	qsort(sorted, RUNS, sizeof(sorted[0]), cmp);
	for (i = 0; i < RUNS; i++)
		if (r[i].downtime_ms == sorted[RUNS / 2])
			*med = r[i];
	return 0;
}

/* Reads and writes one device's stream with no migration around it. */
static int measure_refs(struct refs *ref)
{
	struct vfm_device src, dst;
	struct bench_stream st;
	int ret;

	ref->memcpy_bw = bench_memcpy_bw(256 << 20);
	ref->parallelism = bench_parallelism(64 << 20);
	if (!ref->memcpy_bw || !ref->parallelism) {
		fprintf(stderr, "downtime-bench: out of memory for the memcpy references\n");
		return -1;
	}
	if (vfm_device_open(bdf[0], &src))
		return -1;
	if (vfm_device_open(bdf[4], &dst)) {
		vfm_device_close(&src);
		return -1;
	}
	ret = bench_stream(&src, &dst, &st);
	vfm_device_close(&src);
	vfm_device_close(&dst);
	if (ret)
		return -1;
	ref->read_bw = st.len / st.read_s;
	ref->write_bw = st.len / st.write_s;
	return 0;
}

static double max3(double a, double b, double c)
{
	return a > b ? (a > c ? a : c) : (b > c ? b : c);
}

/* One migration's downtime against the ideal, with where the time went. */
static void print_downtime(const char *what, const struct result *r, const struct refs *ref,
			   const char *target)
{
	double rd = r->stop_copy_bytes / ref->read_bw * 1e3;
	double wr = r->stop_copy_bytes / ref->write_bw * 1e3;
	double ideal = max3(rd, wr, (rd + wr) / ref->parallelism);
	double copy = r->stop_copy_bytes / ref->memcpy_bw * 1e3;
	unsigned int i;

	printf("  %s: downtime %7.1f ms, stop-copy %6.1f MiB, ideal %7.1f ms: ratio %.2f (%s)\n",
	       what, r->downtime_ms, r->stop_copy_bytes / 1048576.0, ideal,
	       r->downtime_ms / ideal, target);
	printf("      phases: stopping %.1f ms, stop-copy data %.1f ms (read and write one after the other: %.1f ms), resuming and starting %.1f ms\n",
	       r->stopping_ms, r->data_ms, rd + wr, r->starting_ms);
	for (i = 0; i < r->ndev; i++)
		printf("      %s -> %s: %.1f MiB, read %.1f ms + write %.1f ms at the rates above; arcs %.1f ms (source), %.1f ms (destination)\n",
		       bdf[i], bdf[4 + i], r->dev[i].bytes / 1048576.0,
		       r->dev[i].bytes / ref->read_bw * 1e3, r->dev[i].bytes / ref->write_bw * 1e3,
		       r->dev[i].src_arcs_ms, r->dev[i].dst_arcs_ms);
	printf("      beyond the ideal: %.1f ms (transport, the harness, arcs, scheduling)\n",
	       r->downtime_ms - ideal);
	printf("      against one memcpy of the bytes (%.1f ms): ratio %.2f (single-copy reference, no target)\n",
	       copy, r->downtime_ms / copy);
}

int main(int argc, char **argv)
{
	unsigned long size, large, rate;
	struct result r, pre, nopre;
	struct refs ref;
	char extra[128], what[32];
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

	if (measure_refs(&ref))
		return 1;
	printf("downtime (median of %d, no pre-copy, %lu MiB devices, workload off)\n", RUNS, size);
	printf("  measured in this run: data_fd read %.1f MB/s, write %.1f MB/s (one %lu MiB device, into and from memory);\n"
	       "  parallelism %.2f (two memcpy threads against one); memcpy %.1f MB/s\n",
	       ref.read_bw / 1e6, ref.write_bw / 1e6, size, ref.parallelism, ref.memcpy_bw / 1e6);
	printf("  ideal = max(read, write, (read + write) / parallelism) of the stop-copy bytes at those rates\n");
	for (n = 1; n <= 4; n *= 2) {
		if (median(n, "--no-precopy", &r))
			return 1;
		snprintf(what, sizeof(what), "%u device%s", n, n == 1 ? " " : "s");
		print_downtime(what, &r, &ref, "target <= 1.5");
	}
	/* For comparison: the stream through the socket, as between machines. */
	if (median(1, "--no-precopy --transport socket", &r))
		return 1;
	print_downtime("1 device, stream through the socket", &r, &ref, "no target");

	if (set_mem(bdf[0], large) || set_mem(bdf[4], large)) {
		fprintf(stderr, "downtime-bench: cannot set mem_size %lu MiB\n", large);
		return 1;
	}
	snprintf(extra, sizeof(extra), "--no-precopy --workload %lu", rate);
	if (median(1, extra, &nopre))
		return 1;
	printf("pre-copy against no pre-copy (median of %d, one %lu MiB device, workload %lu pages/s)\n",
	       RUNS, large, rate);
	printf("  no pre-copy: downtime %8.1f ms, stop-copy %7.1f MiB\n", nopre.downtime_ms,
	       nopre.stop_copy_bytes / 1048576.0);
	snprintf(extra, sizeof(extra), "--precopy --workload %lu", rate);
	if (median(1, extra, &pre))
		return 1;
	printf("  pre-copy:    downtime %8.1f ms, stop-copy %7.1f MiB\n", pre.downtime_ms,
	       pre.stop_copy_bytes / 1048576.0);
	printf("  ratio %.3f (target <= 0.2)\n", pre.downtime_ms / nopre.downtime_ms);
	for (i = 0; i < 8; i++)
		set_mem(bdf[i], size);
	return 0;
}
