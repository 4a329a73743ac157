// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The destination role: RESUMING at each device's setup section, every
 * DATA written in order to its data_fd, switchover-ack once all initial
 * data is loaded, then RESUMING -> STOP as the validation point, the
 * two-phase start, and the result back to the source.  Any failure resets
 * every device: a RESUMING session can only be aborted by a reset.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>
#include <json-c/json.h>

#include "internal.h"
#include "vfiomig/ring.h"
#include "vfiomig/stream.h"
#include "log.h"

#define BLOCK	(1 << 20)

static int resume(struct vfm_mig *m, struct vfm_migdev *d)
{
	int ret = vfm_migdev_set(d, VFIO_DEVICE_STATE_RESUMING, d->state, "resuming");

	if (ret)
		return vfm_mig_fail(m, "resuming", d, ret, "SET RESUMING");
	if (d->data_fd < 0)
		return vfm_mig_fail(m, "resuming", d, -EBADF, "RESUMING without a data_fd");
	return 0;
}

/*
 * The misbehaving write itself: @buf to @fd of session @sess, which the
 * device has left; recorded in the report and said on stderr (@what).
 */
static void write_misbehaving(struct vfm_migdev *d, int fd, unsigned int sess, const char *buf,
			      size_t len, const char *what)
{
	ssize_t n = write(fd, buf, len);

	d->misbehaved = true;
	d->misbehave_err = n < 0 ? -errno : 0;
	vfm_migdev_note_sess(d, VFM_EV_WRITE, len, n < 0 ? d->misbehave_err : n, sess);
	fprintf(stderr, "vfiomig: %s: misbehave: %s: %s\n", d->dev.bdf, what,
		n < 0 ? strerror(-d->misbehave_err) : "accepted (device bug)");
}

/*
 * write-before-resuming: write the first chunk to the fd of a RESUMING
 * session the device has already left (reset), then load properly.
 */
static void write_stale(struct vfm_mig *m, struct vfm_migdev *d, const char *buf, size_t len)
{
	int stale = d->data_fd;
	unsigned int stale_sess = d->sess;

	d->data_fd = -1;	/* kept open across the reset on purpose */
	vfm_migdev_reset(d, "misbehave-reset");
	write_misbehaving(d, stale, stale_sess, buf, len, "write to a data_fd while RUNNING");
	close(stale);
	d->stale_fd_written = true;
	resume(m, d);
}

/*
 * stale-data-fd: abandon the RESUMING session by a reset, start a new one,
 * and write the first chunk to the old session's data_fd while the new one
 * is live (U-8); then load properly through the new one.
 */
static int write_old_session(struct vfm_mig *m, struct vfm_migdev *d, const char *buf,
			     size_t len)
{
	int old = d->data_fd, ret;
	unsigned int old_sess = d->sess;

	d->data_fd = -1;	/* kept open across the reset on purpose */
	d->stale_fd_written = true;
	vfm_migdev_reset(d, "misbehave-reset");
	ret = resume(m, d);
	if (!ret)
		write_misbehaving(d, old, old_sess, buf, len,
				  "write to the old data_fd of a new RESUMING session");
	close(old);
	return ret;
}

/*
 * leave-resuming-early: RESUMING -> STOP with only part of the stream
 * written (U-14).  The device must refuse and stay in RESUMING; a device
 * that accepts has loaded a partial state.  The load then carries on: a
 * device that keeps its session completes, one that refuses the rest of the
 * stream (mock-vfio-pci: it holds its reset state from the refusal on)
 * fails the next write, and the migration rolls back.
 */
static int leave_early(struct vfm_mig *m, struct vfm_migdev *d)
{
	int ret;

	d->left_early = true;
	ret = vfm_migdev_set(d, VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_RESUMING,
			   "misbehave-leave");
	d->misbehaved = true;
	d->misbehave_err = ret;
	fprintf(stderr, "vfiomig: %s: misbehave: RESUMING -> STOP with the stream incomplete: %s\n",
		d->dev.bdf, ret ? strerror(-ret) : "accepted (device bug)");
	if (!ret)
		return vfm_mig_fail(m, "load", d, -EPROTO,
				    "the device left RESUMING with an incomplete stream");
	if (d->state != VFIO_DEVICE_STATE_RESUMING || d->data_fd < 0)
		return vfm_mig_fail(m, "load", d, ret,
				    "the refused RESUMING -> STOP left the device in %s",
				    vfm_state_name(d->state));
	return 0;
}

