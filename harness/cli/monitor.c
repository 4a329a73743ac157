// SPDX-License-Identifier: GPL-2.0-only
/*
 * The violations a migration caused (monitor.h).
 */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "jsonget.h"
#include "monitor.h"
#include "vfiomig.h"

static void read_devices(struct mon_snap *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		s->mock[i] = vfm_mock_bound(s->bdf[i]) &&
			     !vfm_mon_read_device(s->bdf[i], &s->count[i]);
}

void mon_snap(struct mon_snap *s, char *const *bdfs, unsigned int n)
{
	memset(s, 0, sizeof(*s));
	s->seq = -1;
	for (s->n = 0; s->n < n && s->n < MON_MAX_DEVICES; s->n++)
		s->bdf[s->n] = bdfs[s->n];
	s->err = vfm_mon_read_counters(&s->c);
	if (!s->err)
		vfm_mon_walk(-1, &s->seq, NULL, NULL);
	read_devices(s);
}

void mon_snap_again(struct mon_snap *after, const struct mon_snap *before)
{
	mon_snap(after, (char *const *)before->bdf, before->n);
}

struct by_rule {
	const struct mon_snap *s;
	uint64_t rule[MON_MAX_DEVICES][MIG_RULE_NR_MONITOR];
};

static void count_one(const char *bdf, int rule, void *arg)
{
	struct by_rule *b = arg;
	unsigned int i;

	for (i = 0; rule >= 0 && i < b->s->n; i++)
		if (!strcmp(bdf, b->s->bdf[i]))
			b->rule[i][rule]++;
}

static json_object *rules_json(const uint64_t *rule)
{
	json_object *o = json_object_new_object();
	int i;

	for (i = 0; i < MIG_RULE_NR_MONITOR; i++)
		json_object_object_add(o, mig_rule_id(i), json_object_new_int64(rule[i]));
	return o;
}

/* The count of @bdf between the snapshots, or NULL when there is none. */
static json_object *count_of(const struct mon_snap *b, const struct mon_snap *a,
			     const char *bdf)
{
	unsigned int i;

	for (i = 0; bdf && i < a->n; i++)
		if (!strcmp(bdf, a->bdf[i]) && a->mock[i] && b->mock[i] && !a->err)
			return json_object_new_int64(a->count[i] - b->count[i]);
	return NULL;
}

/* Counters went down: someone cleared the monitor during the migration. */
static bool cleared(const struct mon_snap *b, const struct mon_snap *a)
{
	unsigned int i;

	if (a->c.total < b->c.total)
		return true;
	for (i = 0; i < a->n; i++)
		if (a->mock[i] && b->mock[i] && a->count[i] < b->count[i])
			return true;
	return false;
}

void mon_report(json_object *r, const struct mon_snap *b, const struct mon_snap *a)
{
	json_object *mon = json_object_new_object(), *devs, *list, *key;
	uint64_t delta[MIG_RULE_NR_MONITOR];
	struct by_rule *br;
	unsigned int i;
	size_t k;
	int j;

	json_object_object_add(r, "monitor", mon);
	if (a->err || b->err || cleared(b, a)) {
		json_object_object_add(mon, "available", json_object_new_boolean(false));
		json_object_object_add(mon, "why", json_object_new_string(
			a->err || b->err ? "no mock-vfio-pci monitor in debugfs" :
			"the monitor was cleared during the migration"));
		return;
	}
	br = calloc(1, sizeof(*br));
	if (!br)
		return;
	br->s = a;
	vfm_mon_walk(b->seq, &(int64_t){ -1 }, count_one, br);
	json_object_object_add(mon, "available", json_object_new_boolean(true));
	for (j = 0; j < MIG_RULE_NR_MONITOR; j++)
		delta[j] = a->c.rule[j] - b->c.rule[j];
	json_object_object_add(mon, "rules", rules_json(delta));
	json_object_object_add(mon, "total", json_object_new_int64(a->c.total - b->c.total));
	devs = json_object_new_object();
	for (i = 0; i < a->n; i++) {
		json_object *d;

		if (!a->mock[i] || !b->mock[i]) {
			json_object_object_add(devs, a->bdf[i], NULL);
			continue;
		}
		d = json_object_new_object();
		json_object_object_add(d, "violations",
				       json_object_new_int64(a->count[i] - b->count[i]));
		/* From the ring, which keeps the last 256 violations only. */
		json_object_object_add(d, "rules", rules_json(br->rule[i]));
		json_object_object_add(devs, a->bdf[i], d);
	}
	json_object_object_add(mon, "devices", devs);
	free(br);

	/* A migration report has pairs, a side report has devices. */
	list = jget(r, "devices");
	for (k = 0; k < jlen(list); k++) {
		json_object *p = json_object_array_get_idx(list, k);

		key = jget(p, "source");
		if (key) {
			json_object_object_add(p, "violations_source",
					       count_of(b, a, jstr(p, "source", NULL)));
			json_object_object_add(p, "violations_destination",
					       count_of(b, a, jstr(p, "destination", NULL)));
		} else {
			json_object_object_add(p, "violations",
					       count_of(b, a, jstr(p, "bdf", NULL)));
		}
	}
}
