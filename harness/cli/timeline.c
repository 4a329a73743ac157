// SPDX-License-Identifier: GPL-2.0-only
/*
 * The timeline picture (SVG): one lane per device, source lanes then
 * destination lanes, each a bar coloured and labelled by migration state
 * over time, SET calls as dark ticks, the downtime window shaded.  A second
 * panel repeats the lanes zoomed on the downtime, where the interesting
 * arcs are too short to see at full scale.  State names are written in the
 * bars (and in hover titles), so no legend lookup is needed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonget.h"
#include "report.h"

#define LEFT	200
#define WIDTH	880
#define LANE_H	22
#define LANE_GAP 6

struct lane {
	const char *side, *bdf;
	json_object *arcs;
	int64_t t_begin, t_end;
};

static const char *color(const char *state)
{
	static const struct { const char *s, *c; } map[] = {
		{ "RUNNING", "#43a047" }, { "PRE_COPY", "#9ccc65" },
		{ "RUNNING_P2P", "#ffa726" }, { "PRE_COPY_P2P", "#ffcc80" },
		{ "STOP", "#9e9e9e" }, { "STOP_COPY", "#42a5f5" },
		{ "RESUMING", "#ab47bc" }, { "ERROR", "#e53935" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(state, map[i].s))
			return map[i].c;
	return "#212121";
}

struct panel {
	int64_t ta, tb, t0;	/* range shown; t0 is "0 ms" on the axis */
	int y;
};

static double xof(const struct panel *p, int64_t t)
{
	if (t < p->ta)
		t = p->ta;
	if (t > p->tb)
		t = p->tb;
	return LEFT + (double)(t - p->ta) * WIDTH / (double)(p->tb - p->ta);
}

static void segment(FILE *f, const struct panel *p, int y, int64_t a, int64_t b, const char *st)
{
	double x0 = xof(p, a), x1 = xof(p, b), w = x1 - x0;

	if (b <= p->ta || a >= p->tb)
		return;
	if (w < 1)
		w = 1;
	fprintf(f, "<rect x='%.1f' y='%d' width='%.1f' height='%d' fill='%s'>"
		"<title>%s  %+.3f .. %+.3f ms</title></rect>\n",
		x0, y, w, LANE_H, color(st), st, (a - p->t0) / 1e6, (b - p->t0) / 1e6);
	/* About 6.5 px per character at font-size 11. */
	if (w > 6.5 * strlen(st) + 6)
		fprintf(f, "<text x='%.1f' y='%d' font-size='11' text-anchor='middle' fill='#000'>%s</text>\n",
			x0 + w / 2, y + 15, st);
}

static void draw_lane(FILE *f, const struct panel *p, const struct lane *l, int y)
{
	const char *cur = "RUNNING";
	int64_t t = l->t_begin;
	size_t j;

	fprintf(f, "<text x='%d' y='%d' font-size='12' text-anchor='end'>%s %s</text>\n",
		LEFT - 8, y + 15, l->side, l->bdf);
	for (j = 0; j < jlen(l->arcs); j++) {
		json_object *a = json_object_array_get_idx(l->arcs, j);
		int64_t t0 = jint(a, "t0_ns"), t1 = jint(a, "t1_ns");

		segment(f, p, y, t, t0, cur);
		/* The SET itself: dark, so long transitions stand out. */
		if (t1 > p->ta && t0 < p->tb)
			fprintf(f, "<rect x='%.1f' y='%d' width='%.1f' height='%d' fill='#263238'>"
				"<title>SET %s -&gt; %s (%s) %.0f us%s</title></rect>\n",
				xof(p, t0), y - 2, xof(p, t1) - xof(p, t0) < 1.5 ? 1.5 :
				xof(p, t1) - xof(p, t0), LANE_H + 4, jstr(a, "from", "?"),
				jstr(a, "to", "?"), jstr(a, "phase", "?"), jdbl(a, "us", 0),
				jint(a, "errno") ? " FAILED" : "");
		cur = jstr(a, "after", "UNKNOWN");
		t = t1;
	}
	segment(f, p, y, t, l->t_end, cur);
}