static int load_data(struct vfm_mig *m, struct vfm_migdev *d, struct vfm_rstream *rs,
		     const struct vfm_item *it, char *buf)
{
	uint64_t left = it->size;
	int ret;

	while (left) {
		const void *p;
		long n = vfm_rs_data_get(rs, buf, left < BLOCK ? left : BLOCK, &p);

		if (n < 0)
			return vfm_mig_fail(m, "receive", d, n, "%s", rs->msg);
		if (m->opts.misbehave == VFM_MB_WRITE_BEFORE_RESUMING && !d->stale_fd_written)
			write_stale(m, d, p, n);
		if (m->opts.misbehave == VFM_MB_STALE_DATA_FD && !d->stale_fd_written) {
			ret = write_old_session(m, d, p, n);
			if (ret)
				return ret;
		}
		if (d->data_fd < 0)
			return vfm_mig_fail(m, "load", d, -EBADF, "no RESUMING data_fd");
		/* Segmentation need not match the source's (uAPI). */
		ret = vfm_write_all(d->data_fd, p, n, 0);
		vfm_rs_data_done(rs, n);
		vfm_migdev_note(d, VFM_EV_WRITE, n, ret ? ret : n);
		if (ret)
			return vfm_mig_fail(m, "load", d, ret, "write of the data_fd");
		if (it->section_type == VFM_SEC_PART)
			d->bytes_precopy += n;
		else
			d->bytes_stopcopy += n;
		left -= n;
		if (m->opts.misbehave == VFM_MB_LEAVE_RESUMING_EARLY && !d->left_early) {
			ret = leave_early(m, d);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Devices that must send INIT_DATA_SENT before we let the source switch over. */
static bool ack_needed(const struct vfm_mig *m, const struct vfm_migdev *d)
{
	return m->opts.precopy && (d->flags & VFIO_MIGRATION_PRE_COPY);
}

static int maybe_ack(struct vfm_mig *m, int rp_fd)
{
	unsigned int i;

	if (rp_fd < 0 || m->t_ack)
		return 0;
	/*
	 * Every device in RESUMING first (its SETUP section loaded): entering
	 * RESUMING can take long (a device may allocate its whole state), and
	 * not inside the downtime.
	 */
	for (i = 0; i < m->ndev; i++)
		if (!m->dev[i].peer[0] ||
		    (ack_needed(m, &m->dev[i]) && !m->dev[i].init_sent))
			return 0;
	m->t_ack = vfm_now_ns();
	if (vfm_rp_send(rp_fd, VFM_RP_SWITCHOVER_ACK, NULL, 0))
		return vfm_mig_fail(m, "return-path", NULL, -EPIPE, "sending switchover-ack");
	return 0;
}

static int run(struct vfm_mig *m, struct vfm_rstream *rs, int rp_fd, char *buf)
{
	void *ram_buf = NULL;
	struct vfm_item it;
	unsigned int i;
	int ret;

	/*
	 * RUNNING -> RESUMING passes through STOP (RUNNING -> RUNNING_P2P ->
	 * STOP -> RESUMING with P2P): a device must not stop while another
	 * can still initiate P2P towards it (P-1), so all are quiesced first.
	 */
	for (i = 0; i < m->ndev; i++) {
		struct vfm_migdev *d = &m->dev[i];

		if (!(d->flags & VFIO_MIGRATION_P2P) || d->state != VFIO_DEVICE_STATE_RUNNING)
			continue;
		ret = vfm_migdev_set(d, VFIO_DEVICE_STATE_RUNNING_P2P, d->state, "p2p-quiesce");
		if (ret)
			return vfm_mig_fail(m, "p2p-quiesce", d, ret, "SET RUNNING_P2P");
	}
	while (!ret) {
		struct vfm_migdev *d;

		ret = vfm_rs_next(rs, &it);
		if (ret) {
			ret = vfm_mig_fail(m, "receive", NULL, ret, "%s", rs->msg);
			break;
		}
		if (it.kind == VFM_ITEM_EOF)
			break;
		if (vfm_mig_ram_item(&it)) {
			ret = vfm_mig_ram_receive(m, rs, &it, &ram_buf);
			continue;
		}
		if (it.instance >= m->ndev) {
			ret = vfm_mig_fail(m, "receive", NULL, -EXDEV,
					   "the stream has device %s (instance %u) but only %u destination devices",
					   it.idstr, it.instance, m->ndev);
			break;
		}
		d = &m->dev[it.instance];
		switch (it.kind) {
		case VFM_ITEM_SETUP:
			snprintf(d->peer, sizeof(d->peer), "%s", it.idstr);
			ret = resume(m, d);
			if (!ret)
				ret = maybe_ack(m, rp_fd);
			break;
		case VFM_ITEM_DATA:
			ret = load_data(m, d, rs, &it, buf);
			break;
		case VFM_ITEM_INIT_DATA_SENT:
			d->init_sent = true;
			ret = maybe_ack(m, rp_fd);
			break;
		case VFM_ITEM_END_OF_STATE:
			if (it.section_type == VFM_SEC_END)
				d->complete = true;
			break;
		default:
			break;
		}
	}
	free(ram_buf);
	if (!ret)
		ret = vfm_mig_ram_complete(m);
	if (ret)
		return ret;
	for (i = 0; i < m->ndev; i++)
		if (!m->dev[i].complete)
			return vfm_mig_fail(m, "receive", &m->dev[i], -ENODATA,
					    "the stream ended without this device's final state");
	/* The validation point (D-3): strict, explicit, before any start. */
	for (i = 0; i < m->ndev; i++) {
		struct vfm_migdev *d = &m->dev[i];

		ret = vfm_migdev_set(d, VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_ERROR, "validate");
		if (ret)
			return vfm_mig_fail(m, "validate", d, ret,
					    "RESUMING -> STOP: the device rejected the state it was given");
		vfm_migdev_read_digest(d, &d->digest, &d->has_digest);
	}
	ret = vfm_mig_start_all(m, "p2p-start", "start");
	m->t_running = vfm_now_ns();
	return ret;
}

/* Until the return path closes (the source exited), at most 20 s. */
static void wait_for_source(int rp_fd)
{
	uint32_t type, len;
	char *buf;
	int i;

	for (i = 0; i < 20; i++) {
		int ret = vfm_rp_recv(rp_fd, 1000, &type, &buf, &len);

		if (ret && ret != -EAGAIN)
			return;
		if (!ret)
			free(buf);
	}
}

/* Either transport: the stream from @ring if there is one, else from @in_fd. */
static int dest(struct vfm_mig *m, int in_fd, struct vfm_ring *ring, int rp_fd)
{
	struct vfm_rstream *rs = malloc(sizeof(*rs));
	char *buf;
	unsigned int i;
	int ret;

	if (!rs)
		return vfm_mig_fail(m, "setup", NULL, -ENOMEM, "reader");
	if (ring) {
		vfm_rs_init_ring(rs, ring);
		vfm_ring_set_peer_fd(ring, rp_fd);
	} else {
		vfm_rs_init(rs, in_fd);
	}
	buf = malloc(BLOCK);
	ret = buf ? run(m, rs, rp_fd, buf) :
		    vfm_mig_fail(m, "setup", NULL, -ENOMEM, "buffer");
	/* Whatever happened, nothing more will be read: a waiting source learns it now. */
	if (rs->ring)
		vfm_ring_close_read(rs->ring);
	if (ret) {
		m->rolled_back = true;
		m->rollback_clean = true;
		for (i = 0; i < m->ndev; i++)
			if (vfm_migdev_reset(&m->dev[i], "reset"))
				m->rollback_clean = false;
	}
	m->t_end = vfm_now_ns();
	free(buf);
	free(rs);
	if (rp_fd >= 0)
		vfm_mig_send_result(m, rp_fd);
	/* split-brain: keep running until the source, run again, goes away. */
	if (!ret && rp_fd >= 0 && m->opts.misbehave == VFM_MB_SPLIT_BRAIN)
		wait_for_source(rp_fd);
	return m->err;
}

int vfm_mig_dest(struct vfm_mig *m, int in_fd, int rp_fd)
{
	return dest(m, in_fd, NULL, rp_fd);
}

int vfm_mig_dest_ring(struct vfm_mig *m, struct vfm_ring *ring, int rp_fd)
{
	return dest(m, -1, ring, rp_fd);
}

int vfm_mig_send_result(const struct vfm_mig *m, int rp_fd)
{
	json_object *r = vfm_mig_side_report(m);
	const char *s = json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN);
	int ret = vfm_rp_send(rp_fd, VFM_RP_RESULT, s, strlen(s));

	json_object_put(r);
	return ret;
}
