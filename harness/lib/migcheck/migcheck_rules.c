// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vfio-migcheck's evaluation: replays the events of every device in order,
 * tracking each device's state, and asks the shared rule predicates of
 * uapi/mock_vfio_rules.h (the ones the driver's monitor uses) whether each
 * step breaks a rule.  All devices of the input are taken as one VM.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "migcheck.h"

#define MC_MAX_PENDING	16	/* candidates per walk; a walk has at most 4 arcs */

struct mc_device {
	char name[MC_NAME_LEN];
	long long vm;		/* devices are compared only within one VM */
	uint32_t state;
	int at_eof;		/* the STOP_COPY stream was read to its end */
	int precopy_abandoned;	/* for S-2 */
	unsigned int sess;	/* the last session a SET started (harness reports) */
	/* its last STOP_COPY stream, and the stream it last committed. */
	unsigned long long stream_ns, loaded_ns;
	char loaded_from[MC_NAME_LEN];
	/* X-1 between paired QEMU traces: ran after STOP_COPY, after RESUMING */
	bool was_stop_copy, was_resuming, ran_after_stop_copy, ran_after_resuming;
	/*
	 * The state last requested (a QEMU trace's set_state), MC_STATE_UNKNOWN
	 * before any: a state reached that is not it is QEMU's reset after a
	 * failed SET (the device's state is lost), not the VMM's transition.
	 */
	uint32_t requested;
	const struct mc_event *last;		/* its last event */
	bool sess_resuming;	/* ... and whether it is a resuming one */
	/*
	 * Candidates from the arcs of a walk whose target is not known yet (a
	 * mock log prints the SET's target after its arcs): P-1 and U-11 are
	 * decided once it is.
	 */
	struct mc_pending {
		enum mig_rule rule;
		uint32_t cur, next, peer;
		int at_eof;
		char what[160];
		const struct mc_event *ev;
	} pending[MC_MAX_PENDING];
	unsigned int n_pending;
};

struct mc_state {
	struct mc_device *dev;
	size_t n;
	struct mc_result *res;
	bool obs[MIG_RULE_NR];	/* what the trace can show at all */
	bool compared;		/* two devices of one VM were ever compared (P-1, P-2) */
};

static struct mc_device *device(struct mc_state *st, const char *name)
{
	struct mc_device *d;
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(st->dev[i].name, name))
			return &st->dev[i];
	d = realloc(st->dev, (st->n + 1) * sizeof(*d));
	if (!d)
		return NULL;
	st->dev = d;
	d = &st->dev[st->n++];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->state = VFIO_DEVICE_STATE_RUNNING;	/* U-7: open and reset give RUNNING */
	d->requested = MC_STATE_UNKNOWN;
	return d;
}

static void breaks(struct mc_state *st, enum mig_rule rule, const struct mc_event *ev,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void breaks(struct mc_state *st, enum mig_rule rule, const struct mc_event *ev,
		   const char *fmt, ...)
{
	struct mc_rule_result *r = &st->res->rule[rule];
	char what[160];
	va_list ap;

	if (!st->obs[rule] || r->count++)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(r->first, sizeof(r->first), "%s: %s: %s", ev->where, what, ev->text);
}

static bool still_breaks(const struct mc_pending *p, uint32_t target)
{
	if (p->rule == MIG_RULE_P1)
		return mig_breaks_p1(p->next, p->peer, target);
	return mig_breaks_u11(p->cur, p->next, p->at_eof, target);
}

/* Decides @d's candidates now that the walk's @target is known. */
static void decide(struct mc_state *st, struct mc_device *d, uint32_t target)
{
	unsigned int i;

	for (i = 0; i < d->n_pending; i++)
		if (still_breaks(&d->pending[i], target))
			breaks(st, d->pending[i].rule, d->pending[i].ev, "%s", d->pending[i].what);
	d->n_pending = 0;
}

#define MC_TARGET_UNKNOWN	(~0u)

/* A rule that depends on the walk's target: count it, or keep it for later. */
static void candidate(struct mc_state *st, struct mc_device *d, const struct mc_pending *p,
		      uint32_t target)
{
	if (target != MC_TARGET_UNKNOWN) {
		if (still_breaks(p, target))
			breaks(st, p->rule, p->ev, "%s", p->what);
	} else if (d->n_pending < MC_MAX_PENDING) {
		d->pending[d->n_pending++] = *p;
	}
}

/*
 * @d starts running; the other half of a migration it took part in, in
 * another VM, runs too (the monitor's mock_fabric_check_split_brain()).
 */
static void split_brain(struct mc_state *st, const struct mc_device *d, uint32_t to,
			const struct mc_event *ev)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		const struct mc_device *p = &st->dev[i];
		bool is_src = d->loaded_from[0] && !strcmp(d->loaded_from, p->name) &&
			      d->loaded_ns == p->stream_ns;
		bool is_dst = d->stream_ns && !strcmp(p->loaded_from, d->name) &&
			      p->loaded_ns == d->stream_ns;

		if (p == d || !p->vm || !d->vm || p->vm == d->vm || !(is_src || is_dst) ||
		    !mig_breaks_x1(to, p->state))
			continue;
		breaks(st, MIG_RULE_X1, ev, "%s enters %s while %s, %s of its migration, is %s",
		       d->name, mig_state_name(to), p->name, is_src ? "the source" : "a destination",
		       mig_state_name(p->state));
	}
}

