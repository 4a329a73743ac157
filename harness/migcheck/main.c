// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-migcheck: evaluate the VMM-side migration rules over recorded traces.
 *
 *   vfio-migcheck [--format auto|mock|qemu|qmp|harness] [--expect RULES] [--allow-empty]
 *                 [--one-vm] [--migration] [--json] FILE...
 *
 * Prints one line per rule (PASS, FAIL with the first offending event, or
 * n/a when nothing in the traces shows the rule), or with --json the same
 * as one JSON object (mc_print_json()) for scripts to decide from.  Exit
 * status: 0 when no rule fails (with --expect: when exactly the listed
 * rules fail), 1 otherwise, 2 for bad usage or an unreadable or malformed
 * trace, or a file that holds no event at all (unless --allow-empty).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migcheck.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vfio-migcheck [--format auto|mock|qemu|qmp|harness] [--expect RULE,...]\n"
		"                     [--allow-empty] [--one-vm] [--migration] [--json] FILE...\n"
		"  --format F    format of the FILEs that follow (default auto: sniffed per file)\n"
		"                mock: mock-vfio-pci's /sys/kernel/debug/mock-vfio-pci/events\n"
		"                qemu: QEMU -trace output (vfio_migration_set_state,\n"
		"                      vfio_migration_set_device_state)\n"
		"                qmp:  QMP output, one JSON object per line (VFIO_MIGRATION)\n"
		"                harness: vfio-migrate migrate --json report (its \"events\"),\n"
		"                      source and destination each one VM\n"
		"  --expect R,.. succeed only if exactly these rules fail (\"none\": no rule)\n"
		"  --allow-empty a FILE without any event is checked as empty, not refused\n"
		"                (for a migration refused before any device changed state)\n"
		"  --one-vm      QEMU traces and QMP logs given are one VM's (by default each\n"
		"                file is its own VM: a source's and a destination's)\n"
		"  --migration   the QEMU traces (QMP logs) given are the source's and then the\n"
		"                destination's of one migration: X-1 (both ran the migrated\n"
		"                state) is checked between them\n"
		"  --json        the verdicts as one JSON object instead of the table\n"
		"A QMP log whose events are a run of a QEMU trace's given too is that QEMU's:\n"
		"it is checked once, from the trace (a note on stderr says so).\n"
		"Mock logs and harness reports say which VM each device is in.\n"
		"Documentation/migcheck.rst.\n");
}

/* Sets want[r] for each rule named in @list; -1 on an unknown name. */
static int parse_expect(char *list, bool want[MIG_RULE_NR])
{
	char *tok, *save = NULL;
	int r;

	memset(want, 0, sizeof(bool) * MIG_RULE_NR);
	if (!strcmp(list, "none"))
		return 0;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (r = 0; r < MIG_RULE_NR; r++)
			if (!strcmp(tok, mig_rule_id(r)))
				break;
		if (r == MIG_RULE_NR) {
			fprintf(stderr, "vfio-migcheck: --expect: unknown rule '%s'\n", tok);
			return -1;
		}
		want[r] = true;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "expect", required_argument, NULL, 'e' },
		{ "allow-empty", no_argument, NULL, 'a' },
		{ "one-vm", no_argument, NULL, 'o' },
		{ "migration", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	enum mc_format fmt = MC_FMT_AUTO;
	struct mc_events ev = { 0 };
	struct mc_result res;
	bool want[MIG_RULE_NR], expect = false, allow_empty = false, migration = false;
	bool json = false;
	int c, r, files = 0, ok = 1;

	/* "+": options apply to the files after them, so stop at each file. */
	while (optind < argc) {
		c = getopt_long(argc, argv, "+f:e:aomjh", opts, NULL);
		if (c == -1) {
			if (mc_read_file(argv[optind], fmt, allow_empty, &ev))
				return 2;
			files++;
			optind++;
			continue;
		}
		switch (c) {
		case 'f':
			fmt = mc_format_parse(optarg);
			if (fmt == MC_FMT_NR) {
				fprintf(stderr, "vfio-migcheck: --format: unknown format '%s'\n", optarg);
				return 2;
			}
			break;
		case 'e':
			if (parse_expect(optarg, want))
				return 2;
			expect = true;
			break;
		case 'a':
			allow_empty = true;
			break;
		case 'o':
			ev.one_vm = true;
			break;
		case 'm':
			migration = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!files) {
		usage(stderr);
		return 2;
	}
	mc_merge_same_qemu(&ev, stderr);
	if (migration && mc_pair_vms(&ev))
		return 2;
	mc_check(&ev, &res);
	if (!json) {
		mc_print(stdout, &res);
	} else if (mc_print_json(stdout, &res, expect ? want : NULL)) {
		fprintf(stderr, "vfio-migcheck: cannot write the JSON verdict to stdout\n");
		mc_events_free(&ev);
		return 2;
	}
	for (r = 0; r < MIG_RULE_NR; r++) {
		bool failed = res.rule[r].verdict == MC_FAIL;

		if (expect ? failed != want[r] : failed)
			ok = 0;
		if (expect && failed != want[r] && !json)
			printf("expected %s to %s\n", mig_rule_id(r), want[r] ? "fail" : "pass");
	}
	mc_events_free(&ev);
	return ok ? 0 : 1;
}
