/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VFIOMIG_LOG_H
#define VFIOMIG_LOG_H

#include <stdio.h>

/* One line to stderr, naming what it is about (a device, a file, a module). */
#define vfm_err(what, fmt, ...) \
	fprintf(stderr, "vfiomig: %s: " fmt "\n", (what), ##__VA_ARGS__)

#endif /* VFIOMIG_LOG_H */
