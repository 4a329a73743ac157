// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Migration reports as JSON (json-c): one per side, and the whole
 * migration with the downtime, which needs both sides' clocks (one machine,
 * one CLOCK_MONOTONIC).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <linux/vfio.h>
#include <json-c/json.h>

#include "internal.h"
#include "vfiomig/migration.h"

static json_object *hex64(uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "0x%016" PRIx64, v);
	return json_object_new_string(s);
}

static json_object *flags_array(uint64_t flags)
{
	json_object *a = json_object_new_array();

	if (flags & VFIO_MIGRATION_STOP_COPY)
		json_object_array_add(a, json_object_new_string("STOP_COPY"));
	if (flags & VFIO_MIGRATION_P2P)
		json_object_array_add(a, json_object_new_string("P2P"));
	if (flags & VFIO_MIGRATION_PRE_COPY)
		json_object_array_add(a, json_object_new_string("PRE_COPY"));
	return a;
}

static json_object *arc_json(const struct vfm_arc *a)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "from", json_object_new_string(vfm_state_name(a->from)));
	json_object_object_add(o, "to", json_object_new_string(vfm_state_name(a->to)));
	json_object_object_add(o, "after", json_object_new_string(
		a->after == VFM_STATE_UNKNOWN ? "UNKNOWN" : vfm_state_name(a->after)));
	json_object_object_add(o, "phase", json_object_new_string(a->phase));
	json_object_object_add(o, "t0_ns", json_object_new_int64(a->t0));
	json_object_object_add(o, "t1_ns", json_object_new_int64(a->t1));
	json_object_object_add(o, "us", json_object_new_double((a->t1 - a->t0) / 1e3));
	json_object_object_add(o, "errno", json_object_new_int(-a->err));
	if (a->err)
		json_object_object_add(o, "recovery",
				       json_object_new_string(vfm_recovery_name(a->how)));
	return o;
}

static json_object *dev_json(const struct vfm_migdev *d)
{
	json_object *o = json_object_new_object(), *arcs = json_object_new_array();
	unsigned int i;

	json_object_object_add(o, "bdf", json_object_new_string(d->dev.bdf));
	json_object_object_add(o, "driver", json_object_new_string(d->driver));
	json_object_object_add(o, "migration_flags", flags_array(d->flags));
	json_object_object_add(o, "precopy", json_object_new_boolean(d->precopy));
	json_object_object_add(o, "rounds", json_object_new_int(d->rounds));
	json_object_object_add(o, "bytes_precopy", json_object_new_int64(d->bytes_precopy));
	json_object_object_add(o, "bytes_stop_copy", json_object_new_int64(d->bytes_stopcopy));
	json_object_object_add(o, "data_size", json_object_new_int64(d->data_size));
	json_object_object_add(o, "init_data_sent", json_object_new_boolean(d->init_sent));
	json_object_object_add(o, "state", json_object_new_string(
		d->state == VFM_STATE_UNKNOWN ? "UNKNOWN" : vfm_state_name(d->state)));
	if (d->peer[0])
		json_object_object_add(o, "peer", json_object_new_string(d->peer));
	json_object_object_add(o, "digest", d->has_digest ? hex64(d->digest) : NULL);
	if (d->has_restart_digest)
		json_object_object_add(o, "digest_after_rollback", hex64(d->restart_digest));
	/* The deliberately wrong call of a --misbehave mode: 0 accepted, else the errno. */
	if (d->misbehaved)
		json_object_object_add(o, "misbehave_errno", json_object_new_int(-d->misbehave_err));
	for (i = 0; i < d->narcs; i++)
		json_object_array_add(arcs, arc_json(&d->arcs[i]));
	json_object_object_add(o, "arcs", arcs);
	return o;
}

static const char *state_or_unknown(uint32_t s)
{
	return s == VFM_STATE_UNKNOWN ? "UNKNOWN" : vfm_state_name(s);
}