/*
 * @d enters @to on a walk to @target (MC_TARGET_UNKNOWN: not known yet):
 * the multi-device rules, S-2 and U-11.
 */
static void enter(struct mc_state *st, struct mc_device *d, uint32_t to, uint32_t target,
		  const struct mc_event *ev)
{
	/* Until the target is known, assume the one that breaks the most. */
	uint32_t worst = target == MC_TARGET_UNKNOWN ? VFIO_DEVICE_STATE_STOP : target;
	struct mc_pending c = { .cur = d->state, .next = to, .at_eof = d->at_eof, .ev = ev };
	size_t i;

	for (i = 0; i < st->n; i++) {
		struct mc_device *p = &st->dev[i];

		if (p == d || p->vm != d->vm || !d->vm)
			continue;
		st->compared = true;
		if (mig_breaks_p1(to, p->state, worst)) {
			c.rule = MIG_RULE_P1;
			c.peer = p->state;
			snprintf(c.what, sizeof(c.what), "%s enters %s while %s is %s", d->name,
				 mig_state_name(to), p->name, mig_state_name(p->state));
			candidate(st, d, &c, target);
		}
		if (mig_breaks_p2(to, p->state))
			breaks(st, MIG_RULE_P2, ev, "%s enters %s while %s is %s", d->name,
			       mig_state_name(to), p->name, mig_state_name(p->state));
	}
	if (mig_s2_track(d->state, to, &d->precopy_abandoned))
		breaks(st, MIG_RULE_S2, ev, "%s: STOP->STOP_COPY after a pre-copy left without STOP_COPY",
		       d->name);
	if (mig_breaks_u11(d->state, to, d->at_eof, worst)) {
		c.rule = MIG_RULE_U11;
		snprintf(c.what, sizeof(c.what), "%s leaves STOP_COPY for %s before reading to the end",
			 d->name, mig_state_name(to));
		candidate(st, d, &c, target);
	}
	if (to == VFIO_DEVICE_STATE_STOP_COPY && d->state != to)
		d->at_eof = 0;
	if (!mig_state_runs(d->state) && mig_state_runs(to))
		split_brain(st, d, to, ev);
	if (to == VFIO_DEVICE_STATE_RESUMING)
		d->loaded_from[0] = '\0';	/* the state it was loaded with is given up */
	if (ev->kind == MC_STATE && d->requested != MC_STATE_UNKNOWN && d->requested != to) {
		d->was_stop_copy = d->was_resuming = false;	/* reset: state lost */
	} else {
		d->ran_after_stop_copy |= d->was_stop_copy && mig_state_runs(to);
		d->ran_after_resuming |= d->was_resuming && mig_state_runs(to);
	}
	d->was_stop_copy |= to == VFIO_DEVICE_STATE_STOP_COPY;
	d->was_resuming |= to == VFIO_DEVICE_STATE_RESUMING;
	d->state = to;
}

