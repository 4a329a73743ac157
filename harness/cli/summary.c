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

/* Whether the side report @side has @bdf bound to mock-vfio-pci. */
static bool is_mock(json_object *side, const char *bdf)
{
	json_object *devs = jget(side, "devices");
	size_t i;

	for (i = 0; i < jlen(devs); i++) {
		json_object *d = json_object_array_get_idx(devs, i);

		if (!strcmp(jstr(d, "bdf", ""), bdf))
			return !strcmp(jstr(d, "driver", ""), "mock-vfio-pci");
	}
	return false;
}

/* A device's violations: its count, or "n/a" (not a mock, no monitor). */
static const char *viol(json_object *o, const char *key, char *buf, size_t len)
{
	json_object *v = jget(o, key);

	if (!v || json_object_get_type(v) == json_type_null)
		return "n/a";
	snprintf(buf, len, "%lld", (long long)json_object_get_int64(v));
	return buf;
}

/* One line: the violations of the whole run, by rule. */
static void print_monitor(FILE *f, json_object *r)
{
	json_object *mon = jget(r, "monitor"), *rules = jget(mon, "rules");

	if (!mon || !json_object_get_boolean(jget(mon, "available"))) {
		fprintf(f, "monitor: n/a (%s)\n", jstr(mon, "why", "not read"));
		return;
	}
	if (!jint(mon, "total")) {
		fprintf(f, "monitor: no violations\n");
		return;
	}
	fprintf(f, "monitor: %lld violation%s:", (long long)jint(mon, "total"),
		jint(mon, "total") == 1 ? "" : "s");
	json_object_object_foreach(rules, rule, v)
		if (json_object_get_int64(v))
			fprintf(f, " %s %lld", rule, (long long)json_object_get_int64(v));
	fprintf(f, "\n");
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

/*
 * Guest RAM: size, pages sent per pre-copy round and after the stop, how
 * dirty pages were known, and the destination's verdict.
 */
static void print_ram(FILE *f, json_object *ram)
{
	json_object *rounds = jget(ram, "pages_per_round"), *eq = jget(ram, "digest_equal");
	char b[32];
	size_t i;

	if (!ram)
		return;
	fprintf(f, "  ram: %s, pages sent per round:", human(jint(ram, "bytes"), b, sizeof(b)));
	for (i = 0; i < jlen(rounds) && i < 12; i++)
		fprintf(f, " %lld", (long long)json_object_get_int64(json_object_array_get_idx(rounds, i)));
	if (jlen(rounds) > 12)
		fprintf(f, " ... (%zu rounds)", jlen(rounds));
	fprintf(f, ", after stop %lld (%.1f ms); ", (long long)jint(ram, "final_pages"),
		jdbl(ram, "final_ms", 0));
	if (!strcmp(jstr(ram, "tracking", ""), "none"))
		fprintf(f, "untracked (%s): all pages dirty every round", jstr(ram, "untracked_why", "?"));
	else if (json_object_get_boolean(jget(ram, "fallback_all_dirty")))
		fprintf(f, "dma-logging, fallback to all pages dirty after %lld REPORT failure%s",
			(long long)jint(ram, "report_failures"),
			jint(ram, "report_failures") == 1 ? "" : "s");
	else
		fprintf(f, "dma-logging");
	if (jlen(jget(ram, "dma_writes"))) {
		int64_t w = 0;

		for (i = 0; i < jlen(jget(ram, "dma_writes")); i++)
			w += json_object_get_int64(json_object_array_get_idx(jget(ram, "dma_writes"), i));
		fprintf(f, "; DMA writes %lld", (long long)w);
	}
	fprintf(f, "; RAM %s\n", !eq || json_object_get_type(eq) == json_type_null ? "not verified" :
		json_object_get_boolean(eq) ? "equal" : "DIFFERS");
}

void print_summary(FILE *f, json_object *r)
{
	json_object *devs = jget(r, "devices"), *src = jget(r, "source"), *dst = jget(r, "destination");
	bool ok = !strcmp(jstr(r, "result", ""), "ok");
	char b1[32], b2[32], v1[24], v2[24];
	size_t i;

	if (ok) {
		fprintf(f, "migration ok: %zu device%s, pre-copy %lld round%s (%s)",
			jlen(devs), jlen(devs) == 1 ? "" : "s", (long long)jint(r, "rounds"),
			jint(r, "rounds") == 1 ? "" : "s", jstr(src, "switchover_reason", "-"));
		if (jget(r, "downtime_ms"))
			fprintf(f, ", downtime %.1f ms", jdbl(r, "downtime_ms", 0));
		if (jget(r, "transport"))
			fprintf(f, ", stream: %s", jstr(r, "transport", "?"));
		fprintf(f, "\n");
	} else {
		fprintf(f, "migration FAILED at %s: %s\n", jstr(r, "step", "?"), jstr(r, "error", "?"));
	}
	fprintf(f, "  %-13s %-13s %10s %10s %6s  %-11s %s\n", "SOURCE", "DESTINATION", "PRE-COPY",
		"STOP-COPY", "ROUNDS", "VIOLATIONS", "DIGEST");
	for (i = 0; i < jlen(devs); i++) {
		json_object *p = json_object_array_get_idx(devs, i), *m = jget(p, "digest_match");
		const char *dig = m ? (json_object_get_boolean(m) ? "match" : "MISMATCH") :
				  jget(p, "digest_source") || is_mock(src, jstr(p, "source", "")) ?
				  "-" : "n/a (not a mock)";

		char vs[56];

		snprintf(vs, sizeof(vs), "%s/%s", viol(p, "violations_source", v1, sizeof(v1)),
			 jget(p, "destination") ? viol(p, "violations_destination", v2, sizeof(v2)) :
			 "-");
		fprintf(f, "  %-13s %-13s %10s %10s %6lld  %-11s %s\n", jstr(p, "source", "?"),
			jstr(p, "destination", "-"), human(jint(p, "bytes_precopy"), b1, sizeof(b1)),
			human(jint(p, "bytes_stop_copy"), b2, sizeof(b2)),
			(long long)jint(p, "rounds"), vs, dig);
	}
	print_ram(f, jget(r, "ram"));
	print_monitor(f, r);
	if (!ok) {
		bool unchanged = true, checked = false;
		const char *lost = NULL;

		for (i = 0; i < jlen(devs); i++) {
			json_object *p = json_object_array_get_idx(devs, i);
			json_object *u = jget(p, "source_unchanged");

			if (u) {
				checked = true;
				unchanged &= json_object_get_boolean(u);
			}
			if (jget(p, "source_state_lost") && !lost)
				lost = jstr(p, "source", "?");
		}
		if (lost)
			fprintf(f, "  source: restarted; device state LOST: %s was reset to leave ERROR\n",
				lost);
		else
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
	char b[32], v[24];
	size_t i;

	if (json_object_get_boolean(jget(side, "ok")))
		fprintf(f, "load ok: %zu device%s\n", jlen(devs), jlen(devs) == 1 ? "" : "s");
	else
		fprintf(f, "load FAILED at %s: %s; devices reset\n", jstr(side, "step", "?"),
			jstr(side, "error", "?"));
	fprintf(f, "  %-13s %-20s %10s  %-10s  %s\n", "DEVICE", "FROM", "BYTES", "VIOLATIONS",
		"DIGEST");
	for (i = 0; i < jlen(devs); i++) {
		json_object *d = json_object_array_get_idx(devs, i);

		fprintf(f, "  %-13s %-20s %10s  %-10s  %s\n", jstr(d, "bdf", "?"),
			jstr(d, "peer", "-"),
			human(jint(d, "bytes_precopy") + jint(d, "bytes_stop_copy"), b, sizeof(b)),
			viol(d, "violations", v, sizeof(v)), jstr(d, "digest", "n/a"));
	}
	if (jget(side, "ram")) {
		json_object *ram = jget(side, "ram");

		fprintf(f, "  ram: %s, %lld pages + %lld zero pages received; RAM %s\n",
			human(jint(ram, "bytes"), b, sizeof(b)), (long long)jint(ram, "pages_received"),
			(long long)jint(ram, "zero_pages_received"),
			!json_object_get_boolean(jget(ram, "verified")) ? "not verified" :
			json_object_get_boolean(jget(ram, "digest_equal")) ? "equal" : "DIFFERS");
	}
	print_monitor(f, side);
	fprintf(f, "per-arc time (us):\n");
	print_arcs(f, "dst", side);
}