static void axis(FILE *f, const struct panel *p, int y)
{
	static const double mant[] = { 1, 2, 5 };
	double span = (p->tb - p->ta) / 1e6, step = 1e-3, ms;
	int k = 0;

	/* 1, 2, 5 x 10^n ms: the smallest step that gives at most 10 ticks. */
	while (span / (mant[k % 3] * step) > 10) {
		if (++k % 3 == 0)
			step *= 10;
	}
	step *= mant[k % 3];
	fprintf(f, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#000'/>\n", LEFT, y, LEFT + WIDTH, y);
	for (ms = ((int64_t)((p->ta - p->t0) / 1e6 / step)) * step; ms <= (p->tb - p->t0) / 1e6;
	     ms += step) {
		int64_t t = p->t0 + (int64_t)(ms * 1e6);

		if (t < p->ta)
			continue;
		fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#000'/>"
			"<text x='%.1f' y='%d' font-size='10' text-anchor='middle'>%g ms</text>\n",
			xof(p, t), y, xof(p, t), y + 4, xof(p, t), y + 15, ms);
	}
}

static int draw_panel(FILE *f, struct panel *p, const struct lane *lanes, int n,
		      int64_t t_stop, int64_t t_run, double downtime, const char *title)
{
	int i, y = p->y + 24, h = n * (LANE_H + LANE_GAP);

	fprintf(f, "<text x='%d' y='%d' font-size='13' font-weight='bold'>%s</text>\n",
		LEFT, p->y + 12, title);
	for (i = 0; i < n; i++)
		draw_lane(f, p, &lanes[i], y + i * (LANE_H + LANE_GAP));
	if (t_stop && t_run) {
		double x0 = xof(p, t_stop), x1 = xof(p, t_run);

		fprintf(f, "<rect x='%.1f' y='%d' width='%.1f' height='%d' fill='#e53935' "
			"fill-opacity='0.10' stroke='#e53935' stroke-dasharray='4 3'/>\n",
			x0, y - 6, x1 - x0 < 1 ? 1 : x1 - x0, h + 6);
		fprintf(f, "<text x='%.1f' y='%d' font-size='11' fill='#c62828' text-anchor='middle'>"
			"downtime %.1f ms</text>\n", (x0 + x1) / 2, y - 9 + h + 22, downtime);
	}
	axis(f, p, y + h + 16);
	return y + h + 40;
}

static int collect(json_object *side, const char *name, struct lane *lanes, int n, int max)
{
	json_object *devs = jget(side, "devices");
	size_t i;

	for (i = 0; i < jlen(devs) && n < max; i++) {
		json_object *d = json_object_array_get_idx(devs, i);

		lanes[n].side = name;
		lanes[n].bdf = jstr(d, "bdf", "?");
		lanes[n].arcs = jget(d, "arcs");
		lanes[n].t_begin = jint(side, "t_begin_ns");
		lanes[n].t_end = jint(side, "t_end_ns");
		n++;
	}
	return n;
}

int write_timeline(const char *path, json_object *r)
{
	json_object *src = jget(r, "source"), *dst = jget(r, "destination");
	int64_t t_stop = jint(src, "t_stop_ns"), t_run = jint(dst, "t_running_ns");
	double downtime = jdbl(r, "downtime_ms", 0);
	struct lane lanes[64];
	struct panel p;
	int n, y, height;
	FILE *f;

	n = collect(src, "src", lanes, 0, 64);
	n = collect(dst, "dst", lanes, n, 64);
	if (!jget(r, "downtime_ms"))
		t_run = 0;
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "vfio-migrate: %s: %s\n", path, strerror(errno));
		return -1;
	}
	height = 2 * (n * (LANE_H + LANE_GAP) + 64) + 40;
	fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n"
		"<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
		"font-family='DejaVu Sans, Arial, sans-serif'>\n"
		"<rect width='100%%' height='100%%' fill='#fff'/>\n", LEFT + WIDTH + 20,
		t_run ? height : height / 2 + 20);
	p.ta = jint(src, "t_begin_ns");
	p.tb = jint(dst ? dst : src, "t_end_ns");
	if (jint(src, "t_end_ns") > p.tb)
		p.tb = jint(src, "t_end_ns");
	if (p.tb <= p.ta)
		p.tb = p.ta + 1;
	p.t0 = p.ta;
	p.y = 8;
	y = draw_panel(f, &p, lanes, n, t_stop, t_run, downtime,
		       "whole migration (ms from start)");
	if (t_run > t_stop && t_stop) {
		int64_t dt = t_run - t_stop;

		p.ta = t_stop - dt / 5;
		p.tb = t_run + dt / 5;
		p.t0 = t_stop;
		p.y = y;
		draw_panel(f, &p, lanes, n, t_stop, t_run, downtime,
			   "zoom on the downtime (ms from the first source device stopping)");
	}
	fprintf(f, "</svg>\n");
	if (fclose(f)) {
		fprintf(stderr, "vfio-migrate: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}