/* Which rules this trace can show at all (a QEMU trace has no reads). */
static void observable(const struct mc_events *e, bool obs[MIG_RULE_NR])
{
	size_t i;

	memset(obs, 0, sizeof(bool) * MIG_RULE_NR);
	for (i = 0; i < e->n; i++) {
		switch (e->ev[i].kind) {
		case MC_ARC:
		case MC_STATE:
			obs[MIG_RULE_P1] = obs[MIG_RULE_P2] = obs[MIG_RULE_S2] = true;
			break;
		case MC_SET:
			obs[MIG_RULE_U2] = obs[MIG_RULE_U3] = true;
			if (e->ev[i].ret_known)
				obs[MIG_RULE_U14] = true;
			break;
		case MC_READ:
			obs[MIG_RULE_U9] = obs[MIG_RULE_U11] = true;
			break;
		case MC_WRITE:
			obs[MIG_RULE_U9] = true;
			break;
		case MC_PRECOPY_INFO:
			obs[MIG_RULE_U10] = true;
			break;
		case MC_P2P:
			obs[MIG_RULE_P5] = true;
			break;
		case MC_LOADED:
			obs[MIG_RULE_X1] = true;
			break;
		default:
			break;
		}
		if (e->ev[i].sess && e->ev[i].kind != MC_SET)
			obs[MIG_RULE_U8] = true;
	}
	/* U-11 needs the reads of a STOP_COPY session and the arc out of it. */
	obs[MIG_RULE_U11] = obs[MIG_RULE_U11] && obs[MIG_RULE_P1];
}

static int rule_by_id(const char *id)
{
	int r;

	for (r = 0; r < MIG_RULE_NR; r++)
		if (!strcmp(id, mig_rule_id(r)))
			return r;
	return -1;
}

/*
 * The device's live session for a read (saving) or a write (resuming), as a
 * harness report shows it: the last one a SET started, while the device is
 * still in a state of that transfer.  0: none.
 */
static unsigned int live_session(const struct mc_device *d, bool write)
{
	bool live = d->sess_resuming ? write && d->state == VFIO_DEVICE_STATE_RESUMING :
				       !write && mig_state_saving(d->state);

	return live ? d->sess : 0;
}

/* U-8: a data_fd of an older session used while a newer one is live. */
static void u8(struct mc_state *st, const struct mc_device *d, const struct mc_event *ev)
{
	unsigned int live;

	if (!ev->sess)
		return;
	live = ev->live_known ? ev->live : live_session(d, ev->kind == MC_WRITE);
	if (mig_breaks_u8(ev->sess, live))
		breaks(st, MIG_RULE_U8, ev, "%s: the data_fd of session %u used while session %u is live",
		       d->name, ev->sess, live);
}

static void step(struct mc_state *st, const struct mc_event *ev)
{
	struct mc_device *d = device(st, ev->dev), *p;
	int r;

	if (!d)
		return;
	d->last = ev;
	/* Only the arcs of one walk come before its set event. */
	if (ev->kind != MC_ARC && ev->kind != MC_SET)
		decide(st, d, d->state);
	switch (ev->kind) {
	case MC_RESET:
		d->vm = ev->vm;
		d->state = VFIO_DEVICE_STATE_RUNNING;
		d->at_eof = 0;
		d->precopy_abandoned = 0;
		d->stream_ns = d->loaded_ns = 0;
		d->loaded_from[0] = '\0';
		break;
	case MC_STREAM:
		d->stream_ns = ev->save_ns;
		break;
	case MC_LOADED:
		snprintf(d->loaded_from, sizeof(d->loaded_from), "%s", ev->peer);
		d->loaded_ns = ev->save_ns;
		break;
	case MC_ARC:
		if (d->state == MC_STATE_UNKNOWN)
			d->state = ev->from;	/* a truncated log: now it is known */
		if (ev->ret == 0)
			enter(st, d, ev->to, MC_TARGET_UNKNOWN, ev);
		break;
	case MC_STATE:
		enter(st, d, ev->to, ev->to, ev);
		/* A state the VMM settled in: running again ends an old pre-copy. */
		if (ev->to == VFIO_DEVICE_STATE_RUNNING)
			d->precopy_abandoned = 0;
		break;
	case MC_SET:
		d->requested = ev->to;
		decide(st, d, ev->to);
		if (mig_breaks_u2(ev->to))
			breaks(st, MIG_RULE_U2, ev, "%s: ERROR requested", d->name);
		if (mig_breaks_u3(d->state, ev->to))
			breaks(st, MIG_RULE_U3, ev, "%s: %s requested in STOP_COPY", d->name,
			       mig_state_name(ev->to));
		/* After the walk's arcs: the state it failed in. */
		if (ev->ret_known && mig_breaks_u14(d->state, ev->ret))
			breaks(st, MIG_RULE_U14, ev, "%s: leaving RESUMING for %s failed (%lld): "
			       "the stream was incomplete or rejected", d->name,
			       mig_state_name(ev->to), ev->ret);
		if (ev->ret == 0 && ev->to == VFIO_DEVICE_STATE_RUNNING && d->state == ev->to)
			d->precopy_abandoned = 0;
		if (ev->ret == 0 && ev->sess) {
			d->sess = ev->sess;
			d->sess_resuming = ev->to == VFIO_DEVICE_STATE_RESUMING;
		}
		break;
	case MC_READ:
	case MC_WRITE:
		u8(st, d, ev);
		if (d->state != MC_STATE_UNKNOWN && mig_breaks_u9(d->state, ev->kind == MC_WRITE))
			breaks(st, MIG_RULE_U9, ev, "%s: %s in %s", d->name,
			       ev->kind == MC_WRITE ? "write" : "read", mig_state_name(d->state));
		if (ev->kind == MC_READ && d->state == VFIO_DEVICE_STATE_STOP_COPY && ev->ret == 0)
			d->at_eof = 1;
		break;
	case MC_PRECOPY_INFO:
		u8(st, d, ev);
		if (d->state != MC_STATE_UNKNOWN && mig_breaks_u10(d->state))
			breaks(st, MIG_RULE_U10, ev, "%s: PRECOPY_INFO in %s", d->name,
			       mig_state_name(d->state));
		break;
	case MC_P2P:
		/*
		 * A peer without events of its own is added now, which may
		 * move the table: look the initiator up again (it is there).
		 */
		p = device(st, ev->peer);
		d = device(st, ev->dev);
		if (ev->dropped || (p && ev->writes && mig_breaks_p5(p->state)))
			breaks(st, MIG_RULE_P5, ev, "P2P from %s into %s (%s)", d->name, ev->peer,
			       p ? mig_state_name(p->state) : "?");
		break;
	case MC_VIOLATION:
		r = rule_by_id(ev->rule);
		if (r >= 0)
			st->res->rule[r].monitor++;
		break;
	}
}

