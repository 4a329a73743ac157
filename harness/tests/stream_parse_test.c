// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-side tests of the migration stream framing (vfiomig/stream.h): a stream
 * written by the writer reads back item for item, and every kind of
 * malformed input is rejected with its own errno, never accepted.  The
 * guest RAM section (vfiomig/ram.h) likewise: RAM written, re-sent and verified
 * reads back equal, a page not re-sent is named, and every malformed RAM
 * record has its errno.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfiomig/ram.h"
#include "vfiomig/stream.h"

/* A file holding @len bytes of @buf, positioned at its start. */
static int memfd_of(const void *buf, size_t len)
{
	int fd = memfd_create("stream", 0);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET))
		abort();
	return fd;
}

/* End the stream written through @ws to memfd @fd; *out gets its bytes. */
static size_t finish(struct vfm_wstream *ws, int fd, unsigned char **out)
{
	off_t len;

	vfm_ws_eof(ws);
	if (ws->err)
		abort();
	len = lseek(fd, 0, SEEK_CUR);
	*out = malloc(len);
	if (pread(fd, *out, len, 0) != len)
		abort();
	close(fd);
	return len;
}

/* A valid two-device stream: setup, one PART each, END sections, EOF. */
static size_t good_stream(unsigned char **out)
{
	static const char d0[] = "device zero data", d1[] = "one";
	struct vfm_wstream ws;
	int fd = memfd_create("good", 0);

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
	return finish(&ws, fd, out);
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

/* --- Guest RAM section --- */

#define RAM_PAGES	16

/* A source RAM with some pages written, and a destination RAM of its size. */
static struct vfm_ram *ram_with_data(void)
{
	struct vfm_ram *ram = vfm_ram_new(RAM_PAGES * VFM_RAM_PAGE, VFM_RAM_IOVA);
	unsigned int i;

	if (!ram)
		abort();
	for (i = 0; i < RAM_PAGES; i += 3)
		memset(ram->mem + i * VFM_RAM_PAGE + i, 0x40 + i, 100);
	return ram;
}

static void mark_dirty(struct vfm_ram *ram, uint64_t page)
{
	ram->dirty[page / 64] |= 1ULL << (page % 64);
}

/*
 * A stream with one device and the RAM: the RAM's first round (all pages),
 * page 3 written again and (if @resend) re-sent in the END part with VERIFY.
 */
static size_t ram_stream(struct vfm_ram *src, bool resend, unsigned char **out)
{
	struct vfm_wstream ws;
	int fd = memfd_create("ram", 0);

	vfm_ws_init(&ws, fd);
	vfm_ws_file_header(&ws);
	vfm_ws_setup_section(&ws, 0, "0000:01:00.0/vfio", 0);
	vfm_ws_setup_section(&ws, 1, VFM_RAM_IDSTR, VFM_RAM_INSTANCE);
	vfm_ram_log_start(src);		/* no device: untracked, all dirty */
	vfm_ws_section_begin(&ws, VFM_SEC_PART, 1);
	if (vfm_ram_send(src, &ws, false) != RAM_PAGES)
		abort();
	vfm_ws_section_end(&ws, 1, VFM_MIG_END_OF_STATE);
	memset(src->mem + 3 * VFM_RAM_PAGE + 4000, 0x99, 50);
	if (resend)
		mark_dirty(src, 3);
	vfm_ws_section_begin(&ws, VFM_SEC_END, 1);
	if (vfm_ram_send(src, &ws, true) != (resend ? 1 : 0))
		abort();
	vfm_ws_section_end(&ws, 1, VFM_MIG_END_OF_STATE);
	vfm_ws_section_begin(&ws, VFM_SEC_END, 0);
	vfm_ws_section_end(&ws, 0, VFM_MIG_END_OF_STATE);
	return finish(&ws, fd, out);
}

/* Read @buf as a destination would: RAM DATA into @dst.  0 or the first error. */
static int ram_load(const unsigned char *buf, size_t len, struct vfm_ram *dst)
{
	struct vfm_rstream *rs = malloc(sizeof(*rs));
	unsigned char *data = malloc(VFM_RAM_MAX_DATA);
	struct vfm_item it;
	int fd = memfd_of(buf, len), ret;

	vfm_rs_init(rs, fd);
	for (;;) {
		ret = vfm_rs_next(rs, &it);
		if (ret || it.kind == VFM_ITEM_EOF)
			break;
		if (it.kind == VFM_ITEM_SETUP && !strcmp(it.idstr, VFM_RAM_IDSTR) &&
		    it.instance != VFM_RAM_INSTANCE)
			abort();
		if (it.kind != VFM_ITEM_DATA || strcmp(it.idstr, VFM_RAM_IDSTR))
			continue;
		if (vfm_rs_data(rs, data, it.size) != (long)it.size)
			abort();
		ret = vfm_ram_receive(dst, it.section_type == VFM_SEC_END, data, it.size);
		if (ret)
			break;
	}
	close(fd);
	free(data);
	free(rs);
	return ret;
}

TEST(ram_section_reads_back_equal)
{
	struct vfm_ram *src = ram_with_data(), *dst = vfm_ram_new(RAM_PAGES * VFM_RAM_PAGE, 0);
	unsigned char *buf;
	size_t len = ram_stream(src, true, &buf);

	ASSERT_NE(NULL, dst);
	/* The framing is a device's: a reader that knows no RAM reads it. */
	ASSERT_EQ(0, parse_all(buf, len, NULL, 0));
	ASSERT_EQ(0, ram_load(buf, len, dst)) TH_LOG("%s", dst->msg);
	EXPECT_TRUE(dst->got_header);
	EXPECT_TRUE(dst->verified);
	EXPECT_TRUE(dst->equal);
	EXPECT_EQ(-1, dst->first_diff);
	EXPECT_EQ(src->digest, dst->digest);
	EXPECT_EQ(src->digest, dst->local_digest);
	EXPECT_EQ(0, memcmp(src->mem, dst->mem, RAM_PAGES * VFM_RAM_PAGE));
	/* Pages 0, 3, ..., 15 have data, the others went as ZERO; then page 3. */
	EXPECT_EQ(7, dst->pages_recv);
	EXPECT_EQ(RAM_PAGES - 6, dst->zero_recv);
	EXPECT_EQ(RAM_PAGES + 1, src->pages_sent);
	EXPECT_EQ(0, vfm_ram_dirty_pages(src));
	free(buf);
	vfm_ram_free(src);
	vfm_ram_free(dst);
}

TEST(ram_page_not_resent_is_named)
{
	struct vfm_ram *src = ram_with_data(), *dst = vfm_ram_new(RAM_PAGES * VFM_RAM_PAGE, 0);
	unsigned char *buf;
	size_t len = ram_stream(src, false, &buf);

	ASSERT_EQ(0, ram_load(buf, len, dst)) TH_LOG("%s", dst->msg);
	EXPECT_TRUE(dst->verified);
	EXPECT_FALSE(dst->equal);
	EXPECT_EQ(3, dst->first_diff);
	EXPECT_NE(dst->digest, dst->local_digest);
	free(buf);
	vfm_ram_free(src);
	vfm_ram_free(dst);
}

TEST(ram_all_dirty_without_logging)
{
	struct vfm_ram *ram = ram_with_data();

	vfm_ram_log_start(ram);
	EXPECT_FALSE(ram->tracked);
	EXPECT_EQ(RAM_PAGES, vfm_ram_dirty_pages(ram));
	memset(ram->dirty, 0, 8);
	vfm_ram_sync(ram);	/* untracked: everything again */
	EXPECT_EQ(RAM_PAGES, vfm_ram_dirty_pages(ram));
	EXPECT_TRUE(ram->fallback);
	vfm_ram_free(ram);
}

TEST(ram_malformed_records)
{
	static const uint8_t page[VFM_RAM_PAGE];
	uint64_t hashes[RAM_PAGES], digest;
	const uint64_t size = RAM_PAGES * VFM_RAM_PAGE;
	static const struct {
		const char *what;
		int err;
	} cases[] = {
		{ "header cut short", -EPROTO },
		{ "payload cut short", -EPROTO },
		{ "unknown type", -EBADMSG },
		{ "flags not 0", -EBADMSG },
		{ "PAGE before HEADER", -EPROTO },
		{ "second HEADER", -EPROTO },
		{ "HEADER of another size", -EINVAL },
		{ "HEADER with a payload", -ERANGE },
		{ "PAGE of 100 bytes", -ERANGE },
		{ "ZERO with a payload", -ERANGE },
		{ "PAGE offset not aligned", -ERANGE },
		{ "PAGE offset past the end", -ERANGE },
		{ "VERIFY in a PART section", -EPROTO },
		{ "VERIFY of the wrong length", -ERANGE },
		{ "VERIFY digest wrong", -EBADMSG },
		{ "record after VERIFY", -EPROTO },
		{ "DATA over the limit", -EFBIG },
	};
	uint8_t *buf = calloc(1, VFM_RAM_MAX_DATA + 1);
	size_t i;

	ASSERT_NE(NULL, buf);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vfm_ram *dst = vfm_ram_new(size, 0);
		size_t len = 0;
		bool end = true;
		uint32_t v;

		ASSERT_NE(NULL, dst);
		digest = vfm_ram_hashes(dst, hashes);
		if (i != 4)
			len += vfm_ram_rec(buf, VFM_RAM_REC_HEADER, size, NULL, 0);
		switch (i) {
		case 0:
			len += 10;
			break;
		case 1:
			len += vfm_ram_rec(buf + len, VFM_RAM_REC_PAGE, 0, page, VFM_RAM_PAGE) - 100;
			break;
		case 2:
			len += vfm_ram_rec(buf + len, 9, 0, NULL, 0);
			break;
		case 3:
			v = htobe32(1);
			len += vfm_ram_rec(buf + len, VFM_RAM_REC_ZERO, 0, NULL, 0);
			memcpy(buf + len - VFM_RAM_REC_HDR + 4, &v, 4);
			break;
		case 4:
		case 8:
			len += vfm_ram_rec(buf + len, VFM_RAM_REC_PAGE, 0, page, i == 4 ? VFM_RAM_PAGE : 100);
			break;
		case 5:
			len += vfm_ram_rec(buf + len, VFM_RAM_REC_HEADER, size, NULL, 0);
			break;
		case 6:
			len = vfm_ram_rec(buf, VFM_RAM_REC_HEADER, size * 2, NULL, 0);
			break;
		case 7:
			len = vfm_ram_rec(buf, VFM_RAM_REC_HEADER, size, page, 8);
			break;
		case 9:
			len += vfm_ram_rec(buf + len, VFM_RAM_REC_ZERO, 0, page, VFM_RAM_PAGE);
			break;
		case 10:
			len += vfm_ram_rec(buf + len, VFM_RAM_REC_PAGE, 100, page, VFM_RAM_PAGE);
			break;
		case 11:
			len += vfm_ram_rec(buf + len, VFM_RAM_REC_PAGE, size, page, VFM_RAM_PAGE);
			break;
		case 12:
			end = false;
			/* fall through */
		case 15:
			len += vfm_ram_rec(buf + len, VFM_RAM_REC_VERIFY, digest, hashes, sizeof(hashes));
			if (i == 15)
				len += vfm_ram_rec(buf + len, VFM_RAM_REC_ZERO, 0, NULL, 0);
			break;
		case 13:
			len += vfm_ram_rec(buf + len, VFM_RAM_REC_VERIFY, digest, hashes, 8);
			break;
		case 14:
			len += vfm_ram_rec(buf + len, VFM_RAM_REC_VERIFY, digest ^ 1, hashes,
					   sizeof(hashes));
			break;
		case 16:
			len = VFM_RAM_MAX_DATA + 1;
			break;
		}
		EXPECT_EQ(cases[i].err, vfm_ram_receive(dst, end, buf, len))
			TH_LOG("%s: %s", cases[i].what, dst->msg);
		EXPECT_NE(0, dst->msg[0]) TH_LOG("%s: no message", cases[i].what);
		/* The VERIFY before the extra record was good; nothing else verifies. */
		EXPECT_EQ(i == 15, dst->verified) TH_LOG("%s", cases[i].what);
		memset(buf, 0, 4 * VFM_RAM_PAGE);
		vfm_ram_free(dst);
	}
	free(buf);
}

