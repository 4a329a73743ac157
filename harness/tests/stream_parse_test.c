// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-side tests of the migration stream framing (vfmstream.h): a stream
 * written by the writer reads back item for item, and every kind of
 * malformed input is rejected with its own errno, never accepted.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfmstream.h"

/* A file holding @len bytes of @buf, positioned at its start. */
static int memfd_of(const void *buf, size_t len)
{
	int fd = memfd_create("stream", 0);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET))
		abort();
	return fd;
}

/* A valid two-device stream: setup, one PART each, END sections, EOF. */
static size_t good_stream(unsigned char **out)
{
	static const char d0[] = "device zero data", d1[] = "one";
	struct vfm_wstream ws;
	int fd = memfd_create("good", 0);
	off_t len;

	vfm_ws_init(&ws, fd);
	vfm_ws_file_header(&ws);
	vfm_ws_setup_section(&ws, 0, "0000:01:00.0/vfio", 0);
	vfm_ws_setup_section(&ws, 1, "0000:02:00.0/vfio", 1);
	vfm_ws_section_begin(&ws, VFM_SEC_PART, 0);
	vfm_ws_data(&ws, d0, sizeof(d0));
	vfm_ws_section_end(&ws, 0, VFM_MIG_DEV_INIT_DATA_SENT);
	vfm_ws_section_begin(&ws, VFM_SEC_PART, 1);
	vfm_ws_section_end(&ws, 1, VFM_MIG_END_OF_STATE);
	vfm_ws_section_begin(&ws, VFM_SEC_END, 1);
	vfm_ws_data(&ws, d1, sizeof(d1));
	vfm_ws_data(&ws, d1, sizeof(d1));
	vfm_ws_section_end(&ws, 1, VFM_MIG_END_OF_STATE);
	vfm_ws_section_begin(&ws, VFM_SEC_END, 0);
	vfm_ws_section_end(&ws, 0, VFM_MIG_END_OF_STATE);
	vfm_ws_eof(&ws);
	if (ws.err)
		abort();
	len = lseek(fd, 0, SEEK_CUR);
	*out = malloc(len);
	if (pread(fd, *out, len, 0) != len)
		abort();
	close(fd);
	return len;
}

/* Parse @buf to the end; 0 when EOF was reached, else the error. */
static int parse_all(const void *buf, size_t len, char *msg, size_t msglen)
{
	struct vfm_rstream *rs = malloc(sizeof(*rs));
	struct vfm_item it;
	int fd = memfd_of(buf, len), ret;

	vfm_rs_init(rs, fd);
	do {
		ret = vfm_rs_next(rs, &it);
	} while (!ret && it.kind != VFM_ITEM_EOF);
	if (msg)
		snprintf(msg, msglen, "%s", rs->msg);
	close(fd);
	free(rs);
	return ret;
}

TEST(good_stream_reads_back)
{
	static const enum vfm_item_kind want[] = {
		VFM_ITEM_SETUP, VFM_ITEM_SETUP, VFM_ITEM_DATA, VFM_ITEM_INIT_DATA_SENT,
		VFM_ITEM_END_OF_STATE, VFM_ITEM_DATA, VFM_ITEM_DATA, VFM_ITEM_END_OF_STATE,
		VFM_ITEM_END_OF_STATE, VFM_ITEM_EOF,
	};
	struct vfm_rstream *rs = malloc(sizeof(*rs));
	unsigned char *buf;
	size_t len = good_stream(&buf), i;
	struct vfm_item it;
	char data[64];
	int fd = memfd_of(buf, len);

	/* The file header is QEMU's: "QEVM", version 3. */
	ASSERT_EQ(0, memcmp(buf, "QEVM\0\0\0\3", 8));
	vfm_rs_init(rs, fd);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ASSERT_EQ(0, vfm_rs_next(rs, &it)) TH_LOG("item %zu: %s", i, rs->msg);
		ASSERT_EQ(want[i], it.kind) TH_LOG("item %zu", i);
		if (i == 1) {
			EXPECT_STREQ("0000:02:00.0/vfio", it.idstr);
			EXPECT_EQ(1, it.instance);
		}
		if (i == 2) {
			EXPECT_EQ(VFM_SEC_PART, it.section_type);
			EXPECT_EQ(0, it.instance);
			ASSERT_EQ(17, it.size);
			ASSERT_EQ(17, vfm_rs_data(rs, data, sizeof(data)));
			EXPECT_STREQ("device zero data", data);
		}
		if (i == 5) {
			EXPECT_EQ(VFM_SEC_END, it.section_type);
			EXPECT_EQ(1, it.instance);
			/* Not consumed: the next call must skip it. */
		}
	}
	EXPECT_EQ(-EPROTO, vfm_rs_next(rs, &it));	/* nothing after EOF */
	EXPECT_EQ(len, rs->off);
	close(fd);
	free(rs);
	free(buf);
}

