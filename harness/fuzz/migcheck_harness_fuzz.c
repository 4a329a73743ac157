// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: vfio-migcheck's reader of the harness's JSON report,
 * mc_parse_harness() and mc_looks_harness() (migcheck_harness.c).  The
 * input is a report file, whole, NUL-terminated as mc_read_file() gives it
 * (a file with a NUL byte is refused before: so is the input).  The events
 * appended, those before a refusal included, go to mc_check() and
 * mc_print() (migcheck_rules.c).  An odd-sized input is read under a long
 * file name, for the "where" of its events.
 */
#include "migcheck_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"r.json", "/a/long/directory/of/results/runs/migcheck/harness-report.json",
	};
	struct mc_events e = { 0 };
	char *text, *why;
	size_t i;
	int ret;

	if (memchr(data, '\0', size))
		return -1;	/* not a text file: keep it out of the corpus */
	text = malloc(size + 1);
	why = malloc(MC_WHY_LEN);
	if (!text || !why)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	mc_looks_harness(text);
	why[0] = '\0';
	ret = mc_parse_harness(names[size & 1], text, &e, why);
	if ((ret != 0 && ret != -1) || (ret && (!why[0] || !fuzz_terminated(why, MC_WHY_LEN))))
		abort();
	for (i = 0; i < e.n; i++)
		fuzz_check_event(&e.ev[i]);
	free(text);
	free(why);
	fuzz_check(&e);
	return 0;
}
