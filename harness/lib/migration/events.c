// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The harness's own event list: every SET, reset, data_fd read and write
 * and PRECOPY_INFO, per device, in one order across devices, so the
 * report says enough for vfio-migcheck to evaluate the VMM-side rules on
 * what the harness did (Documentation/harness.rst, "Event list").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The source and the destination are processes of their own; atomic anyway. */
static uint64_t vfm_event_seq;

void vfm_migdev_note(struct vfm_migdev *d, enum vfm_ev_kind kind, uint64_t len, int64_t ret)
{
	bool data = kind == VFM_EV_READ || kind == VFM_EV_WRITE || kind == VFM_EV_PRECOPY_INFO;

	vfm_migdev_note_sess(d, kind, len, ret, data ? d->sess : 0);
}

void vfm_migdev_note_sess(struct vfm_migdev *d, enum vfm_ev_kind kind, uint64_t len, int64_t ret,
			unsigned int sess)
{
	int saved = errno;
	struct vfm_event *e = d->nevents ? &d->events[d->nevents - 1] : NULL;

	/* Consecutive transfers that moved data: one event. */
	if (e && e->kind == kind && (kind == VFM_EV_READ || kind == VFM_EV_WRITE) &&
	    e->ret > 0 && ret > 0 && e->sess == sess) {
		e->calls++;
		e->len += len;
		e->ret += ret;
		goto out;
	}
	if (d->nevents == d->events_cap) {
		unsigned int cap = d->events_cap ? 2 * d->events_cap : 32;
		struct vfm_event *p = realloc(d->events, cap * sizeof(*p));

		if (!p) {
			d->events_lost = true;	/* the report says so */
			goto out;
		}
		d->events = p;
		d->events_cap = cap;
	}
	e = &d->events[d->nevents++];
	memset(e, 0, sizeof(*e));
	e->seq = __atomic_fetch_add(&vfm_event_seq, 1, __ATOMIC_RELAXED);
	e->t = vfm_now_ns();
	e->kind = kind;
	e->arc = d->narcs ? d->narcs - 1 : 0;
	e->calls = 1;
	e->len = len;
	e->ret = ret;
	e->sess = sess;
out:
	errno = saved;
}
