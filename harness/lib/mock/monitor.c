// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mock-vfio-pci's conformance monitor through debugfs (vfiomig/monitor.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vfiomig/mock.h"


int vfm_mon_rule_index(const char *rule)
{
	int i;

	for (i = 0; i < MIG_RULE_NR_MONITOR; i++)
		if (!strcmp(rule, mig_rule_id(i)))
			return i;
	return -1;
}

int vfm_mon_read_counters(struct vfm_mon_counters *c)
{
	FILE *f = fopen(VFM_MON_DIR "/counters", "re");
	char name[16];
	uint64_t v;
	int seen = 0;

	memset(c, 0, sizeof(*c));
	if (!f)
		return -errno;
	while (fscanf(f, "%15s %" SCNu64, name, &v) == 2) {
		int i = vfm_mon_rule_index(name);

		if (i >= 0) {
			c->rule[i] = v;
			seen++;
		} else if (!strcmp(name, "total")) {
			c->total = v;
			seen++;
		}
	}
	fclose(f);
	return seen == MIG_RULE_NR_MONITOR + 1 ? 0 : -EPROTO;
}

int vfm_mon_read_device(const char *bdf, uint64_t *count)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), VFM_MON_DIR "/%s/violations", bdf);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ret = fscanf(f, "%" SCNu64, count) == 1 ? 0 : -EPROTO;
	fclose(f);
	return ret;
}

int vfm_mon_walk(int64_t after_seq, int64_t *last_seq,
		 void (*fn)(const char *bdf, int rule, void *arg), void *arg)
{
	FILE *f = fopen(VFM_MON_DIR "/violations", "re");
	char line[256], bdf[32], rule[16];
	long long seq, t;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lld %lld %31s violation rule=%15s", &seq, &t, bdf, rule) != 4)
			continue;
		if (seq > *last_seq)
			*last_seq = seq;
		if (seq > after_seq && fn)
			fn(bdf, vfm_mon_rule_index(rule), arg);
	}
	fclose(f);
	return 0;
}


int vfm_mon_clear(void)
{
	return vfm_mock_debugfs_write(NULL, "clear", "1");
}
