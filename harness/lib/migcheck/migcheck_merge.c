// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vfio-migcheck: one QEMU given twice, as its -trace output and its QMP log.
 *
 * QEMU emits the VFIO_MIGRATION event in vfio_migration_set_device_state(),
 * right after the trace event of the same name: for the devices with
 * migration-events=on, the QMP log is a run of the trace's set_device_state
 * events, in the same order (a run, not all of them: the QMP client connects
 * after the VM started and may leave before it quits).  The trace says more
 * (the requests too), so a QMP log found that way is dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "migcheck.h"

/* Devices of one file pair: a QMP device-id and the trace's device name. */
#define MAP_MAX	64

struct dev_map {
	unsigned int n;
	const char *qmp[MAP_MAX];	/* NULL: a trace device the QMP log does not show */
	const char *trace[MAP_MAX];
};

/* The index in @m of @name on side @side (qmp or trace), -1 if absent. */
static int map_find(const struct dev_map *m, const char *const *side, const char *name)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (side[i] && !strcmp(side[i], name))
			return i;
	return -1;
}

static bool map_add(struct dev_map *m, const char *qmp, const char *trace)
{
	if (m->n == MAP_MAX)
		return false;
	m->qmp[m->n] = qmp;
	m->trace[m->n++] = trace;
	return true;
}

/* Both have a time and they are more than a second apart: not one event. */
static bool times_differ(const struct mc_event *a, const struct mc_event *b)
{
	unsigned long long d;

	if (!a->t_us || !b->t_us)
		return false;
	d = a->t_us > b->t_us ? a->t_us - b->t_us : b->t_us - a->t_us;
	return d > 1000000;
}

/*
 * Whether the QMP events @q[0..nq) are the trace's state events from @t[k]
 * on: each in turn the next trace event of its mapped device, a trace event
 * in between only from a device the QMP log does not show.
 */
static bool run_matches(const struct mc_events *e, const size_t *q, size_t nq,
			const size_t *t, size_t nt, size_t k, struct dev_map *m)
{
	size_t i, j = k;

	m->n = 0;
	for (i = 0; i < nq; i++) {
		const struct mc_event *qe = &e->ev[q[i]];

		for (;; j++) {
			const struct mc_event *te;
			int by_qmp, by_trace;

			if (j == nt)
				return false;
			te = &e->ev[t[j]];
			by_qmp = map_find(m, m->qmp, qe->file_dev);
			by_trace = map_find(m, m->trace, te->file_dev);
			if (by_qmp == by_trace && te->to == qe->to && !times_differ(qe, te)) {
				if (by_qmp < 0 && !map_add(m, qe->file_dev, te->file_dev))
					return false;
				j++;
				break;
			}
			/* A state change of a device the QMP log shows, missing there. */
			if (by_trace >= 0 && m->qmp[by_trace])
				return false;
			if (by_trace < 0 && !map_add(m, NULL, te->file_dev))
				return false;
		}
	}
	return nq > 0;
}

/* The indices of file @file's events of kind MC_STATE, in order. */
static size_t *state_events(const struct mc_events *e, unsigned int file, size_t *n)
{
	size_t *idx = malloc((e->n ? e->n : 1) * sizeof(*idx)), i;

	*n = 0;
	if (!idx)
		return NULL;
	for (i = 0; i < e->n; i++)
		if (e->ev[i].file == file && e->ev[i].kind == MC_STATE)
			idx[(*n)++] = i;
	return idx;
}

/*
 * Whether QMP file @qf is a run of QEMU trace file @tf; with @note, says so
 * there, naming the devices.
 */
static bool same_qemu(const struct mc_events *e, unsigned int qf, unsigned int tf, FILE *note)
{
	size_t nq, nt, k;
	size_t *q = state_events(e, qf, &nq), *t = state_events(e, tf, &nt);
	struct dev_map m;
	bool same = false;

	if (!q || !t)
		goto out;
	for (k = 0; nq && k + nq <= nt; k++) {
		same = run_matches(e, q, nq, t, nt, k, &m);
		if (same)
			break;
	}
	if (same && note) {
		const char *sep = "";
		unsigned int i;

		fprintf(note, "vfio-migcheck: %s: the same QEMU as %s: its %zu VFIO_MIGRATION events "
			"are that trace's set_device_state events from %s on, in order (",
			e->file[qf].path, e->file[tf].path, nq, e->ev[t[k]].where);
		for (i = 0; i < m.n; i++)
			if (m.qmp[i]) {
				fprintf(note, "%s%s=%s", sep, m.qmp[i], m.trace[i]);
				sep = ", ";
			}
		fprintf(note, "): checked once, from the trace\n");
	}
out:
	free(q);
	free(t);
	return same;
}

/* Drops every event of file @file. */
static void drop_file(struct mc_events *e, unsigned int file)
{
	size_t i, n;

	for (i = n = 0; i < e->n; i++)
		if (e->ev[i].file != file)
			e->ev[n++] = e->ev[i];
	e->n = n;
}

/*
 * A short QMP log can be a run of more than one trace (the destination's
 * single "running" is in the source's trace too): each trace is one QEMU and
 * has one QMP log, so a QMP log goes to its only candidate not taken by
 * another, repeatedly.  One left with more than one candidate is checked on
 * its own, and the note says why.
 */
unsigned int mc_merge_same_qemu(struct mc_events *e, FILE *note)
{
	unsigned int nf = e->files, qf, tf, found, dropped = 0;
	bool *cand = calloc((size_t)nf * nf + 1, sizeof(*cand));
	int *trace_of = calloc(nf + 1, sizeof(*trace_of));
	bool progress = true;

	if (!cand || !trace_of)
		goto out;
	for (qf = 0; qf < nf; qf++) {
		trace_of[qf] = -1;
		for (tf = 0; tf < nf; tf++)
			cand[qf * nf + tf] = e->file[qf].fmt == MC_FMT_QMP &&
					     e->file[tf].fmt == MC_FMT_QEMU &&
					     same_qemu(e, qf, tf, NULL);
	}
	while (progress) {
		progress = false;
		for (qf = 0; qf < nf; qf++) {
			unsigned int last = 0;

			for (tf = found = 0; trace_of[qf] < 0 && tf < nf; tf++)
				if (cand[qf * nf + tf]) {
					found++;
					last = tf;
				}
			if (found != 1)
				continue;
			trace_of[qf] = last;
			for (tf = 0; tf < nf; tf++)	/* @last is taken */
				cand[tf * nf + last] = false;
			progress = true;
		}
	}
	for (qf = 0; qf < nf; qf++) {
		if (trace_of[qf] >= 0) {
			same_qemu(e, qf, trace_of[qf], note);
			drop_file(e, qf);
			dropped++;
			continue;
		}
		for (tf = found = 0; tf < nf; tf++)
			found += cand[qf * nf + tf];
		if (found)
			fprintf(note, "vfio-migcheck: %s: its events are a run of %u of the QEMU traces "
				"given: checked on its own, as another VM's\n", e->file[qf].path, found);
	}
out:
	free(cand);
	free(trace_of);
	return dropped;
}
