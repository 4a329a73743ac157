// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Stopping and starting a group of devices in two phases (QEMU's
 * vm_state_notify(): every prepare callback, then every main callback).
 * With P2P, no device may be stopped while another can still initiate P2P
 * DMA towards it (P-1), and none may run while a peer is stopped (P-2); the
 * *_P2P states exist so that every device first stops initiating, then
 * every device stops.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "internal.h"

/*
 * naive-stop: the pause between two devices' stops, as a VMM that stops
 * them one by one from a slow loop.  Long enough for a device's P2P engine
 * (every ~12 ms) to write into the peer stopped first (P-5).
 */
#define NAIVE_STOP_PAUSE_US	100000

static bool has_p2p(const struct vfm_migdev *d)
{
	return d->flags & VFIO_MIGRATION_P2P;
}

static bool stopped(uint32_t s)
{
	return s == VFIO_DEVICE_STATE_STOP || s == VFIO_DEVICE_STATE_STOP_COPY ||
	       s == VFIO_DEVICE_STATE_RESUMING;
}

int vfm_mig_stop_all(struct vfm_mig *m)
{
	bool naive = m->opts.misbehave == VFM_MB_NAIVE_STOP;
	bool restart = m->opts.misbehave == VFM_MB_RESTART_PRECOPY;
	int i, ret;

	m->t_stop = vfm_now_ns();
	/* Phase 1, in reverse order as QEMU stops: stop initiating P2P. */
	for (i = m->ndev - 1; !naive && i >= 0; i--) {
		struct vfm_migdev *d = &m->dev[i];
		uint32_t to = d->state == VFIO_DEVICE_STATE_PRE_COPY ?
			      VFIO_DEVICE_STATE_PRE_COPY_P2P : VFIO_DEVICE_STATE_RUNNING_P2P;

		if (!has_p2p(d))
			continue;
		ret = vfm_migdev_set(d, to, d->state, "p2p-stop");
		if (ret)
			return vfm_mig_fail(m, "p2p-stop", d, ret, "SET %s", vfm_state_name(to));
	}
	/*
	 * Phase 2: stop.  A pre-copy device goes straight to STOP_COPY: via
	 * STOP its transfer would end and restart from scratch (S-2).
	 */
	for (i = m->ndev - 1; i >= 0; i--) {
		struct vfm_migdev *d = &m->dev[i];
		uint32_t to = d->precopy && !restart ? VFIO_DEVICE_STATE_STOP_COPY :
			      VFIO_DEVICE_STATE_STOP;

		ret = vfm_migdev_set(d, to, d->state, naive ? "naive-stop" : "stop");
		if (ret)
			return vfm_mig_fail(m, "stop", d, ret, "SET %s", vfm_state_name(to));
		vfm_migdev_read_digest(d, &d->digest, &d->has_digest);
		if (naive && i > 0)
			usleep(NAIVE_STOP_PAUSE_US);
	}
	m->t_stopped = vfm_now_ns();
	return 0;
}

int vfm_mig_start_all(struct vfm_mig *m, const char *p2p_phase, const char *run_phase)
{
	bool naive = m->role == VFM_DEST && m->opts.misbehave == VFM_MB_NAIVE_START;
	unsigned int i;
	int ret;

	for (i = 0; !naive && i < m->ndev; i++) {
		struct vfm_migdev *d = &m->dev[i];

		if (!has_p2p(d) || d->state == VFIO_DEVICE_STATE_RUNNING_P2P)
			continue;
		ret = vfm_migdev_set(d, VFIO_DEVICE_STATE_RUNNING_P2P, d->state, p2p_phase);
		if (ret)
			return vfm_mig_fail(m, p2p_phase, d, ret, "SET RUNNING_P2P");
	}
	for (i = 0; i < m->ndev; i++) {
		struct vfm_migdev *d = &m->dev[i];

		ret = vfm_migdev_set(d, VFIO_DEVICE_STATE_RUNNING, d->state,
				   naive ? "naive-start" : run_phase);
		if (ret)
			return vfm_mig_fail(m, run_phase, d, ret, "SET RUNNING");
	}
	return 0;
}