TEST(every_truncation_is_enodata)
{
	unsigned char *buf;
	size_t len = good_stream(&buf), cut;

	for (cut = 0; cut < len; cut++)
		ASSERT_EQ(-ENODATA, parse_all(buf, cut, NULL, 0)) TH_LOG("cut at %zu", cut);
	ASSERT_EQ(0, parse_all(buf, len, NULL, 0));
	free(buf);
}

TEST(bad_magic_and_version)
{
	unsigned char *buf;
	size_t len = good_stream(&buf);
	char msg[160];

	buf[0] ^= 1;
	EXPECT_EQ(-EBADMSG, parse_all(buf, len, msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "offset 0"));
	buf[0] ^= 1;
	buf[7] = 2;	/* QEMU_VM_FILE_VERSION_COMPAT */
	EXPECT_EQ(-EPROTONOSUPPORT, parse_all(buf, len, NULL, 0));
	free(buf);
}

/* A stream made of @body after the file header. */
static int parse_body(const void *body, size_t len)
{
	unsigned char *buf = malloc(8 + len);
	uint32_t hdr[2] = { htobe32(VFM_QEMU_FILE_MAGIC), htobe32(VFM_QEMU_FILE_VERSION) };
	int ret;

	memcpy(buf, hdr, 8);
	memcpy(buf + 8, body, len);
	ret = parse_all(buf, 8 + len, NULL, 0);
	free(buf);
	return ret;
}

struct body {
	unsigned char b[256];
	size_t len;
};

static void b8(struct body *b, uint8_t v)
{
	b->b[b->len++] = v;
}

static void b32(struct body *b, uint32_t v)
{
	v = htobe32(v);
	memcpy(b->b + b->len, &v, 4);
	b->len += 4;
}

static void b64(struct body *b, uint64_t v)
{
	v = htobe64(v);
	memcpy(b->b + b->len, &v, 8);
	b->len += 8;
}

static void bstart(struct body *b, uint32_t id, const char *idstr, uint32_t instance)
{
	b8(b, VFM_SEC_START);
	b32(b, id);
	b8(b, strlen(idstr));
	memcpy(b->b + b->len, idstr, strlen(idstr));
	b->len += strlen(idstr);
	b32(b, instance);
	b32(b, 1);
	b64(b, VFM_MIG_DEV_SETUP_STATE);
	b64(b, VFM_MIG_END_OF_STATE);
	b8(b, VFM_SEC_FOOTER);
	b32(b, id);
}

TEST(minimal_body_is_valid)
{
	struct body b = {};

	bstart(&b, 7, "x/vfio", 0);
	b8(&b, VFM_SEC_END);
	b32(&b, 7);
	b64(&b, VFM_MIG_END_OF_STATE);
	b8(&b, VFM_SEC_FOOTER);
	b32(&b, 7);
	b8(&b, VFM_SEC_EOF);
	EXPECT_EQ(0, parse_body(b.b, b.len));
}

