/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvfiomig, guest RAM: an anonymous buffer that stands in for a VM's
 * memory, mapped for DMA at one IOVA on every device of a migration, and
 * migrated next to the devices the way a VMM migrates RAM: all of it in the
 * first pre-copy round, then the pages the devices reported dirty through
 * VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT in each round and once more after
 * the devices stopped, then a digest the destination checks page by page.
 * Where logging is not offered, or a REPORT fails, every page counts as
 * dirty (the uAPI's rule, QEMU's fallback).  Device-agnostic.
 *
 * In the stream (vfiomig/stream.h) RAM is one more section, idstr "ram", with the
 * same framing as a device's; its DATA payloads are RAM records:
 *
 *   be32 type  be32 flags (0)  be64 arg  be64 len  payload[len]
 *
 *   HEADER  arg = RAM size in bytes, len 0; first, once
 *   PAGE    arg = offset of a 4096-byte page, len 4096: its bytes
 *   ZERO    arg = offset of a page, len 0: the page is all zero
 *   VERIFY  arg = xxh64 of the payload, len 8 * pages: be64 xxh64 of
 *           every page, in order; last, in the section's END part
 *
 * Documentation/stream-format.rst ("Guest RAM") has the rules and errnos.
 */
#ifndef VFIOMIG_RAM_H
#define VFIOMIG_RAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfiomig/device.h"

struct vfm_wstream;

#define VFM_RAM_PAGE		4096ULL
#define VFM_RAM_IDSTR		"ram"
/* The RAM section's instance id: no device's (those count from 0). */
#define VFM_RAM_INSTANCE	0xffffffffU
/* Default IOVA of the RAM window: 4 GiB, clear of anything else we map. */
#define VFM_RAM_IOVA		(4ULL << 30)
/* Largest RAM: its VERIFY record (8 bytes a page) must fit one DATA. */
#define VFM_RAM_MAX_SIZE	(1ULL << 30)
/* Largest DATA payload of the RAM section a reader accepts. */
#define VFM_RAM_MAX_DATA	(4ULL << 20)
#define VFM_RAM_REC_HDR		24
/* Pre-copy rounds whose page counts the report keeps (later ones are summed). */
#define VFM_RAM_MAX_ROUNDS	64
#define VFM_RAM_MAX_DEVICES	16

enum vfm_ram_rec_type {
	VFM_RAM_REC_HEADER = 1,
	VFM_RAM_REC_PAGE = 2,
	VFM_RAM_REC_ZERO = 3,
	VFM_RAM_REC_VERIFY = 4,
};

struct vfm_ram {
	uint8_t *mem;
	uint64_t size, iova, npages;
	/* devices the RAM is mapped for, and their DMA logging */
	unsigned int ndev;
	const struct vfm_device *dev[VFM_RAM_MAX_DEVICES];
	bool logging[VFM_RAM_MAX_DEVICES];	/* START succeeded */
	uint64_t log_page_size[VFM_RAM_MAX_DEVICES];	/* what START chose */
	uint64_t *dirty;		/* npages bits: to send */
	uint64_t *report;		/* npages bits: scratch for REPORT */
	/* source */
	bool header_sent;		/* the HEADER record went out */
	bool tracked;			/* every device logs: dirty pages are known */
	char untracked_why[160];	/* why not (all pages dirty every round) */
	unsigned int report_failures;	/* REPORTs that failed (that round: all dirty) */
	bool fallback;			/* some round sent everything for want of logging */
	unsigned int rounds;		/* pre-copy rounds that sent pages */
	uint64_t round_pages[VFM_RAM_MAX_ROUNDS];
	uint64_t final_pages;		/* sent after the devices stopped */
	int64_t final_ns;		/* that final REPORT + re-send */
	uint64_t pages_sent, zero_sent, bytes_sent;
	/* both: the VERIFY digest (source: sent; destination: received) */
	bool has_digest;
	uint64_t digest;
	/* destination */
	bool seen;			/* the stream has a RAM section */
	bool got_header, got_verify;
	uint64_t pages_recv, zero_recv;
	bool verified, equal;		/* VERIFY compared with our own pages */
	uint64_t local_digest;
	int64_t first_diff;		/* first page that differs, -1 if none */
	char msg[192];			/* what was wrong in the last rejected record */
};

/* A zeroed RAM of @size bytes (a multiple of 4096, at most VFM_RAM_MAX_SIZE) at @iova; NULL, errno set. */
struct vfm_ram *vfm_ram_new(uint64_t size, uint64_t iova);
/* munmap it; the devices it was mapped for should be closed first. */
void vfm_ram_free(struct vfm_ram *ram);
/* Map the RAM for @dev's DMA at ram->iova (read/write). */
int vfm_ram_map(struct vfm_ram *ram, const struct vfm_device *dev);
/* Parse "64M", "1G", "4096", "512K" (bytes); 0 or -EINVAL. */
int vfm_ram_parse_size(const char *s, uint64_t *size);

/*
 * Source: DMA_LOGGING_START over the RAM on every mapped device and mark
 * every page dirty.  A device without logging (ENOTTY) or whose START fails
 * makes the RAM untracked: every page is dirty in every round.  Never fails.
 */
void vfm_ram_log_start(struct vfm_ram *ram);
/* DMA_LOGGING_STOP on the devices that started it. */
void vfm_ram_log_stop(struct vfm_ram *ram);
/*
 * Add what the devices report dirty since the last call (REPORT at 4096
 * bytes) to ram->dirty; if untracked or a REPORT fails, mark everything.
 */
void vfm_ram_sync(struct vfm_ram *ram);
/* Pages now marked dirty (to be sent). */
uint64_t vfm_ram_dirty_pages(const struct vfm_ram *ram);
/*
 * Send the dirty pages (and clear them) as DATA items of the section the
 * caller opened; the first call sends the HEADER record first, @verify
 * adds the VERIFY record last.  Returns the pages sent (>= 0) or -errno.
 */
long vfm_ram_send(struct vfm_ram *ram, struct vfm_wstream *ws, bool verify);

/*
 * Destination: take the whole payload of one DATA item of the RAM section
 * (@end: it is in the section's END part).  Pages are written into the
 * RAM as received; VERIFY compares every page's hash with the source's
 * and sets ->verified, ->equal, ->first_diff.  0, or -errno with ->msg:
 *   -EPROTO   a record cut short, HEADER not first or twice, VERIFY
 *             outside the END part, anything after VERIFY
 *   -EBADMSG  unknown record type, flags not 0, VERIFY's digest does not
 *             match its payload
 *   -EINVAL   HEADER's size is not this RAM's
 *   -ERANGE   a length wrong for the type, a page offset not aligned or
 *             past the end
 *   -EFBIG    the payload is over VFM_RAM_MAX_DATA
 */
int vfm_ram_receive(struct vfm_ram *ram, bool end, const void *buf, size_t len);

/* Write one RAM record at @dst (VFM_RAM_REC_HDR + @len bytes); returns its size. */
size_t vfm_ram_rec(uint8_t *dst, uint32_t type, uint64_t arg, const void *payload, uint64_t len);
/* xxh64 of each page into @hashes (npages entries); returns the digest of them. */
uint64_t vfm_ram_hashes(const struct vfm_ram *ram, uint64_t *hashes);

#endif /* VFIOMIG_RAM_H */
