/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvfiomig's migration stream: the subset of QEMU's main migration stream
 * that carries VFIO devices, so one parser reads both.
 *
 *   be32 QEMU_VM_FILE_MAGIC, be32 QEMU_VM_FILE_VERSION
 *   section*:
 *     u8 START  be32 id  u8 len  idstr[len]  be32 instance  be32 version
 *               SETUP END_OF_STATE                            (per device, once)
 *     u8 PART   be32 id  [DATA be64 size bytes]* (END_OF_STATE | INIT_DATA_SENT)
 *     u8 END    be32 id  [DATA be64 size bytes]* END_OF_STATE
 *     u8 FOOTER be32 id                                       (after each section)
 *   u8 EOF
 *
 * Markers inside sections are be64 VFIO_MIG_FLAG_* (QEMU's
 * hw/vfio/migration.c); the DATA payload is the device's own opaque stream,
 * in order, segmented as read from the source data_fd.  The idstr is
 * "<source BDF>/vfio" and the instance id is the device's position in the
 * device list, which is how a destination maps sections to its devices.
 * FULL (config) sections are not produced and are rejected on read.
 */
#ifndef VFIOMIG_STREAM_H
#define VFIOMIG_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VFM_QEMU_FILE_MAGIC		0x5145564dU	/* "QEVM" */
#define VFM_QEMU_FILE_VERSION		3U

#define VFM_SEC_EOF			0x00
#define VFM_SEC_START			0x01
#define VFM_SEC_PART			0x02
#define VFM_SEC_END			0x03
#define VFM_SEC_FULL			0x04
#define VFM_SEC_FOOTER			0x7e

#define VFM_MIG_END_OF_STATE		0xffffffffef100001ULL
#define VFM_MIG_DEV_CONFIG_STATE	0xffffffffef100002ULL
#define VFM_MIG_DEV_SETUP_STATE		0xffffffffef100003ULL
#define VFM_MIG_DEV_DATA_STATE		0xffffffffef100004ULL
#define VFM_MIG_DEV_INIT_DATA_SENT	0xffffffffef100005ULL

/* DATA records larger than this are refused by the reader (QEMU uses 1 MiB). */
#define VFM_STREAM_MAX_DATA		(64ULL << 20)
#define VFM_STREAM_MAX_SECTIONS		64

struct vfm_ring;

/*
 * Writer: every call appends to @fd, or to a shared-memory ring
 * (vfiomig/ring.h); the first error sticks in ->err.
 */
struct vfm_wstream {
	int fd;
	struct vfm_ring *ring;
	int err;		/* 0 or the first -errno */
	uint64_t bytes;		/* written so far */
	/* vfm_ws_data_buf(): private */
	void *buf, *resv;
	size_t buf_size, buf_max;
};

void vfm_ws_init(struct vfm_wstream *ws, int fd);
void vfm_ws_init_ring(struct vfm_wstream *ws, struct vfm_ring *ring);
/*
 * Into a ring: wait until the reader has taken everything written (a file
 * descriptor has no such wait: returns at once).  Returns ws->err.
 */
int vfm_ws_drain(struct vfm_wstream *ws);
/* Free what the writer allocated (not the fd or ring). */
void vfm_ws_release(struct vfm_wstream *ws);
void vfm_ws_file_header(struct vfm_wstream *ws);
/* A START section: SETUP, END_OF_STATE, footer. */
void vfm_ws_setup_section(struct vfm_wstream *ws, uint32_t id, const char *idstr,
			  uint32_t instance);
/* Open a PART or END section; close it with vfm_ws_section_end(). */
void vfm_ws_section_begin(struct vfm_wstream *ws, uint8_t type, uint32_t id);
void vfm_ws_data(struct vfm_wstream *ws, const void *buf, uint64_t len);
/*
 * A DATA record filled in place: up to @max bytes at the returned pointer
 * (NULL: ws->err says why), then vfm_ws_data_commit() with the count
 * actually there (0: no record).  Into a ring, the bytes land where the
 * reader will find them, so a device's data_fd read() is their only copy;
 * nothing else may be written in between.
 */
