// SPDX-License-Identifier: GPL-2.0-only
/*
 * Migration stream records (format in uapi/mock_vfio_pci.h and
 * Documentation/stream-format.rst), shared by the saving and resuming sides.
 */
#include <linux/xxhash.h>

#include "mock.h"

static u32 mock_rec_hdr_csum(const struct mock_rec_hdr *h)
{
	struct mock_rec_hdr tmp = *h;

	tmp.hdr_csum = 0;
	return (u32)xxh64(&tmp, sizeof(tmp), 0);
}

/**
 * mock_rec_fill() - fill in a record header, including its own checksum
 * @h: the header
 * @type: enum mock_rec_type
 * @flags: MOCK_REC_F_*
 * @arg: type-specific argument (page index for PAGE)
 * @len: payload length
 * @csum: xxh64 of the payload
 */
void mock_rec_fill(struct mock_rec_hdr *h, u16 type, u16 flags, u64 arg,
		   u64 len, u64 csum)
{
	h->type = cpu_to_le16(type);
	h->flags = cpu_to_le16(flags);
	h->arg = cpu_to_le64(arg);
	h->len = cpu_to_le64(len);
	h->csum = cpu_to_le64(csum);
	h->hdr_csum = cpu_to_le32(mock_rec_hdr_csum(h));
}

/* True if the header's own checksum matches. */
bool mock_rec_hdr_ok(const struct mock_rec_hdr *h)
{
	return le32_to_cpu(h->hdr_csum) == mock_rec_hdr_csum(h);
}

/* Bytes before the first PAGE record: HEADER, and SOURCE from minor 1 on. */
size_t mock_stream_head_size(u32 minor)
{
	size_t len = MOCK_REC_HDR_SIZE + sizeof(struct mock_stream_header);

	if (minor >= 1)
		len += MOCK_REC_HDR_SIZE + sizeof(struct mock_stream_source);
	return len;
}

/* Bytes after the last PAGE record: REGS and END. */
size_t mock_stream_tail_size(void)
{
	return 2 * MOCK_REC_HDR_SIZE + sizeof(struct mock_stream_regs) +
	       sizeof(struct mock_stream_end);
}
