// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vfio-migcheck's trace parsers: one line in, one event out.
 *
 *   mock  mock-vfio-pci's debugfs events (Documentation/monitor.rst):
 *         "SEQ TIME_NS DEVICE EVENT key=value ..."
 *   qemu  QEMU's -trace output, log backend, with or without the
 *         "PID@SEC.USEC:" prefix: vfio_migration_set_state (a request) and
 *         vfio_migration_set_device_state (the state reached)
 *   qmp   QMP output, one JSON object per line: VFIO_MIGRATION events
 *         (device-id and device-state); replies and other events carry none
 *   harness  the harness's JSON report, read whole (migcheck_harness.c)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "migcheck.h"

static const char *const format_names[MC_FMT_NR] = {
	[MC_FMT_AUTO] = "auto", [MC_FMT_MOCK] = "mock",
	[MC_FMT_QEMU] = "qemu", [MC_FMT_QMP] = "qmp", [MC_FMT_HARNESS] = "harness",
};

const char *mc_format_name(enum mc_format f)
{
	return f < MC_FMT_NR ? format_names[f] : "invalid";
}

enum mc_format mc_format_parse(const char *name)
{
	int f;

	for (f = 0; f < MC_FMT_NR; f++)
		if (!strcmp(name, format_names[f]))
			return f;
	return MC_FMT_NR;
}

static int fail(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, 128, fmt, ap);
	va_end(ap);
	return -1;
}

/* A state by its uAPI name (as both the driver and QEMU print them). */
static int state_by_name(const char *name, uint32_t *state)
{
	uint32_t s;

	for (s = 0; s <= VFIO_DEVICE_STATE_PRE_COPY_P2P; s++)
		if (!strcmp(name, mig_state_name(s))) {
			*state = s;
			return 0;
		}
	return -1;
}

/* The value of "key=" in a line of "key=value" words, copied to @val. */
static int kv(const char *words, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key);
	const char *p = words;

	while ((p = strstr(p, key))) {
		if ((p == words || p[-1] == ' ') && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, " \n");

			if (n == 0 || n >= size)
				return -1;
			memcpy(val, p + klen + 1, n);
			val[n] = '\0';
			return 0;
		}
		p += klen;
	}
	return -1;
}

static int kv_state(const char *words, const char *key, uint32_t *state, char *why)
{
	char v[32];

	if (kv(words, key, v, sizeof(v)))
		return fail(why, "no %s=", key);
	if (state_by_name(v, state))
		return fail(why, "%s=%s is not a migration state", key, v);
	return 0;
}

static int kv_num(const char *words, const char *key, long long *num, char *why)
{
	char v[32], *end;

	if (kv(words, key, v, sizeof(v)))
		return fail(why, "no %s=", key);
	errno = 0;
	*num = strtoll(v, &end, 10);
	if (errno || *end)
		return fail(why, "%s=%s is not a number", key, v);
	return 0;
}

/* An optional KEY=N: 0 and @num untouched when absent. */
static int kv_num_opt(const char *words, const char *key, long long *num, bool *present,
		      char *why)
{
	char v[32];

	*present = !kv(words, key, v, sizeof(v));
	return *present ? kv_num(words, key, num, why) : 0;
}

