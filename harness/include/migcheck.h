/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vfio-migcheck: the VMM-side migration rules evaluated over recorded traces
 * (mock-vfio-pci's event log, QEMU's -trace output, QMP VFIO_MIGRATION
 * events).  The rules themselves are uapi/mock_vfio_rules.h, shared with the
 * driver's live monitor.  Documentation/migcheck.rst.
 */
#ifndef MIGCHECK_H
#define MIGCHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mock_vfio_rules.h"

enum mc_kind {
	MC_SET,			/* the VMM asked for a state (to, ret) */
	MC_ARC,			/* the device made one arc (from, to, ret) */
	MC_STATE,		/* the device is now in a state (to) */
	MC_READ,		/* read() on a saving data_fd (len, ret) */
	MC_WRITE,		/* write() on a resuming data_fd (len, ret) */
	MC_PRECOPY_INFO,	/* VFIO_MIG_GET_PRECOPY_INFO (ret) */
	MC_P2P,			/* P2P writes into peer (writes, dropped) */
	MC_RESET,		/* reset or open: back to RUNNING, in VM vm */
	MC_VIOLATION,		/* a violation the device's monitor recorded (rule) */
	MC_STREAM,		/* a STOP_COPY stream begins, of save session save_ns */
	MC_LOADED,		/* a stream from peer's session save_ns was committed */
};
#define MC_KIND_NR	(MC_LOADED + 1)

#define MC_NAME_LEN	64

struct mc_event {
	enum mc_kind kind;
	char dev[MC_NAME_LEN];
	char peer[MC_NAME_LEN];		/* MC_P2P, MC_LOADED (the source) */
	char rule[8];			/* MC_VIOLATION */
	uint32_t from, to;		/* states */
	long long ret;
	bool ret_known;			/* MC_SET: ret is the SET's result */
	/*
	 * Data transfer sessions (U-8), numbered per device from 1, 0 unknown:
	 * MC_READ/MC_WRITE/MC_PRECOPY_INFO: the session of the data_fd used and
	 * (mock logs) the device's live session of that direction, live_known;
	 * MC_SET: the session the request started (harness reports).
	 */
	unsigned int sess, live;
	bool live_known;
	unsigned long long len;
	unsigned int writes, dropped;
	unsigned long long save_ns;	/* MC_STREAM, MC_LOADED */
	unsigned long long seq;		/* mock logs: the line's SEQ */
	long long vm;			/* MC_RESET: the device's VM from now on, -1 unknown */
	/* Where the event came from: the file (0, 1, ...) and the device's name there. */
	unsigned int file;
	char file_dev[MC_NAME_LEN];
	unsigned long long t_us;	/* QEMU trace and QMP: wall clock, 0 unknown */
	char where[MC_NAME_LEN + 16];	/* "file:line" */
	char text[160];			/* the line as read, for messages */
};

enum mc_format { MC_FMT_AUTO, MC_FMT_MOCK, MC_FMT_QEMU, MC_FMT_QMP, MC_FMT_HARNESS, MC_FMT_NR };

/* A state the harness could not tell (after a failed recovery). */
#define MC_STATE_UNKNOWN	0xffffffffU
/* Room for the reason of a malformed harness report. */
#define MC_WHY_LEN		256

const char *mc_format_name(enum mc_format f);
/* MC_FMT_NR if @name is none of "auto", "mock", "qemu", "qmp", "harness". */
enum mc_format mc_format_parse(const char *name);

/*
 * Parses one line of a trace in format @fmt (never MC_FMT_AUTO) into @ev.
 * Returns 1 for an event, 0 for a line that carries none (another trace
 * event, a QMP reply, a blank line), -1 for a malformed line, with a reason
 * in @why (at least 128 bytes).
 */
int mc_parse_line(enum mc_format fmt, const char *line, struct mc_event *ev, char *why);

/* The format a line looks like, MC_FMT_NR if none. */
enum mc_format mc_sniff(const char *line);

