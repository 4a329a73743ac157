// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The source role: setup sections, pre-copy rounds until convergence and
 * switchover-ack, the two-phase stop, STOP_COPY read to EOF, then either the
 * destination's verdict or a rollback that leaves every device RUNNING in
 * the state it stopped in.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/vfio.h>
#include <json-c/json.h>

#include "internal.h"
#include "vfiomig/ram.h"
#include "vfiomig/ring.h"
#include "vfiomig/stream.h"
#include "log.h"

/* One DATA record per read, as QEMU does; larger buys nothing (§1.4). */
#define BLOCK		(1 << 20)
/* Blocks per device per pre-copy round, so one device cannot starve the rest. */
#define ROUND_BLOCKS	32

/*
 * Take what the destination said.  Returns 0, or -errno when it reported
 * a failure or went away (recorded as the migration's failure).
 */
static int poll_peer(struct vfm_mig *m, int rp_fd, int timeout_ms, bool *result)
{
	uint32_t type, len;
	char *buf;
	int ret;

	if (rp_fd < 0)
		return 0;
	for (;;) {
		ret = vfm_rp_recv(rp_fd, timeout_ms, &type, &buf, &len);
		if (ret == -EAGAIN)
			return 0;
		if (ret == -ENODATA)
			return vfm_mig_fail(m, "return-path", NULL, -ECONNRESET,
					    "the destination went away without a result");
		if (ret)
			return vfm_mig_fail(m, "return-path", NULL, ret, "receiving from the destination");
		if (type == VFM_RP_SWITCHOVER_ACK && !m->t_ack)
			m->t_ack = vfm_now_ns();
		if (type == VFM_RP_RESULT) {
			json_object *r = json_tokener_parse(buf), *v;
			const char *step = "?", *msg = "no message";

			free(buf);
			if (!r)
				return vfm_mig_fail(m, "return-path", NULL, -EBADMSG,
						    "the destination's result is not JSON");
			if (m->peer_report)
				json_object_put(m->peer_report);
			m->peer_report = r;
			if (result)
				*result = true;
			if (json_object_object_get_ex(r, "ok", &v) && json_object_get_boolean(v))
				return 0;
			if (json_object_object_get_ex(r, "step", &v))
				step = json_object_get_string(v);
			if (json_object_object_get_ex(r, "error", &v))
				msg = json_object_get_string(v);
			if (!m->err) {
				snprintf(m->step, sizeof(m->step), "destination:%s", step);
				snprintf(m->error, sizeof(m->error), "destination: %s", msg);
				m->err = -EREMOTEIO;
			}
			return -EREMOTEIO;
		}
		free(buf);
		timeout_ms = 0;
	}
}

/* A send failed: the destination probably failed first; say so if it did. */
static int send_failed(struct vfm_mig *m, struct vfm_wstream *ws, int rp_fd)
{
	poll_peer(m, rp_fd, 2000, NULL);
	return vfm_mig_fail(m, "send", NULL, ws->err, "writing the migration stream");
}

static int precopy_info(struct vfm_mig *m, struct vfm_migdev *d)
{
	struct vfio_precopy_info info = { .flags = 0 };
	int ret = vfm_precopy_info(d->data_fd, &info);

	vfm_migdev_note(d, VFM_EV_PRECOPY_INFO, 0, ret);
	if (ret)
		return vfm_mig_fail(m, "pre-copy", d, ret, "VFIO_MIG_GET_PRECOPY_INFO");
	d->initial_bytes = info.initial_bytes;
	d->dirty_bytes = info.dirty_bytes;
	return 0;
}

