/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared between the migration roles of libvfiomig; not public. */
#ifndef VFIOMIG_MIGRATION_INTERNAL_H
#define VFIOMIG_MIGRATION_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vfiomig/migration.h"

/* Return-path messages, destination -> source: be32 type, be32 len, payload. */
enum { VFM_RP_SWITCHOVER_ACK = 1, VFM_RP_RESULT = 2 };
#define VFM_RP_MAX	(4 << 20)

int vfm_rp_send(int fd, uint32_t type, const void *buf, uint32_t len);
/*
 * Receive one message within @timeout_ms (0: only if one is waiting).
 * 0 with *buf malloc()ed (NUL-terminated), -EAGAIN if none came, -ENODATA if
 * the peer closed, or another -errno.
 */
int vfm_rp_recv(int fd, int timeout_ms, uint32_t *type, char **buf, uint32_t *len);

/* SET with recovery, recorded as an arc of device @d, in @phase. */
int vfm_migdev_set(struct vfm_migdev *d, uint32_t to, uint32_t recover, const char *phase);
/* VFIO_DEVICE_RESET, recorded as an arc to RUNNING. */
int vfm_migdev_reset(struct vfm_migdev *d, const char *phase);
/*
 * Record what was done to @d for the report's event list (events.c): SET
 * and RESET refer to the last arc (@ret its 0 or -errno), READ and WRITE
 * asked for @len bytes and got @ret (bytes or -errno), PRECOPY_INFO got
 * @ret.  Keeps errno.
 */
void vfm_migdev_note(struct vfm_migdev *d, enum vfm_ev_kind kind, uint64_t len, int64_t ret);
/* The same, for a data_fd of session @sess (or, for a SET, the one it started). */
void vfm_migdev_note_sess(struct vfm_migdev *d, enum vfm_ev_kind kind, uint64_t len, int64_t ret,
			unsigned int sess);
/* Record the first failure: step, device (or NULL), -errno, message. */
int vfm_mig_fail(struct vfm_mig *m, const char *step, const struct vfm_migdev *d, int err,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Mocks: latch the digest now (the device must be stopped to mean anything). */
void vfm_migdev_read_digest(struct vfm_migdev *d, uint64_t *out, bool *has);

/* Two-phase stop/start of all devices (phases.c); the first error is returned. */
int vfm_mig_stop_all(struct vfm_mig *m);
int vfm_mig_start_all(struct vfm_mig *m, const char *p2p_phase, const char *run_phase);
/* Source rollback: every device back to RUNNING in P2P order (phases.c). */
void vfm_mig_restart_source(struct vfm_mig *m);

/*
 * Guest RAM (mig_ram.c); each does nothing without m->ram.  Source: the
 * RAM's START section and DMA_LOGGING_START; one pre-copy round (the dirty
 * pages in a PART section, none if there are none, then REPORT: what is
 * dirty afterwards is pending, vfm_ram_dirty_pages()), or with @final,
 * after the stop, REPORT and the END section with those pages and VERIFY.
 */
struct vfm_wstream;
struct vfm_rstream;
struct vfm_item;
int vfm_mig_ram_setup(struct vfm_mig *m, struct vfm_wstream *ws);
int vfm_mig_ram_round(struct vfm_mig *m, struct vfm_wstream *ws, bool final);
/* Destination: whether @it belongs to the RAM section; take it (*buf: scratch, freed by the caller). */
bool vfm_mig_ram_item(const struct vfm_item *it);
int vfm_mig_ram_receive(struct vfm_mig *m, struct vfm_rstream *rs, const struct vfm_item *it,
			void **buf);
/* Destination at EOF: the RAM must have arrived whole and verified. */
int vfm_mig_ram_complete(struct vfm_mig *m);
/* The "ram" object of a side report, NULL without RAM. */
struct json_object *vfm_mig_ram_json(const struct vfm_mig *m);

#endif /* VFIOMIG_MIGRATION_INTERNAL_H */
