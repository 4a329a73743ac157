/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading and crafting mock-vfio-pci migration streams (the device's own
 * format, uapi/mock_vfio_pci.h), for tests and tools.
 */
#ifndef VFIOMIG_MOCKSTREAM_H
#define VFIOMIG_MOCKSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "mock_vfio_pci.h"

/* One record as found in a buffer. */
struct ms_rec {
	size_t off;		/* of its header in the buffer */
	uint16_t type;
	uint16_t flags;
	uint64_t arg;
	uint64_t len;		/* payload bytes, which follow the header */
};

/*
 * Split @buf into records.  Fills up to @max entries of @recs and returns how
 * many records there are, or -EINVAL if the last one is cut short (its offset
 * is then in *bad_off when @bad_off is not NULL).  Checksums are not checked.
 */
long ms_split(const uint8_t *buf, size_t len, struct ms_rec *recs, size_t max,
	      size_t *bad_off);


/* Recompute the checksums of the record at @off after editing it. */
void ms_reseal(uint8_t *buf, size_t off);

/* Write a complete record at @dst; returns its size. */
size_t ms_build(uint8_t *dst, uint16_t type, uint16_t flags, uint64_t arg,
		const void *payload, uint64_t len);

#endif /* VFIOMIG_MOCKSTREAM_H */