/* One pre-copy round of one device: one PART section. */
static int precopy_round(struct vfm_mig *m, struct vfm_migdev *d, struct vfm_wstream *ws,
			 bool *moved)
{
	uint64_t want;
	int i, ret;

	ret = precopy_info(m, d);
	if (ret)
		return ret;
	want = d->initial_bytes + d->dirty_bytes;
	if (want > (uint64_t)ROUND_BLOCKS * BLOCK)
		want = (uint64_t)ROUND_BLOCKS * BLOCK;
	vfm_ws_section_begin(ws, VFM_SEC_PART, d - m->dev);
	/* Short reads (allowed) make more reads, not a smaller round. */
	for (i = 0; want; i++) {
		size_t ask = want < BLOCK ? want : BLOCK;
		char *buf = vfm_ws_data_buf(ws, ask);
		ssize_t n;

		if (!buf)
			return ws->err;
		n = read(d->data_fd, buf, ask);
		vfm_migdev_note(d, VFM_EV_READ, ask, n < 0 ? -errno : n);

		/* ENOMSG and 0 both mean "nothing now" in PRE_COPY (U-12). */
		if ((n < 0 && errno == ENOMSG) || n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vfm_mig_fail(m, "pre-copy", d, -errno, "read of the data_fd");
		vfm_ws_data_commit(ws, n);
		d->bytes_precopy += n;
		want -= want < (uint64_t)n ? want : (uint64_t)n;
		*moved = true;
	}
	if (i)
		d->rounds++;
	ret = precopy_info(m, d);
	if (ret)
		return ret;
	if (!d->init_sent && !d->initial_bytes) {
		d->init_sent = true;
		vfm_ws_section_end(ws, d - m->dev, VFM_MIG_DEV_INIT_DATA_SENT);
	} else {
		vfm_ws_section_end(ws, d - m->dev, VFM_MIG_END_OF_STATE);
	}
	return ws->err;
}

/*
 * Iterate until every device's initial data is sent and what is dirty fits
 * the downtime limit at the bandwidth seen so far (or a round or time budget
 * is spent), and, with a return path, the destination has acknowledged that
 * it loaded all initial data (switchover-ack).
 */
static int precopy(struct vfm_mig *m, struct vfm_wstream *ws, int rp_fd)
{
	int64_t t0 = vfm_now_ns(), t_read = 0;
	uint64_t moved_bytes = 0;
	unsigned int i;
	int ret;

	for (;;) {
		uint64_t initial = 0, dirty = 0, before = ws->bytes;
		int64_t t = vfm_now_ns(), elapsed_ms;
		bool moved = false, any = false;

		for (i = 0; i < m->ndev; i++) {
			struct vfm_migdev *d = &m->dev[i];

			if (!d->precopy)
				continue;
			any = true;
			ret = precopy_round(m, d, ws, &moved);
			if (ret)
				return ret;
			initial += d->initial_bytes;
			dirty += d->dirty_bytes;
		}
		if (!any)
			m->switchover_reason = "no pre-copy";
		/*
		 * Guest RAM: everything in the first round, then what was
		 * written; a round that sent RAM moved data (bandwidth, rounds).
		 */
		if (m->ram) {
			unsigned int ram_rounds = m->ram->rounds;

			ret = vfm_mig_ram_round(m, ws, false);
			if (ret)
				return ret;
			dirty += vfm_ram_dirty_pages(m->ram) * VFM_RAM_PAGE;
			if (m->ram->rounds != ram_rounds)
				moved = true;
		}
		if (moved) {
			m->rounds++;
			t_read += vfm_now_ns() - t;
			moved_bytes += ws->bytes - before;
		}
		ret = poll_peer(m, rp_fd, 0, NULL);
		if (ret)
			return ret;
		/* Bandwidth x downtime limit: what can move while stopped. */
		if (t_read)
			m->dirty_threshold = moved_bytes * 1e9 / t_read *
					     m->opts.downtime_limit_ms / 1000;
		elapsed_ms = (vfm_now_ns() - t0) / 1000000;
		if (any && !initial && dirty <= m->dirty_threshold)
			m->switchover_reason = "converged";
		else if (any && m->rounds >= m->opts.max_rounds)
			m->switchover_reason = "max-rounds";
		else if (any && elapsed_ms >= m->opts.precopy_time_ms)
			m->switchover_reason = "time-budget";
		if (m->switchover_reason && (rp_fd < 0 || m->t_ack))
			return 0;
		if (elapsed_ms >= m->opts.ack_timeout_ms)
			return vfm_mig_fail(m, "switchover-ack", NULL, -ETIMEDOUT,
					    "no switchover-ack from the destination after %u ms",
					    m->opts.ack_timeout_ms);
		/* Nothing to read now: wait a little for data or the ack. */
		if (!moved) {
			if (rp_fd >= 0)
				ret = poll_peer(m, rp_fd, 10, NULL);
			else
				usleep(10000);
			if (ret)
				return ret;
		}
	}
}

/* STOP_COPY of one device, read to EOF into one END section. */
static int stop_copy(struct vfm_mig *m, struct vfm_migdev *d, struct vfm_wstream *ws)
{
	bool early = m->opts.misbehave == VFM_MB_EARLY_STOP_COPY_EXIT;
	int ret;

	if (d->state != VFIO_DEVICE_STATE_STOP_COPY) {
		ret = vfm_migdev_set(d, VFIO_DEVICE_STATE_STOP_COPY, d->state, "stop-copy");
		if (ret)
			return vfm_mig_fail(m, "stop-copy", d, ret, "SET STOP_COPY");
	}
	if (d->data_fd < 0)
		return vfm_mig_fail(m, "stop-copy", d, -EBADF, "STOP_COPY without a data_fd");
	if (m->opts.misbehave == VFM_MB_PRECOPY_INFO_STOP_COPY) {
		struct vfio_precopy_info info = { .flags = 0 };

		/* U-10: only valid in PRE_COPY; the device must refuse. */
		ret = vfm_precopy_info(d->data_fd, &info);
		vfm_migdev_note(d, VFM_EV_PRECOPY_INFO, 0, ret);
		d->misbehaved = true;
		d->misbehave_err = ret;
		fprintf(stderr, "vfiomig: %s: misbehave: PRECOPY_INFO in STOP_COPY: %s\n",
			d->dev.bdf, ret ? strerror(-ret) : "accepted (device bug)");
	}
	vfm_ws_section_begin(ws, VFM_SEC_END, d - m->dev);
	for (;;) {
		/*
		 * early-stop-copy-exit: one small read, so EOF is not reached
		 * unless pre-copy left less than 4 KiB for STOP_COPY.
		 */
		size_t ask = early ? 4096 : BLOCK;
		char *buf = vfm_ws_data_buf(ws, ask);
		ssize_t n;

		if (!buf)
			break;
		n = read(d->data_fd, buf, ask);
		vfm_migdev_note(d, VFM_EV_READ, ask, n < 0 ? -errno : n);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOMSG)
			return vfm_mig_fail(m, "stop-copy", d, -ENOMSG,
					    "read returned ENOMSG in STOP_COPY (a device bug, U-11)");
		if (n < 0)
			return vfm_mig_fail(m, "stop-copy", d, -errno, "read of the data_fd");
		if (n == 0)
			break;
		vfm_ws_data_commit(ws, n);
		d->bytes_stopcopy += n;
		if (ws->err)
			break;
		if (early) {
			/* U-11: leave STOP_COPY with the stream unfinished. */
			vfm_migdev_set(d, VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_STOP_COPY,
				     "early-exit");
			break;
		}
	}
	vfm_ws_section_end(ws, d - m->dev, VFM_MIG_END_OF_STATE);
	if (ws->err)
		return ws->err;
	d->complete = true;
	return 0;
}

