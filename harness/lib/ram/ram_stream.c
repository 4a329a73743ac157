// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Guest RAM in the migration stream (vfiomig/ram.h): the records of the RAM
 * section, written from the dirty bitmap and read, strictly, into the
 * destination's RAM, with the final page-by-page check.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "vfiomig/ram.h"
#include "vfiomig/stream.h"

/* One DATA item holds up to this many bytes of records (QEMU's buffer size). */
#define SEND_CHUNK	(1 << 20)

size_t vfm_ram_rec(uint8_t *dst, uint32_t type, uint64_t arg, const void *payload, uint64_t len)
{
	uint32_t t = htobe32(type), f = 0;
	uint64_t a = htobe64(arg), l = htobe64(len);

	memcpy(dst, &t, 4);
	memcpy(dst + 4, &f, 4);
	memcpy(dst + 8, &a, 8);
	memcpy(dst + 16, &l, 8);
	if (len)
		memcpy(dst + VFM_RAM_REC_HDR, payload, len);
	return VFM_RAM_REC_HDR + len;
}

uint64_t vfm_ram_hashes(const struct vfm_ram *ram, uint64_t *hashes)
{
	uint64_t i;

	for (i = 0; i < ram->npages; i++)
		hashes[i] = htobe64(XXH64(ram->mem + i * VFM_RAM_PAGE, VFM_RAM_PAGE, 0));
	return XXH64(hashes, ram->npages * 8, 0);
}

static bool page_zero(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)p;
	size_t i;

	for (i = 0; i < VFM_RAM_PAGE / 8; i++)
		if (w[i])
			return false;
	return true;
}

long vfm_ram_send(struct vfm_ram *ram, struct vfm_wstream *ws, bool verify)
{
	size_t cap = SEND_CHUNK + VFM_RAM_REC_HDR + VFM_RAM_PAGE, used = 0;
	uint8_t *buf = malloc(cap);
	uint64_t pg, sent = 0;

	if (!buf)
		return -ENOMEM;
	if (!ram->header_sent) {
		used += vfm_ram_rec(buf, VFM_RAM_REC_HEADER, ram->size, NULL, 0);
		ram->header_sent = true;
	}
	for (pg = 0; pg < ram->npages && !ws->err; pg++) {
		const uint8_t *p = ram->mem + pg * VFM_RAM_PAGE;
		uint64_t bit = 1ULL << (pg % 64);

		if (!(ram->dirty[pg / 64] & bit))
			continue;
		/* Cleared before the copy: a write after it is reported again. */
		ram->dirty[pg / 64] &= ~bit;
		if (page_zero(p)) {
			used += vfm_ram_rec(buf + used, VFM_RAM_REC_ZERO, pg * VFM_RAM_PAGE, NULL, 0);
			ram->zero_sent++;
		} else {
			used += vfm_ram_rec(buf + used, VFM_RAM_REC_PAGE, pg * VFM_RAM_PAGE, p,
					    VFM_RAM_PAGE);
		}
		sent++;
		if (used >= SEND_CHUNK) {
			vfm_ws_data(ws, buf, used);
			ram->bytes_sent += used;
			used = 0;
		}
	}
	if (used) {
		vfm_ws_data(ws, buf, used);
		ram->bytes_sent += used;
	}
	free(buf);
	ram->pages_sent += sent;
	if (verify && !ws->err) {
		uint64_t *hashes = malloc(ram->npages * 8);
		uint8_t *rec = malloc(VFM_RAM_REC_HDR + ram->npages * 8);

		if (!hashes || !rec) {
			free(hashes);
			free(rec);
			return -ENOMEM;
		}
		ram->digest = vfm_ram_hashes(ram, hashes);
		ram->has_digest = true;
		used = vfm_ram_rec(rec, VFM_RAM_REC_VERIFY, ram->digest, hashes, ram->npages * 8);
		vfm_ws_data(ws, rec, used);
		ram->bytes_sent += used;
		free(hashes);
		free(rec);
	}
	return ws->err ? ws->err : (long)sent;
}

