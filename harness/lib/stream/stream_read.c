// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reading the migration stream (vfiomig/stream.h): a pull parser that checks the
 * grammar as it goes, so a destination never writes data to a device that
 * came from a stream it would later find malformed in a way it could have
 * seen earlier, and every rejection says which byte was wrong.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vfiomig/ring.h"
#include "vfiomig/stream.h"

enum { W_FILE, W_TOP, W_IN, W_DONE };

static int fail(struct vfm_rstream *rs, int err, uint64_t off, const char *fmt, ...)
{
	char what[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(rs->msg, sizeof(rs->msg), "stream offset %" PRIu64 ": %s", off, what);
	rs->err = err;
	return err;
}

/* What the ring has, at least one byte, or the error that ends the stream. */
static long ring_peek(struct vfm_rstream *rs, const void **p)
{
	long n = vfm_ring_peek(rs->ring, p);

	if (n == 0)
		return fail(rs, -ENODATA, rs->off, "stream ends early (truncated)");
	if (n < 0)
		return fail(rs, n, rs->off, "the writer went away without ending the stream");
	return n;
}

static int get_ring(struct vfm_rstream *rs, unsigned char *out, size_t len)
{
	while (len) {
		const void *src;
		long n = ring_peek(rs, &src);

		if (n < 0)
			return n;
		if ((size_t)n > len)
			n = len;
		if (out) {
			memcpy(out, src, n);
			out += n;
		}
		vfm_ring_consume(rs->ring, n);
		rs->off += n;
		len -= n;
	}
	return 0;
}

/* Exactly @len bytes or -ENODATA at end of stream. */
static int get(struct vfm_rstream *rs, void *out, size_t len)
{
	unsigned char *p = out;

	if (rs->ring)
		return get_ring(rs, out, len);
	while (len) {
		size_t n;

		if (rs->buf_pos == rs->buf_len) {
			ssize_t r = read(rs->fd, rs->buf, sizeof(rs->buf));

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return fail(rs, -errno, rs->off, "read: %s", strerror(errno));
			if (r == 0)
				return fail(rs, -ENODATA, rs->off, "stream ends early (truncated)");
			rs->buf_pos = 0;
			rs->buf_len = r;
		}
		n = rs->buf_len - rs->buf_pos;
		if (n > len)
			n = len;
		if (p) {
			memcpy(p, rs->buf + rs->buf_pos, n);
			p += n;
		}
		rs->buf_pos += n;
		rs->off += n;
		len -= n;
	}
	return 0;
}

static int get8(struct vfm_rstream *rs, uint8_t *v)
{
	return get(rs, v, 1);
}

static int get32(struct vfm_rstream *rs, uint32_t *v)
{
	int ret = get(rs, v, 4);

	*v = be32toh(*v);
	return ret;
}

static int get64(struct vfm_rstream *rs, uint64_t *v)
{
	int ret = get(rs, v, 8);

	*v = be64toh(*v);
	return ret;
}

void vfm_rs_init(struct vfm_rstream *rs, int fd)
{
	memset(rs, 0, sizeof(*rs));
	rs->fd = fd;
	rs->where = W_FILE;
}

void vfm_rs_init_ring(struct vfm_rstream *rs, struct vfm_ring *ring)
{
	vfm_rs_init(rs, -1);
	rs->ring = ring;
}

static int find_section(struct vfm_rstream *rs, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < rs->nsec; i++)
		if (rs->sec[i].id == id)
			return i;
	return -1;
}

static void fill(struct vfm_rstream *rs, struct vfm_item *it, enum vfm_item_kind kind)
{
	int i = find_section(rs, rs->sec_id);

	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->section_type = rs->sec_type;
	it->section_id = rs->sec_id;
	if (i >= 0) {
		it->instance = rs->sec[i].instance;
		memcpy(it->idstr, rs->sec[i].idstr, sizeof(it->idstr));
	}
}

