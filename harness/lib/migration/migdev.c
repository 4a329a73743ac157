// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The devices of one migration: opening and probing them, the rule that
 * decides whether they may migrate together, and every state change
 * recorded as an arc for the report.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>
#include <json-c/json.h>

#include "internal.h"
#include "vfiomig/mock.h"
#include "mock_vfio_pci.h"
#include "log.h"

static const char *const mb_names[VFM_MB_NR] = {
	[VFM_MB_NONE] = "none",
	[VFM_MB_NAIVE_STOP] = "naive-stop",
	[VFM_MB_NAIVE_START] = "naive-start",
	[VFM_MB_EARLY_STOP_COPY_EXIT] = "early-stop-copy-exit",
	[VFM_MB_WRITE_BEFORE_RESUMING] = "write-before-resuming",
	[VFM_MB_RESTART_PRECOPY] = "restart-precopy-through-stop",
	[VFM_MB_PRECOPY_INFO_STOP_COPY] = "precopy-info-in-stop-copy",
	[VFM_MB_STALE_DATA_FD] = "stale-data-fd",
	[VFM_MB_LEAVE_RESUMING_EARLY] = "leave-resuming-early",
	[VFM_MB_SPLIT_BRAIN] = "split-brain",
};

/* What each mode does and the monitor rules it breaks (Documentation/harness.rst). */
static const char *const mb_what[VFM_MB_NR] = {
	[VFM_MB_NONE] = "a correct VMM: no rule",
	[VFM_MB_NAIVE_STOP] = "source: devices stopped one by one, no P2P phase: P-1 (+ P-5 with --p2p)",
	[VFM_MB_NAIVE_START] = "destination: devices started one by one, no P2P phase: P-2",
	[VFM_MB_EARLY_STOP_COPY_EXIT] = "source: STOP_COPY -> STOP before EOF: U-11 (+ U-14, rejected)",
	[VFM_MB_WRITE_BEFORE_RESUMING] = "destination: write to a data_fd after a reset: U-9",
	[VFM_MB_RESTART_PRECOPY] = "source: PRE_COPY -> STOP -> STOP_COPY: S-2",
	[VFM_MB_PRECOPY_INFO_STOP_COPY] = "source: PRECOPY_INFO in STOP_COPY: U-10",
	[VFM_MB_STALE_DATA_FD] = "destination: the old data_fd of a new RESUMING session: U-8",
	[VFM_MB_LEAVE_RESUMING_EARLY] = "destination: RESUMING -> STOP before the stream is complete: U-14",
	[VFM_MB_SPLIT_BRAIN] = "source: devices run again after the destination started them: X-1",
};

const char *vfm_misbehave_what(enum vfm_misbehave mb)
{
	return mb < VFM_MB_NR ? mb_what[mb] : "invalid";
}

const char *vfm_misbehave_name(enum vfm_misbehave mb)
{
	return mb < VFM_MB_NR ? mb_names[mb] : "invalid";
}

enum vfm_misbehave vfm_misbehave_parse(const char *name)
{
	int i;

	for (i = 0; i < VFM_MB_NR; i++)
		if (!strcmp(name, mb_names[i]))
			return i;
	return VFM_MB_NR;
}

void vfm_mig_opts_default(struct vfm_mig_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->precopy = true;
	o->max_rounds = 30;
	o->downtime_limit_ms = 300;	/* QEMU's default downtime-limit */
	o->precopy_time_ms = 10000;
	o->ack_timeout_ms = 60000;
}

static int open_one(struct vfm_mig *m, struct vfm_migdev *d, const char *bdf)
{
	int ret;

	d->data_fd = -1;
	ret = vfm_device_open(bdf, &d->dev);
	if (ret)
		return vfm_mig_fail(m, "open", NULL, ret, "%s: cannot open the device", bdf);
	ret = vfm_migration_flags(&d->dev, &d->flags);
	if (ret)
		return vfm_mig_fail(m, "probe", d, ret, "not migration capable");
	if (!(d->flags & VFIO_MIGRATION_STOP_COPY))
		return vfm_mig_fail(m, "probe", d, -EOPNOTSUPP,
				    "does not advertise VFIO_MIGRATION_STOP_COPY");
	vfm_current_driver(d->dev.bdf, d->driver, sizeof(d->driver));
	d->mock = !strcmp(d->driver, MOCK_VFIO_PCI_DRIVER_NAME);
	/* QEMU assumes RUNNING after open; we ask (U-7). */
	ret = vfm_get_state(&d->dev, &d->state);
	if (ret)
		return vfm_mig_fail(m, "probe", d, ret, "cannot read the migration state");
	d->orig_state = d->state;
	if (d->state != VFIO_DEVICE_STATE_RUNNING)
		return vfm_mig_fail(m, "probe", d, -EBUSY, "is in %s, not RUNNING",
				    vfm_state_name(d->state));
	return 0;
}

int vfm_mig_open(struct vfm_mig *m, enum vfm_role role, char *const *bdfs, unsigned int n,
		 const struct vfm_mig_opts *opts)
{
	unsigned int i;
	int ret;

	memset(m, 0, sizeof(*m));
	m->role = role;
	m->opts = *opts;
	m->failed_dev = -1;
	m->t_begin = vfm_now_ns();
	if (!n || n > VFM_MAX_DEVICES)
		return vfm_mig_fail(m, "open", NULL, -EINVAL, "%u devices: 1 to %d supported",
				    n, VFM_MAX_DEVICES);
	for (i = 0; i < n; i++) {
		m->dev[i].data_fd = -1;
		m->ndev = i + 1;
		ret = open_one(m, &m->dev[i], bdfs[i]);
		if (ret)
			return ret;
	}
	/* QEMU's multiple-device blocker (P-3): P2P is what makes stop safe. */
	for (i = 0; n > 1 && i < n; i++)
		if (!(m->dev[i].flags & VFIO_MIGRATION_P2P))
			return vfm_mig_fail(m, "probe", &m->dev[i], -EOPNOTSUPP,
					    "lacks VFIO_MIGRATION_P2P: %u devices can only migrate together if all support P2P",
					    n);
	return 0;
}

