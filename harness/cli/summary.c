// SPDX-License-Identifier: GPL-2.0-only
/*
 * The human summary of a migration: one verdict line, one row per device
 * pair (bytes, rounds, digest match), the per-arc breakdown.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "jsonget.h"
#include "report.h"

static const char *human(int64_t b, char *buf, size_t len)
{
	if (b >= 1 << 20)
		snprintf(buf, len, "%.1f MiB", b / 1048576.0);
	else if (b >= 1 << 10)
		snprintf(buf, len, "%.1f KiB", b / 1024.0);
	else
		snprintf(buf, len, "%lld B", (long long)b);
	return buf;
}

static void print_arcs(FILE *f, const char *side, json_object *sd)
{
	json_object *devs = jget(sd, "devices");
	size_t i, j;

	for (i = 0; i < jlen(devs); i++) {
		json_object *d = json_object_array_get_idx(devs, i), *arcs = jget(d, "arcs");

		fprintf(f, "  %-4s %s:", side, jstr(d, "bdf", "?"));
		for (j = 0; j < jlen(arcs); j++) {
			json_object *a = json_object_array_get_idx(arcs, j);

			fprintf(f, "%s %s>%s %.0f%s", j ? " |" : "", jstr(a, "from", "?"),
				jstr(a, "to", "?"), jdbl(a, "us", 0),
				jint(a, "errno") ? " FAILED" : "");
		}
		fprintf(f, "\n");
	}
}

void print_summary(FILE *f, json_object *r)
{
	json_object *devs = jget(r, "devices"), *src = jget(r, "source"), *dst = jget(r, "destination");
	bool ok = !strcmp(jstr(r, "result", ""), "ok");
	char b1[32], b2[32];
	size_t i;

	if (ok) {
		fprintf(f, "migration ok: %zu device%s, pre-copy %lld round%s (%s)",
			jlen(devs), jlen(devs) == 1 ? "" : "s", (long long)jint(r, "rounds"),
			jint(r, "rounds") == 1 ? "" : "s", jstr(src, "switchover_reason", "-"));
		if (jget(r, "downtime_ms"))
			fprintf(f, ", downtime %.1f ms", jdbl(r, "downtime_ms", 0));
		fprintf(f, "\n");
	} else {
		fprintf(f, "migration FAILED at %s: %s\n", jstr(r, "step", "?"), jstr(r, "error", "?"));
	}
	fprintf(f, "  %-13s %-13s %10s %10s %6s  %s\n", "SOURCE", "DESTINATION", "PRE-COPY",
		"STOP-COPY", "ROUNDS", "DIGEST");
	for (i = 0; i < jlen(devs); i++) {
		json_object *p = json_object_array_get_idx(devs, i), *m = jget(p, "digest_match");
		const char *dig = m ? (json_object_get_boolean(m) ? "match" : "MISMATCH") :
				  jget(p, "digest_source") ? "-" : "n/a (not a mock)";

		fprintf(f, "  %-13s %-13s %10s %10s %6lld  %s\n", jstr(p, "source", "?"),
			jstr(p, "destination", "-"), human(jint(p, "bytes_precopy"), b1, sizeof(b1)),
			human(jint(p, "bytes_stop_copy"), b2, sizeof(b2)),
			(long long)jint(p, "rounds"), dig);
	}
	if (!ok) {
		bool unchanged = true, checked = false;

		for (i = 0; i < jlen(devs); i++) {
			json_object *u = jget(json_object_array_get_idx(devs, i), "source_unchanged");

			if (u) {
				checked = true;
				unchanged &= json_object_get_boolean(u);
			}
		}
		fprintf(f, "  source: %s; device state %s\n",
			json_object_get_boolean(jget(src, "rollback_clean")) ?
			"restarted, RUNNING in P2P order" : "rollback INCOMPLETE (see above)",
			!checked ? "not checked (no digest)" : unchanged ? "unchanged" : "CHANGED");
		if (dst)
			fprintf(f, "  destination: %s\n", !json_object_get_boolean(jget(dst, "ok")) ?
				(json_object_get_boolean(jget(dst, "rollback_clean")) ?
				 "devices reset" : "reset INCOMPLETE") : "completed");
	}
	fprintf(f, "per-arc time (us):\n");
	print_arcs(f, "src", src);
	if (dst)
		print_arcs(f, "dst", dst);
}

void print_load_summary(FILE *f, json_object *side)
{
	json_object *devs = jget(side, "devices");
	char b[32];
	size_t i;

	if (json_object_get_boolean(jget(side, "ok")))
		fprintf(f, "load ok: %zu device%s\n", jlen(devs), jlen(devs) == 1 ? "" : "s");
	else
		fprintf(f, "load FAILED at %s: %s; devices reset\n", jstr(side, "step", "?"),
			jstr(side, "error", "?"));
	fprintf(f, "  %-13s %-20s %10s  %s\n", "DEVICE", "FROM", "BYTES", "DIGEST");
	for (i = 0; i < jlen(devs); i++) {
		json_object *d = json_object_array_get_idx(devs, i);

		fprintf(f, "  %-13s %-20s %10s  %s\n", jstr(d, "bdf", "?"), jstr(d, "peer", "-"),
			human(jint(d, "bytes_precopy") + jint(d, "bytes_stop_copy"), b, sizeof(b)),
			jstr(d, "digest", "n/a"));
	}
	fprintf(f, "per-arc time (us):\n");
	print_arcs(f, "dst", side);
}