static int footer(struct vfm_rstream *rs)
{
	uint64_t at = rs->off;
	uint32_t id;
	uint8_t t;
	int ret;

	ret = get8(rs, &t);
	if (ret)
		return ret;
	if (t != VFM_SEC_FOOTER)
		return fail(rs, -EPROTO, at, "section %u: footer expected, found 0x%02x",
			    rs->sec_id, t);
	ret = get32(rs, &id);
	if (ret)
		return ret;
	if (id != rs->sec_id)
		return fail(rs, -EPROTO, at, "footer of section %u closes section %u",
			    id, rs->sec_id);
	return 0;
}

static int read_start(struct vfm_rstream *rs, struct vfm_item *it, uint64_t at)
{
	uint32_t instance, version;
	uint64_t m1, m2, moff;
	unsigned int i;
	uint8_t len;
	char idstr[256];
	int ret;

	ret = get8(rs, &len);
	if (!ret)
		ret = get(rs, idstr, len);
	if (!ret)
		ret = get32(rs, &instance);
	if (!ret)
		ret = get32(rs, &version);
	if (ret)
		return ret;
	idstr[len] = '\0';
	if (!len || strlen(idstr) != len)
		return fail(rs, -ERANGE, at, "section %u: empty or malformed idstr", rs->sec_id);
	if (find_section(rs, rs->sec_id) >= 0)
		return fail(rs, -EPROTO, at, "section %u started twice", rs->sec_id);
	for (i = 0; i < rs->nsec; i++)
		if (rs->sec[i].instance == instance)
			return fail(rs, -EPROTO, at, "section %u: instance %u already in section %u",
				    rs->sec_id, instance, rs->sec[i].id);
	if (rs->nsec == VFM_STREAM_MAX_SECTIONS)
		return fail(rs, -ERANGE, at, "more than %d devices", VFM_STREAM_MAX_SECTIONS);
	if (version != 1)
		return fail(rs, -EPROTONOSUPPORT, at, "section %u (%s): version %u, expected 1",
			    rs->sec_id, idstr, version);
	moff = rs->off;
	ret = get64(rs, &m1);
	if (!ret)
		ret = get64(rs, &m2);
	if (ret)
		return ret;
	if (m1 != VFM_MIG_DEV_SETUP_STATE || m2 != VFM_MIG_END_OF_STATE)
		return fail(rs, -EPROTO, moff,
			    "section %u (%s): START must hold SETUP, END_OF_STATE", rs->sec_id, idstr);
	ret = footer(rs);
	if (ret)
		return ret;
	rs->sec[rs->nsec].id = rs->sec_id;
	rs->sec[rs->nsec].instance = instance;
	memcpy(rs->sec[rs->nsec].idstr, idstr, sizeof(idstr));
	rs->nsec++;
	fill(rs, it, VFM_ITEM_SETUP);
	return 0;
}

static int read_section_header(struct vfm_rstream *rs, struct vfm_item *it)
{
	uint64_t at = rs->off;
	uint8_t t;
	int ret;

	ret = get8(rs, &t);
	if (ret)
		return ret;
	if (t == VFM_SEC_EOF) {
		rs->where = W_DONE;
		memset(it, 0, sizeof(*it));
		it->kind = VFM_ITEM_EOF;
		return 0;
	}
	if (t == VFM_SEC_FULL || (t >= 0x05 && t <= 0x08))
		return fail(rs, -EPROTONOSUPPORT, at, "section type 0x%02x not supported", t);
	if (t != VFM_SEC_START && t != VFM_SEC_PART && t != VFM_SEC_END)
		return fail(rs, -EBADMSG, at, "unknown section type 0x%02x", t);
	rs->sec_type = t;
	ret = get32(rs, &rs->sec_id);
	if (ret)
		return ret;
	if (t == VFM_SEC_START)
		return read_start(rs, it, at);
	if (find_section(rs, rs->sec_id) < 0)
		return fail(rs, -EPROTO, at, "section %u was never started", rs->sec_id);
	rs->where = W_IN;
	return 1;	/* go on reading the section's markers */
}