int mc_pair_vms(struct mc_events *e)
{
	long long vm[2] = { 0, 0 };
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < e->n; i++) {
		long long v = e->ev[i].vm;

		if (e->ev[i].kind != MC_STATE && e->ev[i].kind != MC_SET)
			continue;
		if (v >= 0 || (n && vm[0] == v) || (n == 2 && vm[1] == v))
			continue;
		if (n == 2) {
			n = 3;
			break;
		}
		vm[n++] = v;
	}
	if (n != 2 || e->one_vm) {
		fprintf(stderr, "vfio-migcheck: --migration: needs the source's and then the destination's QEMU trace (or QMP log) of one migration, two VMs; these are %s\n",
			e->one_vm ? "--one-vm" : n < 2 ? "fewer" : "more");
		return -1;
	}
	e->src_vm = vm[0];
	e->dst_vm = vm[1];
	return 0;
}

/*
 * X-1 between the two QEMUs of one migration (--migration): a QEMU trace
 * has no stream identity and the two files no common clock, so what is
 * compared is what each side did: a source device that ran again after
 * STOP_COPY and a destination device that ran after RESUMING are two VMs
 * that ran the state of one migration, whenever each did (a source resumed
 * after its destination ran is as stale as one resumed beside it).  Where
 * they end says nothing: quitting a QEMU stops its devices.
 */
static void split_brain_vms(struct mc_state *st, const struct mc_events *e)
{
	const struct mc_device *src = NULL, *dst = NULL;
	size_t i;

	for (i = 0; i < st->n; i++) {
		const struct mc_device *d = &st->dev[i];

		if (d->vm == e->src_vm && d->ran_after_stop_copy)
			src = d;
		if (d->vm == e->dst_vm && d->ran_after_resuming)
			dst = d;
	}
	if (src && dst && src->last)
		breaks(st, MIG_RULE_X1, src->last,
		       "%s ran again after STOP_COPY, and %s ran what the destination loaded",
		       src->name, dst->name);
}