static json_object *event_json(const struct vfm_migdev *d, const struct vfm_event *e)
{
	static const char *const kind[] = {
		[VFM_EV_SET] = "set", [VFM_EV_RESET] = "reset", [VFM_EV_READ] = "read",
		[VFM_EV_WRITE] = "write", [VFM_EV_PRECOPY_INFO] = "precopy_info",
	};
	json_object *o = json_object_new_object();
	const struct vfm_arc *a = e->arc < d->narcs ? &d->arcs[e->arc] : NULL;

	json_object_object_add(o, "seq", json_object_new_int64(e->seq));
	json_object_object_add(o, "t_ns", json_object_new_int64(e->t));
	json_object_object_add(o, "dev", json_object_new_string(d->dev.bdf));
	json_object_object_add(o, "event", json_object_new_string(kind[e->kind]));
	switch (e->kind) {
	case VFM_EV_SET:
	case VFM_EV_RESET:
		if (!a)
			break;
		if (e->kind == VFM_EV_SET) {
			json_object_object_add(o, "from", json_object_new_string(
				state_or_unknown(a->from)));
			json_object_object_add(o, "to", json_object_new_string(
				state_or_unknown(a->to)));
		}
		json_object_object_add(o, "after", json_object_new_string(
			state_or_unknown(a->after)));
		json_object_object_add(o, "errno", json_object_new_int(-a->err));
		if (e->kind == VFM_EV_SET && a->err)
			json_object_object_add(o, "recovery", json_object_new_string(
				vfm_recovery_name(a->how)));
		if (e->sess)
			json_object_object_add(o, "new_session", json_object_new_int(e->sess));
		break;
	case VFM_EV_READ:
	case VFM_EV_WRITE:
		json_object_object_add(o, "calls", json_object_new_int(e->calls));
		json_object_object_add(o, "len", json_object_new_int64(e->len));
		/* fall through */
	case VFM_EV_PRECOPY_INFO:
		json_object_object_add(o, "ret", json_object_new_int64(e->ret));
		if (e->sess)
			json_object_object_add(o, "session", json_object_new_int(e->sess));
		break;
	}
	return o;
}

/* Every device's events merged in the order they happened (seq). */
static json_object *events_json(const struct vfm_mig *m)
{
	json_object *a = json_object_new_array();
	unsigned int pos[VFM_MAX_DEVICES] = { 0 }, i;

	for (;;) {
		const struct vfm_migdev *next = NULL;

		for (i = 0; i < m->ndev; i++) {
			const struct vfm_migdev *d = &m->dev[i];

			if (pos[i] < d->nevents && (!next ||
			    d->events[pos[i]].seq < next->events[pos[next - m->dev]].seq))
				next = d;
		}
		if (!next)
			return a;
		i = next - m->dev;
		json_object_array_add(a, event_json(next, &next->events[pos[i]++]));
	}
}

json_object *vfm_mig_side_report(const struct vfm_mig *m)
{
	json_object *o = json_object_new_object(), *devs = json_object_new_array();
	unsigned int i;

	json_object_object_add(o, "role", json_object_new_string(
		m->role == VFM_SOURCE ? "source" : "destination"));
	json_object_object_add(o, "ok", json_object_new_boolean(!m->err));
	if (m->err) {
		json_object_object_add(o, "step", json_object_new_string(m->step));
		json_object_object_add(o, "device", m->failed_dev >= 0 ?
			json_object_new_string(m->dev[m->failed_dev].dev.bdf) : NULL);
		json_object_object_add(o, "error", json_object_new_string(m->error));
		json_object_object_add(o, "errno", json_object_new_int(-m->err));
	}
	json_object_object_add(o, "rolled_back", json_object_new_boolean(m->rolled_back));
	if (m->rolled_back)
		json_object_object_add(o, "rollback_clean",
				       json_object_new_boolean(m->rollback_clean));
	json_object_object_add(o, "misbehave", json_object_new_string(
		vfm_misbehave_name(m->opts.misbehave)));
	json_object_object_add(o, "t_begin_ns", json_object_new_int64(m->t_begin));
	json_object_object_add(o, "t_end_ns", json_object_new_int64(m->t_end));
	if (m->role == VFM_SOURCE) {
		json_object_object_add(o, "t_stop_ns", json_object_new_int64(m->t_stop));
		json_object_object_add(o, "t_stopped_ns", json_object_new_int64(m->t_stopped));
		json_object_object_add(o, "t_complete_ns", json_object_new_int64(m->t_complete));
		json_object_object_add(o, "t_ack_ns", json_object_new_int64(m->t_ack));
		json_object_object_add(o, "rounds", json_object_new_int(m->rounds));
		json_object_object_add(o, "dirty_threshold",
				       json_object_new_int64(m->dirty_threshold));
		json_object_object_add(o, "switchover_reason", m->switchover_reason ?
			json_object_new_string(m->switchover_reason) : NULL);
	} else {
		json_object_object_add(o, "t_ack_ns", json_object_new_int64(m->t_ack));
		json_object_object_add(o, "t_running_ns", json_object_new_int64(m->t_running));
	}
	for (i = 0; i < m->ndev; i++)
		json_object_array_add(devs, dev_json(&m->dev[i]));
	json_object_object_add(o, "devices", devs);
	for (i = 0; i < m->ndev; i++)
		if (m->dev[i].events_lost)
			break;
	json_object_object_add(o, "events_complete", json_object_new_boolean(i == m->ndev));
	json_object_object_add(o, "events", events_json(m));
	if (m->ram)
		json_object_object_add(o, "ram", vfm_mig_ram_json(m));
	return o;
}