void vfm_mig_shutdown(struct vfm_mig *m)
{
	unsigned int i;

	/*
	 * As a VM shutting down: every running P2P device stops initiating
	 * before any is closed, so no device goes away while a peer writes
	 * into it (P-5).
	 */
	for (i = 0; i < m->ndev; i++) {
		struct vfm_migdev *d = &m->dev[i];

		if (d->dev.fd >= 0 && (d->flags & VFIO_MIGRATION_P2P) &&
		    (d->state == VFIO_DEVICE_STATE_RUNNING || d->state == VFIO_DEVICE_STATE_PRE_COPY))
			vfm_set_state(&d->dev, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	}
	vfm_mig_close(m);
}

void vfm_mig_close(struct vfm_mig *m)
{
	unsigned int i;

	for (i = 0; i < m->ndev; i++) {
		struct vfm_migdev *d = &m->dev[i];

		if (d->data_fd >= 0)
			close(d->data_fd);
		d->data_fd = -1;
		vfm_device_close(&d->dev);
		free(d->arcs);
		d->arcs = NULL;
		free(d->events);
		d->events = NULL;
	}
	if (m->peer_report)
		json_object_put(m->peer_report);
	m->peer_report = NULL;
}

int vfm_mig_fail(struct vfm_mig *m, const char *step, const struct vfm_migdev *d, int err,
		 const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (err >= 0)
		err = -EIO;
	/* The first failure is the cause; later ones are consequences. */
	if (!m->err) {
		m->err = err;
		snprintf(m->step, sizeof(m->step), "%s", step);
		m->failed_dev = d ? (int)(d - m->dev) : -1;
		snprintf(m->error, sizeof(m->error), "%s%s%s (%s)", d ? d->dev.bdf : "",
			 d ? ": " : "", what, strerror(-err));
	}
	fprintf(stderr, "vfiomig: %s: %s%s%s: %s\n", m->role == VFM_SOURCE ? "source" : "destination",
		d ? d->dev.bdf : "", d ? ": " : "", what, strerror(-err));
	return err;
}

static struct vfm_arc *new_arc(struct vfm_migdev *d, uint32_t to, const char *phase)
{
	struct vfm_arc *a;

	if (d->narcs == d->arcs_cap) {
		unsigned int cap = d->arcs_cap ? 2 * d->arcs_cap : 16;
		struct vfm_arc *p = realloc(d->arcs, cap * sizeof(*p));

		if (!p)
			return NULL;
		d->arcs = p;
		d->arcs_cap = cap;
	}
	a = &d->arcs[d->narcs++];
	memset(a, 0, sizeof(*a));
	a->from = d->state;
	a->to = to;
	a->phase = phase;
	a->t0 = vfm_now_ns();
	return a;
}

int vfm_migdev_reset(struct vfm_migdev *d, const char *phase)
{
	struct vfm_arc *a = new_arc(d, VFIO_DEVICE_STATE_RUNNING, phase);
	int ret;

	if (!a)
		return -ENOMEM;
	if (d->data_fd >= 0)
		close(d->data_fd);
	d->data_fd = -1;
	ret = vfm_reset(&d->dev);
	a->t1 = vfm_now_ns();
	a->err = ret;
	a->how = ret ? VFM_REC_FAILED : VFM_REC_RESET;
	d->state = a->after = ret ? VFM_STATE_UNKNOWN : VFIO_DEVICE_STATE_RUNNING;
	vfm_migdev_note(d, VFM_EV_RESET, 0, ret);
	return ret;
}

int vfm_migdev_set(struct vfm_migdev *d, uint32_t to, uint32_t recover, const char *phase)
{
	struct vfm_set_outcome o;
	struct vfm_arc *a = new_arc(d, to, phase);
	int new_fd = -1;

	if (!a)
		return -ENOMEM;
	vfm_set_state_recover(&d->dev, to, recover, &new_fd, &o);
	a->t1 = vfm_now_ns();
	a->err = o.err;
	a->how = o.how;
	a->after = o.now;
	d->state = o.now;
	vfm_migdev_note_sess(d, VFM_EV_SET, 0, o.err, new_fd >= 0 ? d->sessions + 1 : 0);
	if (o.how == VFM_REC_RESET || o.how == VFM_REC_FAILED ||
	    (!mig_state_saving(o.now) && o.now != VFIO_DEVICE_STATE_RESUMING)) {
		/* The session is over: the fd would only read EOF or errors. */
		if (d->data_fd >= 0)
			close(d->data_fd);
		d->data_fd = -1;
	}
	if (new_fd >= 0) {
		/* One transfer fd per device (U-8): a second one means we lost track. */
		if (d->data_fd >= 0) {
			close(new_fd);
			vfm_err(d->dev.bdf, "SET %s returned a data_fd while one is open (out of sync)",
				vfm_state_name(to));
			return -EBADF;
		}
		d->data_fd = new_fd;
		d->sess = ++d->sessions;
	}
	return o.err;
}

void vfm_migdev_read_digest(struct vfm_migdev *d, uint64_t *out, bool *has)
{
	*has = d->mock && !vfm_mock_read(&d->dev, MOCK_REG_DIGEST, out);
}