static int run(struct vfm_mig *m, struct vfm_wstream *ws, int rp_fd)
{
	unsigned int i;
	bool result = false;
	int ret;

	vfm_ws_file_header(ws);
	for (i = 0; i < m->ndev; i++) {
		char idstr[64];

		snprintf(idstr, sizeof(idstr), "%s/vfio", m->dev[i].dev.bdf);
		vfm_ws_setup_section(ws, i, idstr, i);
	}
	ret = vfm_mig_ram_setup(m, ws);
	if (ret)
		return ret == ws->err ? send_failed(m, ws, rp_fd) : ret;
	if (ws->err)
		return send_failed(m, ws, rp_fd);
	for (i = 0; i < m->ndev; i++) {
		struct vfm_migdev *d = &m->dev[i];

		if (!m->opts.precopy || !(d->flags & VFIO_MIGRATION_PRE_COPY))
			continue;
		ret = vfm_migdev_set(d, VFIO_DEVICE_STATE_PRE_COPY, VFIO_DEVICE_STATE_RUNNING,
				   "pre-copy");
		if (ret)
			return vfm_mig_fail(m, "pre-copy", d, ret, "SET PRE_COPY");
		d->precopy = true;
	}
	ret = precopy(m, ws, rp_fd);
	if (ret)
		return ret == ws->err ? send_failed(m, ws, rp_fd) : ret;
	/*
	 * The destination catches up while the devices still run: pre-copy
	 * data left in a ring would otherwise be loaded inside the downtime.
	 */
	if (vfm_ws_drain(ws))
		return send_failed(m, ws, rp_fd);

	/* Only an estimate (U-18); recorded for the report. */
	for (i = 0; i < m->ndev; i++) {
		ret = vfm_data_size(&m->dev[i].dev, &m->dev[i].data_size);
		if (ret)
			vfm_err(m->dev[i].dev.bdf, "VFIO_DEVICE_FEATURE_MIG_DATA_SIZE: %s",
				strerror(-ret));
	}
	ret = vfm_mig_stop_all(m);
	if (ret)
		return ret;
	/* No DMA once stopped: the last REPORT and re-send make RAM final. */
	ret = vfm_mig_ram_round(m, ws, true);
	if (ret)
		return ret == ws->err ? send_failed(m, ws, rp_fd) : ret;
	for (i = 0; i < m->ndev; i++) {
		ret = stop_copy(m, &m->dev[i], ws);
		if (ret)
			return ret == ws->err ? send_failed(m, ws, rp_fd) : ret;
	}
	m->t_complete = vfm_now_ns();
	vfm_ws_eof(ws);
	if (ws->err)
		return send_failed(m, ws, rp_fd);

	/* The destination's verdict decides whether the source may go away. */
	if (rp_fd >= 0) {
		while (!result) {
			ret = poll_peer(m, rp_fd, m->opts.ack_timeout_ms, &result);
			if (ret)
				return ret;
			if (!result)
				return vfm_mig_fail(m, "result", NULL, -ETIMEDOUT,
						    "no result from the destination");
		}
	}
	/* STOP_COPY -> STOP after completion, outside the downtime (§1.9). */
	for (i = 0; i < m->ndev; i++) {
		struct vfm_migdev *d = &m->dev[i];

		if (d->state == VFIO_DEVICE_STATE_STOP_COPY &&
		    vfm_migdev_set(d, VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_ERROR, "cleanup"))
			return vfm_mig_fail(m, "cleanup", d, -EIO, "SET STOP after STOP_COPY");
	}
	/* A checkpoint to a file: the devices carry on, like savevm. */
	if (rp_fd < 0)
		return vfm_mig_start_all(m, "resume-p2p", "resume");
	/*
	 * split-brain: what a cancel that comes too late does in QEMU 10.0.2
	 * (Documentation/qemu.rst): the source runs on, in P2P order, while
	 * the destination, which reported success, runs the same state.
	 */
	if (m->opts.misbehave == VFM_MB_SPLIT_BRAIN)
		return vfm_mig_start_all(m, "split-brain-p2p", "split-brain");
	return 0;
}

