// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vfio-migcheck's reader of the harness's own report: the JSON that
 * `vfio-migrate migrate --json` writes (both sides) or one side's report,
 * whose "events" list (Documentation/harness.rst) says, in order, every SET
 * with the state it left the device in, every reset, data_fd read and write
 * and PRECOPY_INFO.  Each side is one VM.
 *
 * A SET becomes a request (MC_SET, for U-2 and U-3) and, when it moved the
 * device, the state it settled in (MC_STATE): the harness does not see the
 * single arcs of a walk, only where it ended, like QEMU's trace.  A
 * recovery by reset and a reset are MC_RESET, as in the mock's log: a reset
 * is not an arc, so it breaks no P-rule.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "migcheck.h"

struct hctx {
	const char *file;	/* for "where" */
	const char *side;	/* "source", "destination" */
	long long vm;
	struct mc_events *out;
	char *why;		/* MC_WHY_LEN bytes */
	char path[96];		/* the JSON path being read, for messages */
};

static int hfail(struct hctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int hfail(struct hctx *c, const char *fmt, ...)
{
	char what[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(c->why, MC_WHY_LEN, "%s: %s", c->path, what);
	return -1;
}

static const char *type_name(struct json_object *v)
{
	return v ? json_type_to_name(json_object_get_type(v)) : "null";
}

/* The member @key of @o, of @type; an error naming it otherwise. */
static int member(struct hctx *c, struct json_object *o, const char *key, enum json_type type,
		  struct json_object **v)
{
	size_t len = strlen(c->path);
	int ret = 0;

	snprintf(c->path + len, sizeof(c->path) - len, ".%s", key);
	if (!json_object_object_get_ex(o, key, v))
		ret = hfail(c, "missing");
	else if (!json_object_is_type(*v, type))
		ret = hfail(c, "expected %s, got %s", json_type_to_name(type), type_name(*v));
	if (!ret)
		c->path[len] = '\0';
	return ret;
}

static int member_int(struct hctx *c, struct json_object *o, const char *key, long long *n)
{
	struct json_object *v;

	if (member(c, o, key, json_type_int, &v))
		return -1;
	*n = json_object_get_int64(v);
	return 0;
}

/* An optional data transfer session number: 0 when absent. */
static int member_session(struct hctx *c, struct json_object *o, const char *key,
			  unsigned int *sess)
{
	long long n;

	*sess = 0;
	if (!json_object_object_get_ex(o, key, NULL))
		return 0;
	if (member_int(c, o, key, &n))
		return -1;
	if (n < 1 || n > UINT32_MAX)
		return hfail(c, "%s %lld is not a session number (1..%u)", key, n, UINT32_MAX);
	*sess = n;
	return 0;
}

/* A state by name; "UNKNOWN" (after a failed recovery) if @unknown_ok. */
static int member_state(struct hctx *c, struct json_object *o, const char *key, uint32_t *state,
			bool unknown_ok)
{
	struct json_object *v;
	const char *s;
	size_t len = strlen(c->path);

	if (member(c, o, key, json_type_string, &v))
		return -1;
	s = json_object_get_string(v);
	if (unknown_ok && !strcmp(s, "UNKNOWN")) {
		*state = MC_STATE_UNKNOWN;
		return 0;
	}
	for (*state = 0; *state <= VFIO_DEVICE_STATE_PRE_COPY_P2P; (*state)++)
		if (!strcmp(s, mig_state_name(*state)))
			return 0;
	snprintf(c->path + len, sizeof(c->path) - len, ".%s", key);
	return hfail(c, "\"%s\" is not a migration state", s);
}

static int emit(struct hctx *c, struct mc_event *ev, enum mc_kind kind, const char *text)
{
	size_t flen = strlen(c->file);

	ev->kind = kind;
	/* The file's name is its end: keep that of a long path. */
	snprintf(ev->where, sizeof(ev->where), "%s%s:%.38s", flen > 40 ? "..." : "",
		 flen > 40 ? c->file + flen - 37 : c->file, c->path);
	snprintf(ev->text, sizeof(ev->text), "%s", text);
	if (mc_events_push(c->out, ev))
		return hfail(c, "out of memory");
	return 0;
}

static int one_event(struct hctx *c, struct json_object *e, const char *const *devs, size_t ndev)
{
	const char *text = json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN);
	struct json_object *v;
	struct mc_event ev;
	const char *kind;
	long long n, err;
	uint32_t from, after;
	size_t i;

	memset(&ev, 0, sizeof(ev));
	if (!json_object_is_type(e, json_type_object))
		return hfail(c, "expected an object, got %s", type_name(e));
	if (member(c, e, "dev", json_type_string, &v))
		return -1;
	snprintf(ev.dev, sizeof(ev.dev), "%s", json_object_get_string(v));
	for (i = 0; i < ndev && strcmp(devs[i], ev.dev); i++)
		;
	if (i == ndev)
		return hfail(c, "dev \"%s\" is not one of the %s's devices", ev.dev, c->side);
	if (member(c, e, "event", json_type_string, &v))
		return -1;
	kind = json_object_get_string(v);
	ev.vm = c->vm;
	if (!strcmp(kind, "set")) {
		if (member_state(c, e, "from", &from, true) ||
		    member_state(c, e, "to", &ev.to, false) ||
		    member_state(c, e, "after", &after, true) || member_int(c, e, "errno", &err) ||
		    member_session(c, e, "new_session", &ev.sess))
			return -1;
		ev.ret = -err;
		ev.ret_known = true;
		if (emit(c, &ev, MC_SET, text))
			return -1;
		/* A recovery by reset: the device is RUNNING, by a reset. */
		if (json_object_object_get_ex(e, "recovery", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    !strcmp(json_object_get_string(v), "reset") &&
		    after == VFIO_DEVICE_STATE_RUNNING)
			return emit(c, &ev, MC_RESET, text);
		if (after == MC_STATE_UNKNOWN || after == from)
			return 0;
		ev.to = after;
		return emit(c, &ev, MC_STATE, text);
	}
	if (!strcmp(kind, "reset")) {
		if (member_int(c, e, "errno", &err))
			return -1;
		/* A failed reset leaves the state unknown: nothing to replay. */
		return err ? 0 : emit(c, &ev, MC_RESET, text);
	}
	if (!strcmp(kind, "read") || !strcmp(kind, "write")) {
		if (member_int(c, e, "len", &n) || member_int(c, e, "ret", &ev.ret) ||
		    member_session(c, e, "session", &ev.sess))
			return -1;
		if (n < 0)
			return hfail(c, "len %lld is negative", n);
		ev.len = n;
		return emit(c, &ev, kind[0] == 'r' ? MC_READ : MC_WRITE, text);
	}
	if (!strcmp(kind, "precopy_info")) {
		if (member_int(c, e, "ret", &ev.ret) || member_session(c, e, "session", &ev.sess))
			return -1;
		return emit(c, &ev, MC_PRECOPY_INFO, text);
	}
	return hfail(c, "unknown event \"%s\"", kind);
}

/* One side: its devices (opened RUNNING, U-7), then its events in order. */
static int one_side(struct hctx *c, struct json_object *side)
{
	struct json_object *devs, *events, *v;
	const char *names[64];
	struct mc_event ev;
	long long seq, last = -1;
	size_t i, n, len;

	if (!json_object_is_type(side, json_type_object))
		return hfail(c, "expected an object, got %s", type_name(side));
	if (member(c, side, "devices", json_type_array, &devs))
		return -1;
	n = json_object_array_length(devs);
	if (n > sizeof(names) / sizeof(names[0]))
		return hfail(c, "%zu devices, at most %zu", n, sizeof(names) / sizeof(names[0]));
	len = strlen(c->path);
	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(devs, i);

		snprintf(c->path + len, sizeof(c->path) - len, ".devices[%zu]", i);
		if (!json_object_is_type(d, json_type_object))
			return hfail(c, "expected an object, got %s", type_name(d));
		if (member(c, d, "bdf", json_type_string, &v))
			return -1;
		names[i] = json_object_get_string(v);
		memset(&ev, 0, sizeof(ev));
		snprintf(ev.dev, sizeof(ev.dev), "%s", names[i]);
		ev.vm = c->vm;
		if (emit(c, &ev, MC_RESET, "(opened)"))
			return -1;
	}
	c->path[len] = '\0';
	if (json_object_object_get_ex(side, "events_complete", &v) && !json_object_get_boolean(v))
		return hfail(c, "%s",
			     "events_complete is false: the harness could not record every event");
	if (!json_object_object_get_ex(side, "events", &v))
		return hfail(c, "no \"events\" (a report of a harness without the event list)");
	if (member(c, side, "events", json_type_array, &events))
		return -1;
	for (i = 0; i < json_object_array_length(events); i++) {
		struct json_object *e = json_object_array_get_idx(events, i);

		snprintf(c->path + len, sizeof(c->path) - len, ".events[%zu]", i);
		if (json_object_is_type(e, json_type_object)) {
			if (member_int(c, e, "seq", &seq))
				return -1;
			if (seq <= last)
				return hfail(c, "seq %lld after %lld: not in order", seq, last);
			last = seq;
		}
		if (one_event(c, e, names, n))
			return -1;
	}
	c->path[len] = '\0';
	return 0;
}

int mc_parse_harness(const char *file, const char *text, struct mc_events *out, char *why)
{
	static const char *const sides[] = { "source", "destination" };
	struct hctx c = { .file = file, .out = out, .why = why };
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o, *side, *role;
	int ret = 0;
	size_t i, end;

	if (!tok) {
		snprintf(why, MC_WHY_LEN, "out of memory");
		return -1;
	}
	o = json_tokener_parse_ex(tok, text, strlen(text));
	end = json_tokener_get_parse_end(tok);
	if (o && !json_object_is_type(o, json_type_object)) {
		snprintf(why, MC_WHY_LEN, "top level: expected an object, got %s", type_name(o));
		ret = -1;
		goto out;
	}
	if (!o || text[end + strspn(text + end, " \t\r\n")]) {
		snprintf(why, MC_WHY_LEN, "not one JSON document: %s at byte %zu",
			 o ? "trailing data" :
			 json_tokener_get_error(tok) == json_tokener_continue ? "it ends early" :
			 json_tokener_error_desc(json_tokener_get_error(tok)), end);
		ret = -1;
		goto out;
	}
	if (json_object_object_get_ex(o, "source", &side)) {
		/* vfio-migrate migrate --json: both sides, each its own VM. */
		for (i = 0; i < 2 && !ret; i++) {
			if (!json_object_object_get_ex(o, sides[i], &side) || !side)
				continue;	/* a save to a file has no destination */
			c.side = sides[i];
			c.vm = i + 1;
			snprintf(c.path, sizeof(c.path), "%s", sides[i]);
			ret = one_side(&c, side);
		}
	} else if (json_object_object_get_ex(o, "role", &role) &&
		   json_object_is_type(role, json_type_string)) {
		/* One side's report (a destination's result, for example). */
		c.side = json_object_get_string(role);
		c.vm = 1;
		snprintf(c.path, sizeof(c.path), "%.40s", c.side);
		ret = one_side(&c, o);
	} else {
		snprintf(why, MC_WHY_LEN,
			 "top level: neither a migration report (\"source\") nor a side's (\"role\")");
		ret = -1;
	}
out:
	json_object_put(o);
	json_tokener_free(tok);
	return ret;
}

bool mc_looks_harness(const char *text)
{
	struct json_object *o, *v;
	bool yes;

	if (text[strspn(text, " \t\r\n")] != '{')
		return false;
	o = json_tokener_parse(text);
	yes = o && json_object_is_type(o, json_type_object) &&
	      (json_object_object_get_ex(o, "source", &v) ||
	       (json_object_object_get_ex(o, "role", &v) &&
		json_object_object_get_ex(o, "devices", &v)));
	json_object_put(o);
	return yes;
}