static int parse_mock(const char *line, struct mc_event *ev, char *why)
{
	char event[24];
	unsigned long long seq, t;
	long long n;
	int off = 0;

	if (strspn(line, " \t\n") == strlen(line))
		return 0;
	if (sscanf(line, "%llu %llu %63s %23s %n", &seq, &t, ev->dev, event, &off) != 4 || !off)
		return fail(why, "not \"SEQ TIME_NS DEVICE EVENT ...\"");
	ev->seq = seq;
	line += off;
	if (!strcmp(event, "arc")) {
		ev->kind = MC_ARC;
		if (kv_state(line, "from", &ev->from, why) || kv_state(line, "to", &ev->to, why) ||
		    kv_num(line, "ret", &ev->ret, why))
			return -1;
	} else if (!strcmp(event, "set")) {
		ev->kind = MC_SET;
		if (kv_state(line, "to", &ev->to, why) || kv_num(line, "ret", &ev->ret, why))
			return -1;
		ev->ret_known = true;
	} else if (!strcmp(event, "read") || !strcmp(event, "write") ||
		   !strcmp(event, "precopy_info")) {
		ev->kind = event[0] == 'r' ? MC_READ : event[0] == 'w' ? MC_WRITE : MC_PRECOPY_INFO;
		long long sess = 0, live = 0;
		bool has_sess, has_live;

		if (kv_num(line, "len", &n, why) || kv_num(line, "ret", &ev->ret, why) ||
		    kv_num_opt(line, "sess", &sess, &has_sess, why) ||
		    kv_num_opt(line, "live", &live, &has_live, why))
			return -1;
		if (has_sess != has_live || sess < 0 || sess > UINT32_MAX || live < 0 ||
		    live > UINT32_MAX)
			return fail(why, "sess= and live= go together, each 0..%u", UINT32_MAX);
		ev->len = n;
		ev->sess = sess;
		ev->live = live;
		ev->live_known = has_live;
	} else if (!strcmp(event, "p2p")) {
		ev->kind = MC_P2P;
		if (kv(line, "peer", ev->peer, sizeof(ev->peer)))
			return fail(why, "no peer=");
		if (kv_num(line, "writes", &n, why))
			return -1;
		ev->writes = n;
		if (kv_num(line, "dropped", &n, why))
			return -1;
		ev->dropped = n;
	} else if (!strcmp(event, "reset")) {
		ev->kind = MC_RESET;
		ev->vm = -1;	/* logs of before the driver printed vm= */
		if (strstr(line, "vm=") && kv_num(line, "vm", &ev->vm, why))
			return -1;
	} else if (!strcmp(event, "violation")) {
		ev->kind = MC_VIOLATION;
		if (kv(line, "rule", ev->rule, sizeof(ev->rule)))
			return fail(why, "no rule=");
	} else if (!strcmp(event, "stream") || !strcmp(event, "loaded")) {
		ev->kind = event[0] == 's' ? MC_STREAM : MC_LOADED;
		if (ev->kind == MC_LOADED && kv(line, "source", ev->peer, sizeof(ev->peer)))
			return fail(why, "no source=");
		if (kv_num(line, "save_ns", &n, why))
			return -1;
		if (n <= 0)
			return fail(why, "save_ns=%lld is not a time", n);
		ev->save_ns = n;
	} else if (!strcmp(event, "fault")) {
		return 0;	/* injected faults are the device's business */
	} else {
		return fail(why, "unknown event \"%s\"", event);
	}
	return 1;
}

/* "name  (dev) rest": the two QEMU events we read, 0 for any other. */
static int parse_qemu(const char *line, struct mc_event *ev, char *why)
{
	static const char set_state[] = "vfio_migration_set_state";
	static const char dev_state[] = "vfio_migration_set_device_state";
	char name[64], s1[32], s2[32];
	const char *colon = strchr(line, ':');
	int pid, off = 0;
	size_t sec, usec;

	/* The optional "PID@SEC.USEC:" prefix. */
	if (colon && sscanf(line, "%d@%zu.%zu:%n", &pid, &sec, &usec, &off) == 3 && off) {
		line += off;
		ev->t_us = sec * 1000000ULL + usec;
	}
	if (sscanf(line, "%63s", name) != 1)
		return 0;
	if (strcmp(name, set_state) && strcmp(name, dev_state))
		return 0;
	line += strlen(name);
	if (sscanf(line, " (%63[^)]) %n", ev->dev, &off) != 1 || !off)
		return fail(why, "%s without \"(device)\"", name);
	line += off;
	if (!strcmp(name, dev_state)) {
		ev->kind = MC_STATE;
		if (sscanf(line, "state %31s", s1) != 1)
			return fail(why, "%s without \"state NAME\"", name);
		if (state_by_name(s1, &ev->to))
			return fail(why, "\"%s\" is not a migration state", s1);
		return 1;
	}
	ev->kind = MC_SET;
	ev->ret = 0;	/* QEMU traces the request before making it */
	if (sscanf(line, "new state %31[^,], recover state %31s", s1, s2) != 2)
		return fail(why, "%s without \"new state NAME, recover state NAME\"", name);
	if (state_by_name(s1, &ev->to))
		return fail(why, "\"%s\" is not a migration state", s1);
	return 1;
}

/* QAPI's VfioMigrationState names: "running-p2p" for RUNNING_P2P. */
static int state_by_qapi_name(const char *name, uint32_t *state)
{
	char up[32];
	size_t i;

	if (strlen(name) >= sizeof(up))
		return -1;
	for (i = 0; name[i]; i++)
		up[i] = name[i] == '-' ? '_' : (name[i] >= 'a' && name[i] <= 'z' ?
						 name[i] - 'a' + 'A' : name[i]);
	up[i] = '\0';
	return state_by_name(up, state);
}

