/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the vfio-migcheck fuzz targets share: a trace's lines through
 * mc_sniff() and mc_parse_line(), the way mc_read_file() reads them, and
 * the rule engine, mc_check() and mc_print(), over whatever was parsed.
 */
#ifndef MIGCHECK_FUZZ_H
#define MIGCHECK_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migcheck.h"

/* mc_parse_line()'s @why: the 128 bytes its contract promises, no more. */
#define FUZZ_WHY_LEN	128

static inline FILE *fuzz_devnull(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	if (!f)
		abort();
	return f;
}

/* Whether @s is NUL-terminated within @size bytes. */
static inline int fuzz_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* An event as a parser returned it must be one mc_check() can be given. */
static inline void fuzz_check_event(const struct mc_event *ev)
{
	if ((unsigned int)ev->kind >= MC_KIND_NR ||
	    !fuzz_terminated(ev->dev, sizeof(ev->dev)) ||
	    !fuzz_terminated(ev->file_dev, sizeof(ev->file_dev)) ||
	    !fuzz_terminated(ev->peer, sizeof(ev->peer)) ||
	    !fuzz_terminated(ev->rule, sizeof(ev->rule)) ||
	    !fuzz_terminated(ev->where, sizeof(ev->where)) ||
	    !fuzz_terminated(ev->text, sizeof(ev->text)))
		abort();
	if ((ev->kind == MC_ARC || ev->kind == MC_SET || ev->kind == MC_STATE) &&
	    ev->to > VFIO_DEVICE_STATE_PRE_COPY_P2P)
		abort();
	if (ev->kind == MC_ARC && ev->from > VFIO_DEVICE_STATE_PRE_COPY_P2P)
		abort();
}

/*
 * Each line of @data, '\n' included as getline() leaves it, in a heap
 * buffer of its exact length, to mc_sniff() and to mc_parse_line(@fmt);
 * the events go to @e.  Like mc_read_file(), the first malformed line ends
 * the trace.  QEMU's and QMP's events get the VM of a first file (-1).
 */
static inline void fuzz_parse_lines(enum mc_format fmt, const uint8_t *data, size_t size,
				    struct mc_events *e)
{
	char *why = malloc(FUZZ_WHY_LEN);
	unsigned long lineno = 0;
	struct mc_event ev;
	size_t off = 0;

	if (!why)
		abort();
	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (data + off)) + 1 : size - off;
		char *line = malloc(len + 1);
		int r;

		if (!line)
			abort();
		memcpy(line, data + off, len);
		line[len] = '\0';
		off += len;
		lineno++;
		if ((unsigned int)mc_sniff(line) > MC_FMT_NR)
			abort();
		why[0] = '\0';
		r = mc_parse_line(fmt, line, &ev, why);
		free(line);
		if (r < -1 || r > 1 || (r < 0 && (!why[0] || !fuzz_terminated(why, FUZZ_WHY_LEN))))
			abort();
		if (r < 0)
			break;
		if (r == 0)
			continue;
		if (fmt == MC_FMT_QEMU || fmt == MC_FMT_QMP)
			ev.vm = -1;
		snprintf(ev.where, sizeof(ev.where), "fuzz:%lu", lineno);
		fuzz_check_event(&ev);
		if (mc_events_push(e, &ev))
			abort();
	}
	free(why);
}

/* The rules over @e (any sequence of events must do), then @e freed. */
static inline void fuzz_check(struct mc_events *e)
{
	struct mc_result res;
	int failed, r, n = 0;

	failed = mc_check(e, &res);
	for (r = 0; r < MIG_RULE_NR; r++) {
		if ((unsigned int)res.rule[r].verdict > MC_UNOBSERVED ||
		    !fuzz_terminated(res.rule[r].first, sizeof(res.rule[r].first)))
			abort();
		n += res.rule[r].verdict == MC_FAIL;
	}
	if (failed != n || res.events != e->n || res.devices > 2 * e->n)
		abort();
	mc_print(fuzz_devnull(), &res);
	mc_events_free(e);
}

#endif /* MIGCHECK_FUZZ_H */
