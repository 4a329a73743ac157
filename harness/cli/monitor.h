/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The violations a migration caused, from mock-vfio-pci's monitor: a
 * snapshot before and one after, the difference in the report.
 */
#ifndef VFIO_MIGRATE_MONITOR_H
#define VFIO_MIGRATE_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "vfiomig.h"

struct json_object;

#define MON_MAX_DEVICES	(2 * VFM_MAX_DEVICES)

struct mon_snap {
	int err;				/* 0: counters readable, else -errno */
	struct vfm_mon_counters c;
	int64_t seq;				/* last SEQ of the violations ring */
	unsigned int n;
	const char *bdf[MON_MAX_DEVICES];
	bool mock[MON_MAX_DEVICES];		/* bound to mock-vfio-pci, count read */
	uint64_t count[MON_MAX_DEVICES];
};

/* Snapshot the monitor for the @n devices @bdfs (kept by reference). */
void mon_snap(struct mon_snap *s, char *const *bdfs, unsigned int n);
/* Re-read a snapshot taken with mon_snap() for the same devices. */
void mon_snap_again(struct mon_snap *after, const struct mon_snap *before);
/*
 * Add what happened between the two snapshots to @report: "monitor" (the
 * machine-wide count per rule, per device the count and its rules), and
 * "violations_source"/"violations_destination" in each device pair of a
 * migration report, or "violations" in each device of a side report.
 * Devices that are not mocks get null ("n/a" in the table).
 */
void mon_report(struct json_object *report, const struct mon_snap *before,
		const struct mon_snap *after);

#endif /* VFIO_MIGRATE_MONITOR_H */