static int parse_qmp(const char *line, struct mc_event *ev, char *why)
{
	struct json_object *o, *data, *v;
	int ret = 0;

	if (strspn(line, " \t\r\n") == strlen(line))
		return 0;
	o = json_tokener_parse(line);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return fail(why, "not a JSON object");
	}
	/* A member that is JSON null is no object (v NULL): as if absent. */
	if (!json_object_object_get_ex(o, "event", &v) || !v ||
	    strcmp(json_object_get_string(v), "VFIO_MIGRATION"))
		goto out;	/* a reply, a greeting or another event */
	if (!json_object_object_get_ex(o, "data", &data) ||
	    !json_object_object_get_ex(data, "device-id", &v) || !v) {
		ret = fail(why, "VFIO_MIGRATION without data.device-id");
		goto out;
	}
	snprintf(ev->dev, sizeof(ev->dev), "%s", json_object_get_string(v));
	if (!json_object_object_get_ex(data, "device-state", &v) || !v) {
		ret = fail(why, "VFIO_MIGRATION without data.device-state");
		goto out;
	}
	/*
	 * QEMU 11.0+: "about to enter" PRE_COPY_P2P, sent before the arc is
	 * tried; it may be followed by a failed transition.  No state change.
	 */
	if (!strcmp(json_object_get_string(v), "pre-copy-p2p-prepare"))
		goto out;
	if (state_by_qapi_name(json_object_get_string(v), &ev->to)) {
		ret = fail(why, "device-state \"%s\" is not a migration state",
			   json_object_get_string(v));
		goto out;
	}
	if (json_object_object_get_ex(o, "timestamp", &v) && v) {
		struct json_object *sec, *usec;

		if (json_object_object_get_ex(v, "seconds", &sec) &&
		    json_object_object_get_ex(v, "microseconds", &usec) &&
		    json_object_get_int64(sec) > 0 && json_object_get_int64(usec) >= 0)
			ev->t_us = json_object_get_int64(sec) * 1000000ULL +
				   json_object_get_int64(usec);
	}
	ev->kind = MC_STATE;
	ret = 1;
out:
	json_object_put(o);
	return ret;
}

int mc_parse_line(enum mc_format fmt, const char *line, struct mc_event *ev, char *why)
{
	size_t n = strcspn(line, "\n");

	memset(ev, 0, sizeof(*ev));
	snprintf(ev->text, sizeof(ev->text), "%.*s", (int)n, line);
	switch (fmt) {
	case MC_FMT_MOCK:
		return parse_mock(line, ev, why);
	case MC_FMT_QEMU:
		return parse_qemu(line, ev, why);
	case MC_FMT_QMP:
		return parse_qmp(line, ev, why);
	default:
		return fail(why, "no format");
	}
}

enum mc_format mc_sniff(const char *line)
{
	unsigned long long a, b;
	char c;

	if (line[strspn(line, " \t")] == '{')
		return MC_FMT_QMP;
	if (strstr(line, "vfio_") || strchr(line, '@'))
		return MC_FMT_QEMU;
	if (sscanf(line, "%llu %llu %c", &a, &b, &c) == 3)
		return MC_FMT_MOCK;
	return MC_FMT_NR;
}

int mc_events_push(struct mc_events *out, const struct mc_event *ev)
{
	if (out->n == out->cap) {
		size_t cap = out->cap ? 2 * out->cap : 256;
		struct mc_event *p = realloc(out->ev, cap * sizeof(*p));

		if (!p)
			return -1;
		out->ev = p;
		out->cap = cap;
	}
	out->ev[out->n++] = *ev;
	return 0;
}

/* The whole file, NUL-terminated; NULL after a message. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n;
	struct stat st;

	*len = 0;
	if (!f) {
		fprintf(stderr, "vfio-migcheck: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "vfio-migcheck: %s: a directory, not a trace file\n", path);
		fclose(f);
		return NULL;
	}
	do {
		if (cap - *len < 65536 + 1) {
			char *p = realloc(buf, cap = 2 * cap + 65536 + 1);

			if (!p) {
				fprintf(stderr, "vfio-migcheck: %s: out of memory\n", path);
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		n = fread(buf + *len, 1, cap - *len - 1, f);
		*len += n;
	} while (n);
	if (ferror(f)) {
		fprintf(stderr, "vfio-migcheck: %s: read error\n", path);
		free(buf);
		buf = NULL;
	} else if (memchr(buf, '\0', *len)) {
		fprintf(stderr, "vfio-migcheck: %s: a binary file, not a trace\n", path);
		free(buf);
		buf = NULL;
	} else {
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

/*
 * What a file of format @fmt must hold at least one of: a file without any
 * is not a trace we can check (an empty file, the wrong file, a QEMU trace
 * recorded without the set-state events), and reporting "no violation" for
 * it would be a false pass.
 */
static const char *const expected_events[MC_FMT_NR] = {
	[MC_FMT_AUTO] = "a mock-vfio-pci event, a QEMU vfio_migration_set_state trace event "
			"or a QMP VFIO_MIGRATION event",
	[MC_FMT_MOCK] = "a mock-vfio-pci event line (from /sys/kernel/debug/mock-vfio-pci/events)",
	[MC_FMT_QEMU] = "a vfio_migration_set_state or vfio_migration_set_device_state event "
			"(record with -trace 'vfio_migration*')",
	[MC_FMT_QMP] = "a VFIO_MIGRATION event (the device needs migration-events=on)",
};

