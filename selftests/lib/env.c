// SPDX-License-Identifier: GPL-2.0-only
/* Numeric knobs of the selftests from the environment (selftest.h). */
#include <stdio.h>
#include <stdlib.h>

#include "selftest.h"

unsigned int selftest_env_uint(const char *name, unsigned int def, unsigned int min,
			       unsigned int max)
{
	const char *v = getenv(name);
	unsigned long n;
	char *end;

	if (!v || !*v)
		return def;
	n = strtoul(v, &end, 0);
	if (*end || n < min || n > max) {
		fprintf(stderr, "# %s=%s ignored: not a number from %u to %u\n", name, v, min, max);
		return def;
	}
	return n;
}
