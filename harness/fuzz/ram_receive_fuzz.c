// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the destination's guest RAM records, vfm_ram_receive()
 * (ram_stream.c, vfiomig/ram.h), into a 4-page RAM from vfm_ram_new() that is
 * never mapped for DMA (no device needed).  The input is the RAM section's
 * DATA payloads, each framed as
 *
 *   u8 flags (bit 0: the payload is in the section's END part)
 *   be16 len  payload[len]          (a len past the input's end: what is left)
 *
 * and each payload, in a heap buffer of its exact size, goes to
 * vfm_ram_receive() in turn until one is refused, as mig_ram.c does.
 * Besides the sanitizers' findings: a refusal has a message, and what the
 * RAM says it verified is consistent.
 */
#include <endian.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vfiomig/ram.h"

#define PAGES	4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vfm_ram *ram = vfm_ram_new(PAGES * VFM_RAM_PAGE, VFM_RAM_IOVA);
	uint64_t pages = 0;
	size_t off = 0;

	if (!ram)
		abort();
	while (size - off >= 3) {
		bool end = data[off] & 1;
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		uint8_t *buf;
		int ret;

		off += 3;
		if (len > size - off)
			len = size - off;
		buf = malloc(len ? len : 1);
		if (!buf)
			abort();
		memcpy(buf, data + off, len);
		off += len;
		ram->msg[0] = '\0';
		ret = vfm_ram_receive(ram, end, buf, len);
		free(buf);
		if (ret) {
			if (ret > 0 || !ram->msg[0])
				abort();	/* refused without saying why */
			break;
		}
		/* Every PAGE or ZERO record accepted is one page written. */
		if (ram->pages_recv + ram->zero_recv < pages)
			abort();
		pages = ram->pages_recv + ram->zero_recv;
	}
	if (ram->verified && (!ram->got_verify || !ram->got_header || !ram->has_digest))
		abort();
	if (ram->equal && (!ram->verified || ram->first_diff >= 0 ||
			   ram->local_digest != ram->digest))
		abort();
	if (ram->first_diff >= (int64_t)ram->npages)
		abort();
	vfm_ram_free(ram);
	return 0;
}
