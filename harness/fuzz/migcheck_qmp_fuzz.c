// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: vfio-migcheck's QMP log parser (VFIO_MIGRATION events),
 * mc_parse_line(MC_FMT_QMP) (migcheck_parse.c), and mc_sniff() on the same
 * lines.  The input is a trace file, split into lines as mc_read_file()
 * does; whatever events the lines up to the first malformed one give go to
 * mc_check() and mc_print() (migcheck_rules.c), which must take any
 * sequence of them.
 */
#include "migcheck_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mc_events e = { 0 };

	fuzz_parse_lines(MC_FMT_QMP, data, size, &e);
	fuzz_check(&e);
	return 0;
}