struct mc_events {
	struct mc_event *ev;
	size_t n, cap;
	/*
	 * Files read so far.  A QEMU trace or QMP log does not say which VM it
	 * is: each file is taken as its own VM (the source's and the
	 * destination's QEMU name their devices alike), its devices renamed
	 * "FILE:device" from the second file on, unless one_vm says the files
	 * are one VM's.
	 */
	unsigned int files;
	bool one_vm;
	/*
	 * Set by mc_pair_vms() for --migration: the VMs of the source's and
	 * the destination's QEMU of one migration, between which X-1 is
	 * checked from where their devices end (0: not given).
	 */
	long long src_vm, dst_vm;
	/* Per file read: its path and format (sniffed, for MC_FMT_AUTO). */
	struct mc_file {
		char path[256];
		enum mc_format fmt;
		/*
		 * A mock log whose first SEQ is not 0: the driver's ring
		 * dropped what came before, so a device's state is unknown
		 * until its first arc or reset shows it.
		 */
		bool truncated;
	} *file;
};

/*
 * Appends every event of the file at @path (format @fmt, or sniffed from its
 * first recognisable line with MC_FMT_AUTO).  Returns 0, or -1 after one
 * message naming the file and line.  A directory, a binary file and a file
 * in which no event of the format is found are errors too: "no violation"
 * would be a false pass for them.  @allow_empty accepts the last kind, for
 * a caller that knows the VMM recorded nothing (a migration refused before
 * any device changed state).
 */
int mc_read_file(const char *path, enum mc_format fmt, bool allow_empty,
		 struct mc_events *out);
void mc_events_free(struct mc_events *e);

/*
 * A QMP log and a QEMU trace of the same QEMU record the same state changes
 * twice (QEMU emits VFIO_MIGRATION where it traces
 * vfio_migration_set_device_state): checked as two VMs, one violation would
 * be counted twice, and a QMP log missing a device (migration-events=off)
 * would look like a VM that left it out.  Drops every QMP file whose events
 * are, in order, a run of one QEMU trace file's set_device_state events
 * (device names mapped one to one; within a second of each other where
 * both have times), with one line on @note per file dropped.  Returns the
 * number of files dropped.
 */
unsigned int mc_merge_same_qemu(struct mc_events *e, FILE *note);
/* Appends @ev; -1 when out of memory. */
int mc_events_push(struct mc_events *out, const struct mc_event *ev);

/*
 * The harness's report (vfio-migrate migrate --json, or one side's report),
 * whole, as @text: its event lists appended to @out, each side one VM.
 * Returns 0, or -1 with the JSON path of what is wrong and why in @why
 * (MC_WHY_LEN bytes), e.g. "source.events[3].to: \"FOO\" is not a migration
 * state".  @file names the events' "where".
 */
int mc_parse_harness(const char *file, const char *text, struct mc_events *out, char *why);
/* Whether @text is a whole JSON object that looks like a harness report. */
bool mc_looks_harness(const char *text);

/*
 * --migration: the QEMU traces and QMP logs read (after
 * mc_merge_same_qemu()) must be exactly two VMs, the source's first.
 * Returns 0 (src_vm and dst_vm set) or -1 after a message on stderr.
 */
int mc_pair_vms(struct mc_events *e);

/* Verdict per rule. */
enum mc_verdict { MC_PASS, MC_FAIL, MC_UNOBSERVED };

struct mc_rule_result {
	enum mc_verdict verdict;
	unsigned int count;		/* violations the checker found */
	unsigned int monitor;		/* violations the device's log recorded */
	char first[512];		/* the first offending event, explained */
};

struct mc_result {
	struct mc_rule_result rule[MIG_RULE_NR];
	unsigned int devices, events;
};

/*
 * Evaluates every rule over @e, in order; devices are compared with those
 * of their own VM only (see struct mc_events and MC_RESET).
 * Returns the number of rules that failed.
 */
int mc_check(const struct mc_events *e, struct mc_result *res);

/* The per-rule table of Documentation/migcheck.rst. */
void mc_print(FILE *f, const struct mc_result *res);
/*
 * The same as one JSON object: {"rules": [{"rule", "verdict" (PASS, FAIL,
 * n/a), "found", "monitor", "first" (null unless FAIL), "expected" (with
 * @expect: FAIL or "not FAIL")}, ...], "devices", "events"}.  0 or -1.
 */
int mc_print_json(FILE *f, const struct mc_result *res, const bool *expect);

#endif /* MIGCHECK_H */