int mc_check(const struct mc_events *e, struct mc_result *res)
{
	struct mc_state st = { .res = res };
	int r, failed = 0;
	size_t i;

	memset(res, 0, sizeof(*res));
	observable(e, st.obs);
	st.obs[MIG_RULE_X1] |= e->src_vm && e->dst_vm;
	/*
	 * Every device is there from the start, RUNNING (U-7), so that the
	 * first device to stop is compared with all.  One whose trace begins
	 * with its open (a mock log) is in no VM until then; devices of traces
	 * without VMs (QEMU's) are in their file's (a negative number, set by
	 * mc_read_file(); -1 for events that did not come from a file).
	 */
	for (i = 0; i < e->n; i++) {
		const struct mc_event *ev = &e->ev[i];
		size_t n = st.n;
		struct mc_device *d = device(&st, ev->dev);

		if (d && st.n > n) {
			d->vm = ev->kind == MC_RESET ? 0 : ev->vm < 0 ? ev->vm : -1;
			/* Its open (reset) dropped: state and VM unknown. */
			if (e->file && ev->file < e->files && e->file[ev->file].truncated &&
			    ev->kind != MC_RESET) {
				d->state = MC_STATE_UNKNOWN;
				d->vm = 0;
			}
		}
	}
	for (i = 0; i < e->n; i++)
		step(&st, &e->ev[i]);
	for (i = 0; i < st.n; i++)
		decide(&st, &st.dev[i], st.dev[i].state);
	if (e->src_vm && e->dst_vm)
		split_brain_vms(&st, e);
	/* No two devices of one VM ever met: P-1 and P-2 were not checked. */
	if (!st.compared)
		st.obs[MIG_RULE_P1] = st.obs[MIG_RULE_P2] = false;
	for (r = 0; r < MIG_RULE_NR; r++) {
		struct mc_rule_result *rr = &res->rule[r];

		rr->verdict = rr->count ? MC_FAIL : st.obs[r] ? MC_PASS : MC_UNOBSERVED;
		failed += rr->verdict == MC_FAIL;
	}
	res->devices = st.n;
	res->events = e->n;
	free(st.dev);
	return failed;
}

static const char *const mc_verdict_name[] = {
	[MC_PASS] = "PASS", [MC_FAIL] = "FAIL", [MC_UNOBSERVED] = "n/a",
};

void mc_print(FILE *f, const struct mc_result *res)
{
	const char *const *verdict = mc_verdict_name;
	int r;

	fprintf(f, "%-5s %-7s %7s %7s  %s\n", "RULE", "VERDICT", "FOUND", "MONITOR",
		"FIRST OFFENDING EVENT");
	for (r = 0; r < MIG_RULE_NR; r++) {
		const struct mc_rule_result *rr = &res->rule[r];

		const char *why = rr->verdict == MC_FAIL ? rr->first :
				  rr->verdict == MC_UNOBSERVED ?
				  "(nothing in the trace shows this rule)" : NULL;

		fprintf(f, "%-5s %-7s %7u %7u%s%s\n", mig_rule_id(r), verdict[rr->verdict],
			rr->count, rr->monitor, why ? "  " : "", why ? why : "");
	}
	fprintf(f, "%u devices, %u events\n", res->devices, res->events);
}

int mc_print_json(FILE *f, const struct mc_result *res, const bool *expect)
{
	struct json_object *o = json_object_new_object(), *rules = json_object_new_array();
	const char *text;
	int r, ret = 0;

	if (!o || !rules) {
		json_object_put(o);
		json_object_put(rules);
		return -1;
	}
	for (r = 0; r < MIG_RULE_NR; r++) {
		const struct mc_rule_result *rr = &res->rule[r];
		struct json_object *j = json_object_new_object();

		if (!j || json_object_array_add(rules, j)) {
			json_object_put(j);
			ret = -1;
			break;
		}
		json_object_object_add(j, "rule", json_object_new_string(mig_rule_id(r)));
		json_object_object_add(j, "verdict",
				       json_object_new_string(mc_verdict_name[rr->verdict]));
		json_object_object_add(j, "found", json_object_new_int64(rr->count));
		json_object_object_add(j, "monitor", json_object_new_int64(rr->monitor));
		json_object_object_add(j, "first", rr->verdict == MC_FAIL ?
				       json_object_new_string(rr->first) : NULL);
		if (expect)
			json_object_object_add(j, "expected", json_object_new_string(
					       expect[r] ? "FAIL" : "not FAIL"));
	}
	json_object_object_add(o, "rules", rules);
	json_object_object_add(o, "devices", json_object_new_int64(res->devices));
	json_object_object_add(o, "events", json_object_new_int64(res->events));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	if (ret || !text || fprintf(f, "%s\n", text) < 0)
		ret = -1;
	json_object_put(o);
	return ret;
}