void *vfm_ws_data_buf(struct vfm_wstream *ws, size_t max);
void vfm_ws_data_commit(struct vfm_wstream *ws, size_t len);
/* @marker is END_OF_STATE or INIT_DATA_SENT; then the footer. */
void vfm_ws_section_end(struct vfm_wstream *ws, uint32_t id, uint64_t marker);
void vfm_ws_eof(struct vfm_wstream *ws);

/* What vfm_rs_next() found. */
enum vfm_item_kind {
	VFM_ITEM_SETUP,		/* a device's START section: idstr, instance */
	VFM_ITEM_DATA,		/* DATA of @size bytes: read them with vfm_rs_data() */
	VFM_ITEM_END_OF_STATE,	/* end of a PART or END section */
	VFM_ITEM_INIT_DATA_SENT,	/* end of a PART section: initial data all sent */
	VFM_ITEM_EOF,		/* QEMU_VM_EOF: the stream is complete */
};

struct vfm_item {
	enum vfm_item_kind kind;
	uint8_t section_type;	/* VFM_SEC_* of the enclosing section */
	uint32_t section_id;
	uint32_t instance;	/* of the section's device */
	char idstr[256];	/* of the section's device */
	uint64_t size;		/* DATA */
};

/* Reader: a pull parser over a file descriptor or a ring that checks the grammar. */
struct vfm_rstream {
	int fd;
	struct vfm_ring *ring;
	uint64_t off;		/* bytes consumed */
	int err;		/* sticky -errno, see vfm_rs_next() */
	char msg[160];		/* what was wrong, and where */
	/* parser state */
	int where;		/* private */
	uint8_t sec_type;
	uint32_t sec_id;
	uint64_t data_left;	/* payload bytes of the current DATA not yet read */
	unsigned int nsec;
	struct {
		uint32_t id, instance;
		char idstr[256];
	} sec[VFM_STREAM_MAX_SECTIONS];
	unsigned char buf[65536];
	size_t buf_pos, buf_len;
};

void vfm_rs_init(struct vfm_rstream *rs, int fd);
void vfm_rs_init_ring(struct vfm_rstream *rs, struct vfm_ring *ring);
/*
 * The next item.  0 on success; on error a negative errno (sticky) and
 * rs->msg says what and at which offset:
 *   -ENODATA  the stream ends before it is complete (truncated)
 *   -EBADMSG  not a QEMU migration stream (magic), or an unknown marker
 *   -EPROTO   markers or sections out of order, unknown or mismatched
 *             section id, footer missing or naming another section
 *   -EPROTONOSUPPORT  stream version or section type not supported (FULL)
 *   -EFBIG    DATA size over VFM_STREAM_MAX_DATA
 *   -ERANGE   idstr empty, too many devices
 *   other     read() failed
 * A DATA item's bytes must be consumed (vfm_rs_data) before the next call.
 */
int vfm_rs_next(struct vfm_rstream *rs, struct vfm_item *it);
/* Read up to @len bytes of the current DATA item; returns bytes read or -errno. */
long vfm_rs_data(struct vfm_rstream *rs, void *buf, size_t len);
/*
 * Up to @len bytes of the current DATA item without copying them where the
 * transport allows: *p points at them (in a ring) or at @scratch (@len
 * bytes, filled from a file descriptor).  Returns their count or -errno;
 * hand the count to vfm_rs_data_done() once they are used, before any
 * other call.
 */
long vfm_rs_data_get(struct vfm_rstream *rs, void *scratch, size_t len, const void **p);
void vfm_rs_data_done(struct vfm_rstream *rs, size_t len);

#endif /* VFIOMIG_STREAM_H */
