/* SPDX-License-Identifier: GPL-2.0-only */
/* Presenting a migration report (vfm_mig_report()'s JSON) to people. */
#ifndef VFIO_MIGRATE_REPORT_H
#define VFIO_MIGRATE_REPORT_H

#include <stdio.h>

struct json_object;

/* The summary table of a migration or a save. */
void print_summary(FILE *f, struct json_object *report);
/* The summary of a load from a file (a destination side report). */
void print_load_summary(FILE *f, struct json_object *side);
/* The timeline picture; 0 or -1 (message printed). */
int write_timeline(const char *path, struct json_object *report);

#endif /* VFIO_MIGRATE_REPORT_H */
