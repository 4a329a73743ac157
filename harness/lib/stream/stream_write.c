// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Writing the migration stream (vfiomig/stream.h).  The first failure sticks, so
 * a caller can emit a whole section and check ws->err once.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfiomig/ring.h"
#include "vfiomig/stream.h"

/* DATA marker and size: what precedes a payload. */
#define DATA_HEADER	16

static void put_ring(struct vfm_wstream *ws, const void *buf, size_t len)
{
	const char *p = buf;

	while (!ws->err && len) {
		size_t n = len < vfm_ring_size(ws->ring) ? len : vfm_ring_size(ws->ring);
		void *dst = vfm_ring_reserve(ws->ring, n, &ws->err);

		if (!dst)
			return;
		memcpy(dst, p, n);
		vfm_ring_commit(ws->ring, n);
		p += n;
		len -= n;
		ws->bytes += n;
	}
}

static void put(struct vfm_wstream *ws, const void *buf, size_t len)
{
	const char *p = buf;

	if (ws->ring) {
		put_ring(ws, buf, len);
		return;
	}
	while (!ws->err && len) {
		ssize_t n = write(ws->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ws->err = -errno;
			return;
		}
		p += n;
		len -= n;
		ws->bytes += n;
	}
}

static void put8(struct vfm_wstream *ws, uint8_t v)
{
	put(ws, &v, 1);
}

static void put32(struct vfm_wstream *ws, uint32_t v)
{
	v = htobe32(v);
	put(ws, &v, 4);
}

static void put64(struct vfm_wstream *ws, uint64_t v)
{
	v = htobe64(v);
	put(ws, &v, 8);
}

void vfm_ws_init(struct vfm_wstream *ws, int fd)
{
	memset(ws, 0, sizeof(*ws));
	ws->fd = fd;
}

void vfm_ws_init_ring(struct vfm_wstream *ws, struct vfm_ring *ring)
{
	vfm_ws_init(ws, -1);
	ws->ring = ring;
}

int vfm_ws_drain(struct vfm_wstream *ws)
{
	if (ws->ring && !ws->err)
		ws->err = vfm_ring_drain(ws->ring);
	return ws->err;
}

void vfm_ws_release(struct vfm_wstream *ws)
{
	free(ws->buf);
	ws->buf = NULL;
}

void vfm_ws_file_header(struct vfm_wstream *ws)
{
	put32(ws, VFM_QEMU_FILE_MAGIC);
	put32(ws, VFM_QEMU_FILE_VERSION);
}

void vfm_ws_setup_section(struct vfm_wstream *ws, uint32_t id, const char *idstr,
			  uint32_t instance)
{
	size_t len = strlen(idstr);

	if (len > 255)
		len = 255;	/* QEMU's idstr length is one byte */
	put8(ws, VFM_SEC_START);
	put32(ws, id);
	put8(ws, len);
	put(ws, idstr, len);
	put32(ws, instance);
	put32(ws, 1);		/* version_id of the VFIO handler */
	put64(ws, VFM_MIG_DEV_SETUP_STATE);
	put64(ws, VFM_MIG_END_OF_STATE);
	put8(ws, VFM_SEC_FOOTER);
	put32(ws, id);
}

void vfm_ws_section_begin(struct vfm_wstream *ws, uint8_t type, uint32_t id)
{
	put8(ws, type);
	put32(ws, id);
}

void vfm_ws_data(struct vfm_wstream *ws, const void *buf, uint64_t len)
{
	put64(ws, VFM_MIG_DEV_DATA_STATE);
	put64(ws, len);
	put(ws, buf, len);
}

void *vfm_ws_data_buf(struct vfm_wstream *ws, size_t max)
{
	unsigned char *p;

	if (ws->err)
		return NULL;
	ws->buf_max = max;
	if (ws->ring) {
		/* Room for the record's header too, filled in at commit. */
		ws->resv = vfm_ring_reserve(ws->ring, DATA_HEADER + max, &ws->err);
		return ws->resv ? (unsigned char *)ws->resv + DATA_HEADER : NULL;
	}
	if (ws->buf_size < max) {
		p = realloc(ws->buf, max);
		if (!p) {
			ws->err = -ENOMEM;
			return NULL;
		}
		ws->buf = p;
		ws->buf_size = max;
	}
	return ws->buf;
}

void vfm_ws_data_commit(struct vfm_wstream *ws, size_t len)
{
	uint64_t hdr[2] = { htobe64(VFM_MIG_DEV_DATA_STATE), htobe64(len) };

	if (ws->err || !len || len > ws->buf_max)
		return;
	if (!ws->ring) {
		vfm_ws_data(ws, ws->buf, len);
		return;
	}
	memcpy(ws->resv, hdr, sizeof(hdr));
	vfm_ring_commit(ws->ring, DATA_HEADER + len);
	ws->bytes += DATA_HEADER + len;
}

void vfm_ws_section_end(struct vfm_wstream *ws, uint32_t id, uint64_t marker)
{
	put64(ws, marker);
	put8(ws, VFM_SEC_FOOTER);
	put32(ws, id);
}

void vfm_ws_eof(struct vfm_wstream *ws)
{
	put8(ws, VFM_SEC_EOF);
}
