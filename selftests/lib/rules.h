/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Labelled checks of the migration conformance suite.
 *
 * Every check belongs to a rule of selftests/lib/rules.c: MUST (the uAPI
 * says must, or the kernel core enforces it) or SHOULD (the uAPI says
 * should, or common practice).  A failed MUST check fails the test; a failed
 * SHOULD check is reported and fails the test only when MIG_STRICT=1
 * (run-conformance --strict).  With MIG_RULES_LOG=FILE set, every evaluation
 * is appended to FILE as "RULE ok|fail", for run-conformance's per-rule table.
 */
#ifndef MIG_SELFTEST_RULES_H
#define MIG_SELFTEST_RULES_H

#include <stdbool.h>

/* A rule of the conformance suite (not the VMM-side enum mig_rule of uapi/). */
struct suite_rule {
	const char *id;
	bool must;
	const char *source;
	const char *text;
};

extern const struct suite_rule mig_rules[];

/* Record one evaluation; returns true if the test must fail because of it. */
bool mig_rule_result(const char *id, bool ok, const char *file, int line,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Check @cond as an instance of rule @id, in a kselftest_harness test. */
#define RULE_EXPECT(id, cond, fmt, ...) do {					\
	if (mig_rule_result(id, !!(cond), __FILE__, __LINE__, fmt, ##__VA_ARGS__)) \
		_metadata->exit_code = KSFT_FAIL;				\
} while (0)

#endif /* MIG_SELFTEST_RULES_H */