/*
 * Read a STOP_COPY stream nobody wants to its end, so that leaving
 * STOP_COPY does not abandon it half read (U-11).  Bounded, for a device
 * whose stream does not end.
 */
static void drain(struct vfm_migdev *d)
{
	static char buf[1 << 16];
	uint64_t total = 0;
	ssize_t n;

	if (d->state != VFIO_DEVICE_STATE_STOP_COPY || d->data_fd < 0)
		return;
	while (total < (64ULL << 30)) {
		n = read(d->data_fd, buf, sizeof(buf));
		vfm_migdev_note(d, VFM_EV_READ, sizeof(buf), n < 0 ? -errno : n);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
}

void vfm_mig_restart_source(struct vfm_mig *m)
{
	bool clean = true, any_stopped = false;
	unsigned int i;

	m->rolled_back = true;
	for (i = 0; i < m->ndev; i++) {
		struct vfm_migdev *d = &m->dev[i];

		if (d->state == VFM_STATE_UNKNOWN && vfm_get_state(&d->dev, &d->state))
			d->state = VFM_STATE_UNKNOWN;
		any_stopped |= stopped(d->state);
	}
	/*
	 * A device that runs again after a reset (from ERROR) must not
	 * initiate P2P while a peer is stopped: quiesce it before the peers
	 * are moved (P-1), then every device starts in two phases.
	 */
	for (i = 0; any_stopped && i < m->ndev; i++) {
		struct vfm_migdev *d = &m->dev[i];

		if (has_p2p(d) && (d->state == VFIO_DEVICE_STATE_RUNNING ||
				   d->state == VFIO_DEVICE_STATE_PRE_COPY) &&
		    vfm_migdev_set(d, VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_ERROR,
				 "rollback-quiesce"))
			clean = false;
	}
	for (i = 0; i < m->ndev; i++) {
		struct vfm_migdev *d = &m->dev[i];

		drain(d);
		/*
		 * A stopped device gets to STOP first, where its state can be
		 * compared with the one it had when it stopped.
		 */
		if (stopped(d->state) && d->state != VFIO_DEVICE_STATE_STOP &&
		    vfm_migdev_set(d, VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_ERROR, "rollback"))
			clean = false;
		if (d->state == VFIO_DEVICE_STATE_STOP) {
			vfm_migdev_read_digest(d, &d->restart_digest, &d->has_restart_digest);
			if (d->has_digest && d->has_restart_digest && d->digest != d->restart_digest)
				clean = false;
		}
	}
	/* A device that had to be reset (ERROR) has lost its state: say so. */
	for (i = 0; i < m->ndev; i++) {
		struct vfm_migdev *d = &m->dev[i];
		unsigned int j;

		for (j = 0; j < d->narcs; j++)
			if (d->arcs[j].how == VFM_REC_RESET)
				d->state_lost = true;
		if (d->state_lost)
			clean = false;
	}
	/* Recovery obeys P-2 too (QEMU's paused-VM failure path does not). */
	for (i = 0; i < m->ndev; i++) {
		struct vfm_migdev *d = &m->dev[i];

		if (!has_p2p(d) || d->state == VFIO_DEVICE_STATE_RUNNING ||
		    d->state == VFIO_DEVICE_STATE_RUNNING_P2P)
			continue;
		if (vfm_migdev_set(d, VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_ERROR,
				 "rollback-p2p"))
			clean = false;
	}
	for (i = 0; i < m->ndev; i++) {
		struct vfm_migdev *d = &m->dev[i];

		if (d->state != VFIO_DEVICE_STATE_RUNNING &&
		    vfm_migdev_set(d, VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_ERROR, "rollback"))
			clean = false;
	}
	m->rollback_clean = clean;
}