/* Either transport: the stream into @ring if there is one, else to @out_fd. */
static int source(struct vfm_mig *m, int out_fd, struct vfm_ring *ring, int rp_fd)
{
	struct vfm_wstream ws;
	int ret;

	if (ring) {
		vfm_ws_init_ring(&ws, ring);
		vfm_ring_set_peer_fd(ring, rp_fd);
	} else {
		vfm_ws_init(&ws, out_fd);
	}
	ret = run(m, &ws, rp_fd);
	if (m->ram)
		vfm_ram_log_stop(m->ram);
	/* The end of the stream; a half stream makes the destination reset now. */
	if (ring)
		vfm_ring_close_write(ring);
	else if (ret)
		shutdown(out_fd, SHUT_WR);
	if (ret) {
		vfm_mig_restart_source(m);
		if (rp_fd >= 0 && !m->peer_report)
			poll_peer(m, rp_fd, 5000, NULL);
	}
	m->t_end = vfm_now_ns();
	vfm_ws_release(&ws);
	return m->err;
}

int vfm_mig_source(struct vfm_mig *m, int out_fd, int rp_fd)
{
	return source(m, out_fd, NULL, rp_fd);
}

int vfm_mig_source_ring(struct vfm_mig *m, struct vfm_ring *ring, int rp_fd)
{
	return source(m, -1, ring, rp_fd);
}