/*
 * An event of a trace that does not say its VM (QEMU's, QMP's): the VM of
 * its file, a negative number (mock logs' VMs are positive), and from the
 * second file on a device name that says the file.
 */
static void own_vm(const struct mc_events *out, const char *path, struct mc_event *ev)
{
	const char *base = strrchr(path, '/');
	char name[MC_NAME_LEN];

	if (out->one_vm || !out->files) {
		ev->vm = -1;
		return;
	}
	ev->vm = -1 - (long long)out->files;
	/* Device names in traces are short (a PCI address, a sysfs name). */
	snprintf(name, sizeof(name), "%.24s:%.38s", base ? base + 1 : path, ev->dev);
	snprintf(ev->dev, sizeof(ev->dev), "%s", name);
}

/* Room for the file being read, out->file[out->files]. */
static int add_file(struct mc_events *out, const char *path)
{
	struct mc_file *p = realloc(out->file, (out->files + 1) * sizeof(*p));

	if (!p) {
		fprintf(stderr, "vfio-migcheck: %s: out of memory\n", path);
		return -1;
	}
	out->file = p;
	snprintf(p[out->files].path, sizeof(p->path), "%s", path);
	p[out->files].fmt = MC_FMT_AUTO;
	p[out->files].truncated = false;
	return 0;
}

int mc_read_file(const char *path, enum mc_format fmt, bool allow_empty,
		 struct mc_events *out)
{
	char *line = NULL, why[MC_WHY_LEN], *text;
	size_t size = 0, len;
	unsigned long lineno = 0;
	struct mc_event ev;
	int ret = 0, r;
	FILE *f;
	const size_t before = out->n;

	text = slurp(path, &len);
	if (!text)
		return -1;
	if (add_file(out, path)) {
		free(text);
		return -1;
	}
	if (fmt == MC_FMT_HARNESS || (fmt == MC_FMT_AUTO && mc_looks_harness(text))) {
		ret = mc_parse_harness(path, text, out, why);
		if (ret)
			fprintf(stderr, "vfio-migcheck: %s: harness report: %s\n", path, why);
		for (size_t i = before; i < out->n; i++)
			out->ev[i].file = out->files;
		free(text);
		out->file[out->files++].fmt = MC_FMT_HARNESS;
		return ret;
	}
	f = fmemopen(text, len ? len : 1, "r");
	if (!f) {
		fprintf(stderr, "vfio-migcheck: %s: %s\n", path, strerror(errno));
		free(text);
		return -1;
	}
	while (getline(&line, &size, f) >= 0) {
		lineno++;
		if (fmt == MC_FMT_AUTO) {
			fmt = mc_sniff(line);
			if (fmt == MC_FMT_NR) {
				fmt = MC_FMT_AUTO;
				continue;	/* nothing recognisable yet */
			}
		}
		r = mc_parse_line(fmt, line, &ev, why);
		if (r < 0) {
			fprintf(stderr, "vfio-migcheck: %s:%lu: %s trace: %s: %s\n", path, lineno,
				mc_format_name(fmt), why, ev.text);
			ret = -1;
			break;
		}
		if (r == 0)
			continue;
		ev.file = out->files;
		memcpy(ev.file_dev, ev.dev, sizeof(ev.file_dev));
		if (fmt == MC_FMT_MOCK && out->n == before && ev.seq) {
			out->file[out->files].truncated = true;
			fprintf(stderr, "vfio-migcheck: %s: the log starts at SEQ %llu: the driver's ring dropped the events before (it keeps 4096); each device's state is taken from its first arc, and one whose open was dropped is compared with no other device (its VM is unknown)\n",
				path, ev.seq);
		}
		if (fmt == MC_FMT_QEMU || fmt == MC_FMT_QMP)
			own_vm(out, path, &ev);
		snprintf(ev.where, sizeof(ev.where), "%.60s:%lu", path, lineno);
		if (mc_events_push(out, &ev)) {
			fprintf(stderr, "vfio-migcheck: %s: out of memory\n", path);
			ret = -1;
			break;
		}
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "vfio-migcheck: %s: read error\n", path);
		ret = -1;
	}
	if (!ret && out->n == before && !allow_empty) {
		/* @fmt is the sniffed format, if any line looked like one. */
		fprintf(stderr, "vfio-migcheck: %s: not a trace: expected %s, found none\n",
			path, expected_events[fmt]);
		ret = -1;
	}
	free(line);
	fclose(f);
	free(text);
	out->file[out->files++].fmt = fmt;
	return ret;
}

void mc_events_free(struct mc_events *e)
{
	free(e->ev);
	free(e->file);
	memset(e, 0, sizeof(*e));
}