TEST(section_errors)
{
	struct body b;

	/* PART of a section that was never started. */
	b = (struct body){};
	b8(&b, VFM_SEC_PART);
	b32(&b, 3);
	EXPECT_EQ(-EPROTO, parse_body(b.b, b.len));

	/* Unknown and unsupported section types. */
	b = (struct body){};
	b8(&b, 0x42);
	EXPECT_EQ(-EBADMSG, parse_body(b.b, b.len));
	b = (struct body){};
	b8(&b, VFM_SEC_FULL);
	EXPECT_EQ(-EPROTONOSUPPORT, parse_body(b.b, b.len));

	/* The same section id or instance started twice. */
	b = (struct body){};
	bstart(&b, 1, "a/vfio", 0);
	bstart(&b, 1, "b/vfio", 1);
	EXPECT_EQ(-EPROTO, parse_body(b.b, b.len));
	b = (struct body){};
	bstart(&b, 1, "a/vfio", 0);
	bstart(&b, 2, "b/vfio", 0);
	EXPECT_EQ(-EPROTO, parse_body(b.b, b.len));

	/* Empty idstr. */
	b = (struct body){};
	bstart(&b, 1, "", 0);
	EXPECT_EQ(-ERANGE, parse_body(b.b, b.len));

	/* Footer naming another section, footer missing. */
	b = (struct body){};
	bstart(&b, 1, "a/vfio", 0);
	b.b[b.len - 1] = 2;
	EXPECT_EQ(-EPROTO, parse_body(b.b, b.len));
	b = (struct body){};
	bstart(&b, 1, "a/vfio", 0);
	b.b[b.len - 5] = VFM_SEC_EOF;
	EXPECT_EQ(-EPROTO, parse_body(b.b, b.len));

	/* START holding DATA instead of SETUP. */
	b = (struct body){};
	bstart(&b, 1, "a/vfio", 0);
	memcpy(b.b + b.len - 21, &(uint64_t){ htobe64(VFM_MIG_DEV_DATA_STATE) }, 8);
	EXPECT_EQ(-EPROTO, parse_body(b.b, b.len));
}

TEST(marker_errors)
{
	static const struct {
		uint8_t sec;
		uint64_t marker;
		int err;
	} cases[] = {
		{ VFM_SEC_END, VFM_MIG_DEV_INIT_DATA_SENT, -EPROTO },	/* only ends a PART */
		{ VFM_SEC_PART, VFM_MIG_DEV_SETUP_STATE, -EPROTO },	/* only in START */
		{ VFM_SEC_PART, VFM_MIG_DEV_CONFIG_STATE, -EPROTONOSUPPORT },
		{ VFM_SEC_END, 0xffffffffef100099ULL, -EBADMSG },
		{ VFM_SEC_END, 0, -EBADMSG },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct body b = {};

		bstart(&b, 1, "a/vfio", 0);
		b8(&b, cases[i].sec);
		b32(&b, 1);
		b64(&b, cases[i].marker);
		b8(&b, VFM_SEC_FOOTER);
		b32(&b, 1);
		b8(&b, VFM_SEC_EOF);
		EXPECT_EQ(cases[i].err, parse_body(b.b, b.len)) TH_LOG("case %zu", i);
	}
}

TEST(data_too_large_and_short)
{
	struct body b = {};

	bstart(&b, 1, "a/vfio", 0);
	b8(&b, VFM_SEC_END);
	b32(&b, 1);
	b64(&b, VFM_MIG_DEV_DATA_STATE);
	b64(&b, VFM_STREAM_MAX_DATA + 1);
	EXPECT_EQ(-EFBIG, parse_body(b.b, b.len));

	/* A DATA size that runs past the end of the stream. */
	b.len -= 8;
	b64(&b, 100);
	b64(&b, VFM_MIG_END_OF_STATE);
	EXPECT_EQ(-ENODATA, parse_body(b.b, b.len));
}

TEST(errors_are_sticky)
{
	struct vfm_rstream *rs = malloc(sizeof(*rs));
	struct vfm_item it;
	int fd = memfd_of("QEVX", 4);

	vfm_rs_init(rs, fd);
	EXPECT_EQ(-EBADMSG, vfm_rs_next(rs, &it));
	EXPECT_EQ(-EBADMSG, vfm_rs_next(rs, &it));
	EXPECT_EQ(-EBADMSG, vfm_rs_data(rs, &it, 1));
	close(fd);
	free(rs);
}

TEST_HARNESS_MAIN