static int64_t get_i64(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/*
 * Guest RAM across both sides: the source's rounds and fallback, and
 * whether the destination found its RAM equal to the source's.
 */
static json_object *ram_pair(const struct vfm_mig *src, json_object *dst)
{
	json_object *o = vfm_mig_ram_json(src), *dr = NULL, *v;

	if (dst)
		json_object_object_get_ex(dst, "ram", &dr);
	json_object_object_add(o, "digest_destination", dr && get_str(dr, "local_digest") ?
			       json_object_new_string(get_str(dr, "local_digest")) : NULL);
	if (dr && json_object_object_get_ex(dr, "verified", &v) && json_object_get_boolean(v)) {
		json_object_object_get_ex(dr, "digest_equal", &v);
		json_object_object_add(o, "digest_equal", json_object_get(v));
		if (json_object_object_get_ex(dr, "first_diff_page", &v))
			json_object_object_add(o, "first_diff_page", json_object_get(v));
	} else {
		json_object_object_add(o, "digest_equal", NULL);
	}
	return o;
}

/*
 * The device a failed migration names: the destination's where its failure
 * failed the migration ("destination:STEP"), else the source's; null if none.
 */
static json_object *failed_device(const struct vfm_mig *src, json_object *dst)
{
	if (!strncmp(src->step, "destination:", strlen("destination:")))
		return dst && get_str(dst, "device") ?
		       json_object_new_string(get_str(dst, "device")) : NULL;
	return src->failed_dev >= 0 ? json_object_new_string(src->dev[src->failed_dev].dev.bdf) :
	       NULL;
}

json_object *vfm_mig_report(const struct vfm_mig *src, json_object *dst)
{
	json_object *o = json_object_new_object(), *pairs = json_object_new_array();
	json_object *dsts = NULL, *opts = json_object_new_object();
	int64_t t_running = dst ? get_i64(dst, "t_running_ns") : 0;
	bool ok = !src->err;
	unsigned int i;

	json_object_object_add(o, "result", json_object_new_string(ok ? "ok" : "failed"));
	if (!ok) {
		json_object_object_add(o, "step", json_object_new_string(src->step));
		json_object_object_add(o, "device", failed_device(src, dst));
		json_object_object_add(o, "error", json_object_new_string(src->error));
	}
	json_object_object_add(opts, "precopy", json_object_new_boolean(src->opts.precopy));
	json_object_object_add(opts, "max_rounds", json_object_new_int(src->opts.max_rounds));
	json_object_object_add(opts, "downtime_limit_ms",
			       json_object_new_int(src->opts.downtime_limit_ms));
	json_object_object_add(opts, "misbehave", json_object_new_string(
		vfm_misbehave_name(src->opts.misbehave)));
	json_object_object_add(o, "options", opts);
	/* First source device leaving RUNNING/PRE_COPY to last destination RUNNING. */
	if (ok && t_running && src->t_stop)
		json_object_object_add(o, "downtime_ms",
				       json_object_new_double((t_running - src->t_stop) / 1e6));
	json_object_object_add(o, "rounds", json_object_new_int(src->rounds));
	if (dst)
		json_object_object_get_ex(dst, "devices", &dsts);
	for (i = 0; i < src->ndev; i++) {
		const struct vfm_migdev *d = &src->dev[i];
		json_object *p = json_object_new_object(), *dd = NULL;
		const char *dd_digest = NULL;

		if (dsts && i < json_object_array_length(dsts))
			dd = json_object_array_get_idx(dsts, i);
		if (dd)
			dd_digest = get_str(dd, "digest");
		json_object_object_add(p, "source", json_object_new_string(d->dev.bdf));
		json_object_object_add(p, "destination", dd ?
			json_object_new_string(get_str(dd, "bdf")) : NULL);
		json_object_object_add(p, "rounds", json_object_new_int(d->rounds));
		json_object_object_add(p, "bytes_precopy", json_object_new_int64(d->bytes_precopy));
		json_object_object_add(p, "bytes_stop_copy", json_object_new_int64(d->bytes_stopcopy));
		json_object_object_add(p, "digest_source", d->has_digest ? hex64(d->digest) : NULL);
		json_object_object_add(p, "digest_destination", dd_digest ?
			json_object_new_string(dd_digest) : NULL);
		if (d->has_digest && dd_digest) {
			char s[24];

			snprintf(s, sizeof(s), "0x%016" PRIx64, d->digest);
			json_object_object_add(p, "digest_match",
					       json_object_new_boolean(!strcmp(s, dd_digest)));
		}
		if (d->has_restart_digest)
			json_object_object_add(p, "source_unchanged", json_object_new_boolean(
				d->has_digest && d->digest == d->restart_digest));
		if (d->state_lost)
			json_object_object_add(p, "source_state_lost", json_object_new_boolean(true));
		json_object_array_add(pairs, p);
	}
	json_object_object_add(o, "devices", pairs);
	if (src->ram)
		json_object_object_add(o, "ram", ram_pair(src, dst));
	json_object_object_add(o, "source", vfm_mig_side_report(src));
	json_object_object_add(o, "destination", dst ? json_object_get(dst) : NULL);
	return o;
}
