/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VFIOMIG_LOG_H
#define VFIOMIG_LOG_H

#include <stdio.h>

/* One line to stderr, naming what it is about (a device, a file, a module). */
#define vfm_err(what, fmt, ...) \
	fprintf(stderr, "vfiomig: %s: " fmt "\n", (what), ##__VA_ARGS__)
/* The same for what is not an error but must not happen silently. */
#define vfm_note(what, fmt, ...) vfm_err(what, fmt, ##__VA_ARGS__)

/*
 * @bdf's VFIO device node (@what: its group's or cdev's path) is missing:
 * names the driver it has instead and the command that fixes it (bind.c).
 */
void vfm_err_unbound(const char *bdf, const char *what);

#endif /* VFIOMIG_LOG_H */