/* Each valid record kind alone is accepted (the cases above fail for their reason only). */
TEST(ram_valid_records)
{
	static const uint8_t page[VFM_RAM_PAGE] = { 1, 2, 3 };
	const uint64_t size = RAM_PAGES * VFM_RAM_PAGE;
	struct vfm_ram *dst = vfm_ram_new(size, 0);
	uint64_t hashes[RAM_PAGES], digest;
	uint8_t *buf = malloc(4 * VFM_RAM_PAGE);
	size_t len;

	len = vfm_ram_rec(buf, VFM_RAM_REC_HEADER, size, NULL, 0);
	len += vfm_ram_rec(buf + len, VFM_RAM_REC_PAGE, size - VFM_RAM_PAGE, page, VFM_RAM_PAGE);
	len += vfm_ram_rec(buf + len, VFM_RAM_REC_ZERO, 0, NULL, 0);
	ASSERT_EQ(0, vfm_ram_receive(dst, false, buf, len)) TH_LOG("%s", dst->msg);
	EXPECT_EQ(3, dst->mem[size - VFM_RAM_PAGE + 2]);
	digest = vfm_ram_hashes(dst, hashes);
	len = vfm_ram_rec(buf, VFM_RAM_REC_VERIFY, digest, hashes, sizeof(hashes));
	ASSERT_EQ(0, vfm_ram_receive(dst, true, buf, len)) TH_LOG("%s", dst->msg);
	EXPECT_TRUE(dst->equal);
	free(buf);
	vfm_ram_free(dst);
}

TEST_HARNESS_MAIN
