// SPDX-License-Identifier: GPL-2.0-only
/*
 * stream-flip: corrupt a saved migration stream for a test, through the
 * stream reader (vfiomig/stream.h) and the RAM record format (vfiomig/ram.h), not by
 * byte patterns: flip one byte of the page carried by the stream's last RAM
 * PAGE record, and print that page's number (the destination must name it).
 *   stream-flip FILE BYTE      BYTE: 0 to 4095, within the page
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfiomig.h"

static struct vfm_rstream rs;	/* 64 KiB of buffer: not on the stack */

static uint64_t be64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

static uint32_t be32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

/* The whole payload of the current DATA item into @buf (@size bytes). */
static int read_data(uint8_t *buf, uint64_t size)
{
	uint64_t got = 0;

	while (got < size) {
		long n = vfm_rs_data(&rs, buf + got, size - got);

		if (n <= 0)
			return n ? (int)n : -ENODATA;
		got += n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t at = 0, page = 0;
	struct vfm_item it;
	unsigned long byte;
	bool found = false;
	char *end;
	uint8_t b;
	int fd;

	if (argc != 3 || (byte = strtoul(argv[2], &end, 0), *end) || byte >= VFM_RAM_PAGE) {
		fprintf(stderr, "usage: stream-flip FILE BYTE (0 to 4095)\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "stream-flip: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	vfm_rs_init(&rs, fd);
	for (;;) {
		uint64_t start, pos, len;
		uint8_t *buf;

		if (vfm_rs_next(&rs, &it)) {
			fprintf(stderr, "stream-flip: %s: %s\n", argv[1], rs.msg);
			return 1;
		}
		if (it.kind == VFM_ITEM_EOF)
			break;
		if (it.kind != VFM_ITEM_DATA)
			continue;
		start = rs.off;		/* where the payload begins in the file */
		buf = malloc(it.size ? it.size : 1);
		if (!buf || read_data(buf, it.size)) {
			fprintf(stderr, "stream-flip: %s: DATA at %" PRIu64 ": %s\n", argv[1], start,
				rs.err ? rs.msg : "out of memory");
			return 1;
		}
		/* Records: be32 type, be32 flags, be64 arg, be64 len, payload. */
		for (pos = 0; !strcmp(it.idstr, VFM_RAM_IDSTR) && pos + VFM_RAM_REC_HDR <= it.size;
		     pos += VFM_RAM_REC_HDR + len) {
			len = be64_at(buf + pos + 16);
			if (len > it.size - pos - VFM_RAM_REC_HDR)
				break;	/* cut short: the reader would refuse it */
			if (be32_at(buf + pos) == VFM_RAM_REC_PAGE && len == VFM_RAM_PAGE) {
				found = true;
				at = start + pos + VFM_RAM_REC_HDR + byte;
				page = be64_at(buf + pos + 8) / VFM_RAM_PAGE;
			}
		}
		free(buf);
	}
	if (!found) {
		fprintf(stderr, "stream-flip: %s: no RAM PAGE record\n", argv[1]);
		return 1;
	}
	if (pread(fd, &b, 1, at) != 1 || (b ^= 0xff, pwrite(fd, &b, 1, at) != 1) || close(fd)) {
		fprintf(stderr, "stream-flip: %s: flipping byte %" PRIu64 ": %s\n", argv[1], at,
			strerror(errno));
		return 1;
	}
	printf("%" PRIu64 "\n", page);
	return 0;
}