static int reject(struct vfm_ram *ram, int err, size_t off, const char *fmt, ...)
{
	char what[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(ram->msg, sizeof(ram->msg), "RAM record at byte %zu of a DATA item: %s", off, what);
	return err;
}

/* VERIFY: the source's page hashes against ours. */
static int verify(struct vfm_ram *ram, const uint8_t *payload, uint64_t digest, size_t off)
{
	uint64_t *mine = malloc(ram->npages * 8), i;

	if (!mine)
		return reject(ram, -ENOMEM, off, "no memory for the page hashes");
	if (XXH64(payload, ram->npages * 8, 0) != digest) {
		free(mine);
		return reject(ram, -EBADMSG, off, "VERIFY digest does not match its page hashes");
	}
	ram->digest = digest;
	ram->has_digest = true;
	ram->local_digest = vfm_ram_hashes(ram, mine);
	ram->first_diff = -1;
	for (i = 0; i < ram->npages; i++) {
		if (memcmp(&mine[i], payload + i * 8, 8)) {
			ram->first_diff = i;
			break;
		}
	}
	ram->equal = ram->first_diff < 0 && ram->local_digest == digest;
	ram->verified = true;
	ram->got_verify = true;
	free(mine);
	return 0;
}

int vfm_ram_receive(struct vfm_ram *ram, bool end, const void *data, size_t len)
{
	const uint8_t *buf = data;
	size_t off = 0;

	if (len > VFM_RAM_MAX_DATA)
		return reject(ram, -EFBIG, 0, "DATA of %zu bytes (limit %llu)", len, VFM_RAM_MAX_DATA);
	while (off < len) {
		uint32_t type, flags;
		uint64_t arg, rlen;
		const uint8_t *p;

		if (len - off < VFM_RAM_REC_HDR)
			return reject(ram, -EPROTO, off, "header cut short (%zu of %d bytes)",
				      len - off, VFM_RAM_REC_HDR);
		memcpy(&type, buf + off, 4);
		memcpy(&flags, buf + off + 4, 4);
		memcpy(&arg, buf + off + 8, 8);
		memcpy(&rlen, buf + off + 16, 8);
		type = be32toh(type);
		flags = be32toh(flags);
		arg = be64toh(arg);
		rlen = be64toh(rlen);
		if (ram->got_verify)
			return reject(ram, -EPROTO, off, "record after VERIFY");
		if (type < VFM_RAM_REC_HEADER || type > VFM_RAM_REC_VERIFY)
			return reject(ram, -EBADMSG, off, "unknown record type %u", type);
		if (flags)
			return reject(ram, -EBADMSG, off, "flags 0x%x, must be 0", flags);
		if (rlen > len - off - VFM_RAM_REC_HDR)
			return reject(ram, -EPROTO, off, "payload cut short (%zu of %" PRIu64 " bytes)",
				      len - off - VFM_RAM_REC_HDR, rlen);
		if (type == VFM_RAM_REC_HEADER) {
			if (ram->got_header)
				return reject(ram, -EPROTO, off, "second HEADER");
			if (rlen)
				return reject(ram, -ERANGE, off, "HEADER with %" PRIu64 " payload bytes",
					      rlen);
			if (arg != ram->size)
				return reject(ram, -EINVAL, off,
					      "the source's RAM is %" PRIu64 " bytes, ours %" PRIu64,
					      arg, ram->size);
			ram->got_header = true;
			off += VFM_RAM_REC_HDR;
			continue;
		}
		if (!ram->got_header)
			return reject(ram, -EPROTO, off, "record type %u before HEADER", type);
		p = buf + off + VFM_RAM_REC_HDR;
		if (type == VFM_RAM_REC_VERIFY) {
			int ret;

			if (!end)
				return reject(ram, -EPROTO, off, "VERIFY outside the section's END part");
			if (rlen != ram->npages * 8)
				return reject(ram, -ERANGE, off, "VERIFY of %" PRIu64 " bytes, expected %" PRIu64,
					      rlen, ram->npages * 8);
			ret = verify(ram, p, arg, off);
			if (ret)
				return ret;
		} else {
			if (rlen != (type == VFM_RAM_REC_PAGE ? VFM_RAM_PAGE : 0))
				return reject(ram, -ERANGE, off, "%s with %" PRIu64 " payload bytes",
					      type == VFM_RAM_REC_PAGE ? "PAGE" : "ZERO", rlen);
			if (arg % VFM_RAM_PAGE || arg >= ram->size)
				return reject(ram, -ERANGE, off,
					      "page offset 0x%" PRIx64 " not aligned or past the RAM's %" PRIu64 " bytes",
					      arg, ram->size);
			if (type == VFM_RAM_REC_PAGE) {
				memcpy(ram->mem + arg, p, VFM_RAM_PAGE);
				ram->pages_recv++;
			} else {
				memset(ram->mem + arg, 0, VFM_RAM_PAGE);
				ram->zero_recv++;
			}
		}
		off += VFM_RAM_REC_HDR + rlen;
	}
	return 0;
}
