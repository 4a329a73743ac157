// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mock-vfio-pci stream records in userspace: the same checksums the driver
 * computes (xxh64, from Debian's libxxhash).
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <xxhash.h>

#include "vfiomig/mockstream.h"

#define HDR_SIZE sizeof(struct mock_rec_hdr)

static uint32_t hdr_csum(const struct mock_rec_hdr *h)
{
	struct mock_rec_hdr tmp = *h;

	tmp.hdr_csum = 0;
	return (uint32_t)XXH64(&tmp, sizeof(tmp), 0);
}

long ms_split(const uint8_t *buf, size_t len, struct ms_rec *recs, size_t max,
	      size_t *bad_off)
{
	size_t off = 0;
	long n = 0;

	while (off < len) {
		struct mock_rec_hdr h;

		if (len - off < HDR_SIZE)
			goto cut;
		memcpy(&h, buf + off, HDR_SIZE);
		if (le64toh(h.len) > len - off - HDR_SIZE)
			goto cut;
		if ((size_t)n < max) {
			recs[n].off = off;
			recs[n].type = le16toh(h.type);
			recs[n].flags = le16toh(h.flags);
			recs[n].arg = le64toh(h.arg);
			recs[n].len = le64toh(h.len);
		}
		n++;
		off += HDR_SIZE + le64toh(h.len);
	}
	return n;
cut:
	if (bad_off)
		*bad_off = off;
	return -EINVAL;
}

void ms_reseal(uint8_t *buf, size_t off)
{
	struct mock_rec_hdr h;

	memcpy(&h, buf + off, HDR_SIZE);
	h.csum = htole64(XXH64(buf + off + HDR_SIZE, le64toh(h.len), 0));
	h.hdr_csum = htole32(hdr_csum(&h));
	memcpy(buf + off, &h, HDR_SIZE);
}

size_t ms_build(uint8_t *dst, uint16_t type, uint16_t flags, uint64_t arg,
		const void *payload, uint64_t len)
{
	struct mock_rec_hdr h = {
		.type = htole16(type),
		.flags = htole16(flags),
		.arg = htole64(arg),
		.len = htole64(len),
	};

	memcpy(dst, &h, HDR_SIZE);
	if (len)
		memcpy(dst + HDR_SIZE, payload, len);
	ms_reseal(dst, 0);
	return HDR_SIZE + len;
}
