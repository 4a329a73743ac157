/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mock-vfio-pci's conformance monitor, read from debugfs
 * (/sys/kernel/debug/mock-vfio-pci/, Documentation/monitor.rst): the rule
 * counters, each device's violation count and the violation ring, so a
 * migration can report the violations it caused.  Counters only grow until
 * someone writes "clear"; a snapshot before and one after a migration give
 * what happened in between.
 */
#ifndef VFIOMIG_MONITOR_H
#define VFIOMIG_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "mock_vfio_rules.h"

#define VFM_MON_DIR		"/sys/kernel/debug/mock-vfio-pci"
/* The rules the monitor counts, in the order of the "counters" file. */

/* Index of @rule ("P-1") among them, or -1. */
int vfm_mon_rule_index(const char *rule);

struct vfm_mon_counters {
	uint64_t rule[MIG_RULE_NR_MONITOR];
	uint64_t total;
};

/* The "counters" file.  0, or -errno (-ENOENT: no debugfs or no module). */
int vfm_mon_read_counters(struct vfm_mon_counters *c);
/* <BDF>/violations: violations recorded against @bdf.  0 or -errno. */
int vfm_mon_read_device(const char *bdf, uint64_t *count);
/*
 * Walk the "violations" ring: for each line with SEQ > @after_seq, call
 * @fn(bdf, rule index, arg).  *@last_seq gets the highest SEQ seen (or
 * stays as it was).  A "clear" restarts SEQ at 0, so only compare
 * snapshots between which nobody cleared.  0 or -errno.
 */
int vfm_mon_walk(int64_t after_seq, int64_t *last_seq,
		 void (*fn)(const char *bdf, int rule, void *arg), void *arg);

#endif /* VFIOMIG_MONITOR_H */