static int read_marker(struct vfm_rstream *rs, struct vfm_item *it)
{
	uint64_t at = rs->off, m;
	int ret;

	ret = get64(rs, &m);
	if (ret)
		return ret;
	switch (m) {
	case VFM_MIG_DEV_DATA_STATE:
		fill(rs, it, VFM_ITEM_DATA);
		ret = get64(rs, &it->size);
		if (ret)
			return ret;
		if (it->size > VFM_STREAM_MAX_DATA)
			return fail(rs, -EFBIG, at, "section %u: DATA of %" PRIu64 " bytes (limit %llu)",
				    rs->sec_id, it->size, VFM_STREAM_MAX_DATA);
		rs->data_left = it->size;
		return 0;
	case VFM_MIG_DEV_INIT_DATA_SENT:
		if (rs->sec_type != VFM_SEC_PART)
			return fail(rs, -EPROTO, at, "section %u: INIT_DATA_SENT outside a PART section",
				    rs->sec_id);
		/* fall through */
	case VFM_MIG_END_OF_STATE:
		ret = footer(rs);
		if (ret)
			return ret;
		fill(rs, it, m == VFM_MIG_END_OF_STATE ? VFM_ITEM_END_OF_STATE :
			     VFM_ITEM_INIT_DATA_SENT);
		rs->where = W_TOP;
		return 0;
	case VFM_MIG_DEV_SETUP_STATE:
		return fail(rs, -EPROTO, at, "section %u: SETUP outside a START section", rs->sec_id);
	case VFM_MIG_DEV_CONFIG_STATE:
		return fail(rs, -EPROTONOSUPPORT, at, "section %u: DEV_CONFIG_STATE not supported",
			    rs->sec_id);
	default:
		return fail(rs, -EBADMSG, at, "section %u: unknown marker 0x%016" PRIx64,
			    rs->sec_id, m);
	}
}

int vfm_rs_next(struct vfm_rstream *rs, struct vfm_item *it)
{
	uint32_t magic, version;
	int ret;

	if (rs->err)
		return rs->err;
	/* Skip what the caller left of the last DATA item. */
	if (rs->data_left) {
		ret = get(rs, NULL, rs->data_left);
		if (ret)
			return ret;
		rs->data_left = 0;
	}
	switch (rs->where) {
	case W_FILE:
		ret = get32(rs, &magic);
		if (ret)
			return ret;
		if (magic != VFM_QEMU_FILE_MAGIC)
			return fail(rs, -EBADMSG, 0, "not a QEMU migration stream (magic 0x%08x)",
				    magic);
		ret = get32(rs, &version);
		if (ret)
			return ret;
		if (version != VFM_QEMU_FILE_VERSION)
			return fail(rs, -EPROTONOSUPPORT, 4, "stream version %u, expected %u",
				    version, VFM_QEMU_FILE_VERSION);
		rs->where = W_TOP;
		/* fall through */
	case W_TOP:
		ret = read_section_header(rs, it);
		if (ret <= 0)
			return ret;
		/* fall through */
	case W_IN:
		return read_marker(rs, it);
	default:
		return fail(rs, -EPROTO, rs->off, "read past QEMU_VM_EOF");
	}
}

long vfm_rs_data(struct vfm_rstream *rs, void *buf, size_t len)
{
	int ret;

	if (rs->err)
		return rs->err;
	if (len > rs->data_left)
		len = rs->data_left;
	ret = get(rs, buf, len);
	if (ret)
		return ret;
	rs->data_left -= len;
	return len;
}

long vfm_rs_data_get(struct vfm_rstream *rs, void *scratch, size_t len, const void **p)
{
	long n;

	if (rs->err)
		return rs->err;
	if (len > rs->data_left)
		len = rs->data_left;
	if (!rs->ring) {
		*p = scratch;
		return vfm_rs_data(rs, scratch, len);
	}
	n = ring_peek(rs, p);
	if (n < 0)
		return n;
	return (size_t)n < len ? n : (long)len;
}

void vfm_rs_data_done(struct vfm_rstream *rs, size_t len)
{
	if (!rs->ring)
		return;		/* vfm_rs_data() consumed them */
	vfm_ring_consume(rs->ring, len);
	rs->off += len;
	rs->data_left -= len;
}
