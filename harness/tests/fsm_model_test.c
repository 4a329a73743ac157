// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-side unit tests of libvfiomig's model of the migration FSM (fsm.c):
 * the selftests judge devices by it, so it is checked here against the uAPI's
 * own statements and examples, and its shortest-path search against a brute
 * force enumeration.
 */
#include <errno.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "vfiomig/device.h"

#define SC		VFIO_MIGRATION_STOP_COPY
#define P2P		VFIO_MIGRATION_P2P
#define PRE		VFIO_MIGRATION_PRE_COPY
#define ALL		(SC | P2P | PRE)
#define NSTATES		VFIO_DEVICE_STATE_NR

#define ERROR		VFIO_DEVICE_STATE_ERROR
#define STOP		VFIO_DEVICE_STATE_STOP
#define RUNNING		VFIO_DEVICE_STATE_RUNNING
#define STOP_COPY	VFIO_DEVICE_STATE_STOP_COPY
#define RESUMING	VFIO_DEVICE_STATE_RESUMING
#define RUNNING_P2P	VFIO_DEVICE_STATE_RUNNING_P2P
#define PRE_COPY	VFIO_DEVICE_STATE_PRE_COPY
#define PRE_COPY_P2P	VFIO_DEVICE_STATE_PRE_COPY_P2P

/* The four combinations the uAPI defines. */
static const uint64_t legal[] = { SC, SC | P2P, SC | PRE, SC | P2P | PRE };

static bool blocked(uint32_t cur, uint32_t to)
{
	return cur == STOP_COPY && (to == PRE_COPY || to == PRE_COPY_P2P);
}

/*
 * uAPI: STOP_COPY alone gives RUNNING, ERROR, STOP, STOP_COPY, RESUMING ("5
 * states"); P2P adds RUNNING_P2P, PRE_COPY adds PRE_COPY, both add those and
 * PRE_COPY_P2P.  ERROR is "supported" but never requestable.
 */
TEST(supported_state_counts)
{
	static const int supported[] = { 5, 6, 6, 8 }, requestable[] = { 4, 5, 5, 7 };
	size_t i;
	uint32_t s;

	for (i = 0; i < ARRAY_SIZE(legal); i++) {
		int sup = 0, req = 0;

		for (s = 0; s < NSTATES + 2; s++) {
			sup += vfm_fsm_state_supported(legal[i], s);
			req += vfm_fsm_state_requestable(legal[i], s);
		}
		EXPECT_EQ(supported[i], sup) TH_LOG("flags 0x%llx", (unsigned long long)legal[i]);
		EXPECT_EQ(requestable[i], req) TH_LOG("flags 0x%llx", (unsigned long long)legal[i]);
		EXPECT_TRUE(vfm_fsm_state_supported(legal[i], ERROR));
		EXPECT_FALSE(vfm_fsm_state_requestable(legal[i], ERROR));
	}
	/* "at least VFIO_MIGRATION_STOP_COPY must be set" */
	EXPECT_FALSE(vfm_fsm_state_supported(P2P | PRE, RUNNING));
	EXPECT_FALSE(vfm_fsm_state_supported(~0ULL, NSTATES));
	EXPECT_FALSE(vfm_fsm_state_supported(~0ULL, 0xffffffff));
}

TEST(stop_copy_only_has_no_p2p)
{
	EXPECT_FALSE(vfm_fsm_state_supported(SC, RUNNING_P2P));
	EXPECT_FALSE(vfm_fsm_state_supported(SC, PRE_COPY));
	EXPECT_FALSE(vfm_fsm_state_supported(SC | PRE, PRE_COPY_P2P));
	EXPECT_FALSE(vfm_fsm_request_ok(SC, RUNNING, RUNNING_P2P));
	EXPECT_FALSE(vfm_fsm_request_ok(SC, STOP, PRE_COPY));
	EXPECT_TRUE(vfm_fsm_request_ok(SC, RUNNING, STOP_COPY));
}

TEST(running_to_stop_copy_returns_fd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(legal); i++)
		EXPECT_TRUE(vfm_fsm_request_ok(legal[i], RUNNING, STOP_COPY));
	EXPECT_TRUE(vfm_fsm_returns_fd(RUNNING, STOP_COPY));
	EXPECT_TRUE(vfm_fsm_returns_fd(STOP, RESUMING));
	EXPECT_TRUE(vfm_fsm_returns_fd(STOP_COPY, RESUMING));
	EXPECT_FALSE(vfm_fsm_returns_fd(RESUMING, RESUMING));
	EXPECT_FALSE(vfm_fsm_returns_fd(STOP_COPY, STOP));
}

/* uAPI: "STOP_COPY -> PRE_COPY, STOP_COPY -> PRE_COPY_P2P ... are not permitted" */
TEST(blocked_arcs_fail)
{
	uint32_t path[NSTATES];

	EXPECT_FALSE(vfm_fsm_request_ok(ALL, STOP_COPY, PRE_COPY));
	EXPECT_FALSE(vfm_fsm_request_ok(ALL, STOP_COPY, PRE_COPY_P2P));
	EXPECT_FALSE(vfm_fsm_request_ok(SC | PRE, STOP_COPY, PRE_COPY));
	EXPECT_EQ(-EINVAL, vfm_fsm_path(ALL, STOP_COPY, PRE_COPY, path, NSTATES));
	/* ... while the other direction is one session continuing. */
	EXPECT_TRUE(vfm_fsm_request_ok(ALL, PRE_COPY, STOP_COPY));
	EXPECT_TRUE(vfm_fsm_request_ok(ALL, PRE_COPY_P2P, STOP_COPY));
}

TEST(pre_copy_to_stop_copy_keeps_fd)
{
	uint32_t path[NSTATES];

	ASSERT_TRUE(vfm_fsm_request_ok(SC | PRE, PRE_COPY, STOP_COPY));
	EXPECT_FALSE(vfm_fsm_returns_fd(PRE_COPY, STOP_COPY));
	EXPECT_FALSE(vfm_fsm_returns_fd(PRE_COPY_P2P, PRE_COPY));
	EXPECT_TRUE(vfm_fsm_returns_fd(RUNNING_P2P, PRE_COPY_P2P));
	/* A single arc without P2P (vfio_mig_get_next_state() comment). */
	ASSERT_EQ(1, vfm_fsm_path(SC | PRE, PRE_COPY, STOP_COPY, path, NSTATES));
	EXPECT_EQ((uint32_t)STOP_COPY, path[0]);
}

TEST(error_and_out_of_range_never_ok)
{
	uint32_t path[NSTATES];
	size_t i;
	uint32_t s;

	for (i = 0; i < ARRAY_SIZE(legal); i++) {
		for (s = 0; s < NSTATES; s++) {
			EXPECT_FALSE(vfm_fsm_request_ok(legal[i], s, ERROR));
			EXPECT_FALSE(vfm_fsm_request_ok(legal[i], ERROR, s));
			EXPECT_FALSE(vfm_fsm_request_ok(legal[i], s, NSTATES));
			EXPECT_FALSE(vfm_fsm_request_ok(legal[i], s, 0xffffffff));
		}
	}
	EXPECT_EQ(-EINVAL, vfm_fsm_path(ALL, RUNNING, 0xffffffff, path, NSTATES));
	EXPECT_EQ(-ENOSPC, vfm_fsm_path(ALL, RUNNING, STOP_COPY, path, 2));
	EXPECT_EQ(0, vfm_fsm_path(ALL, STOP_COPY, STOP_COPY, path, 0));
}

/*
 * The search agrees with the rule as the uAPI states it outright: a request
 * must succeed when the new state is supported and not ERROR, unless it is
 * one of the two blocked arcs.
 */
TEST(request_ok_matches_stated_rule)
{
	size_t i;
	uint32_t cur, to;

	for (i = 0; i < ARRAY_SIZE(legal); i++) {
		for (cur = 0; cur < NSTATES; cur++) {
			if (!vfm_fsm_state_requestable(legal[i], cur))
				continue;
			for (to = 0; to < NSTATES + 1; to++) {
				bool want = vfm_fsm_state_requestable(legal[i], to) &&
					    !blocked(cur, to);

				EXPECT_EQ(want, vfm_fsm_request_ok(legal[i], cur, to))
					TH_LOG("flags 0x%llx %s -> %s", (unsigned long long)legal[i],
					       vfm_state_name(cur), vfm_state_name(to));
			}
		}
	}
}

struct expansion {
	uint64_t flags;
	uint32_t cur, to;
	int n;
	uint32_t path[NSTATES];
};

/*
 * The expansions the vfio_mig_get_next_state() comment and the reference
 * (kernel-uapi.md 5.3) give as examples.
 */
TEST(paths_match_documented_expansions)
{
	static const struct expansion ex[] = {
		{ ALL, RUNNING, STOP_COPY, 3, { RUNNING_P2P, STOP, STOP_COPY } },
		{ ALL, PRE_COPY, STOP_COPY, 2, { PRE_COPY_P2P, STOP_COPY } },
		{ ALL, RESUMING, RUNNING, 3, { STOP, RUNNING_P2P, RUNNING } },
		{ ALL, PRE_COPY, STOP, 3, { RUNNING, RUNNING_P2P, STOP } },
		{ SC, RUNNING, STOP_COPY, 2, { STOP, STOP_COPY } },
		{ SC | PRE, PRE_COPY, STOP_COPY, 1, { STOP_COPY } },
		{ SC | P2P, RUNNING, RESUMING, 3, { RUNNING_P2P, STOP, RESUMING } },
		{ ALL, STOP, PRE_COPY, 3, { RUNNING_P2P, RUNNING, PRE_COPY } },
	};
	uint32_t path[NSTATES];
	size_t i;
	int j, n;

	for (i = 0; i < ARRAY_SIZE(ex); i++) {
		n = vfm_fsm_path(ex[i].flags, ex[i].cur, ex[i].to, path, NSTATES);
		EXPECT_EQ(ex[i].n, n) TH_LOG("example %zu", i);
		for (j = 0; j < n && j < ex[i].n; j++)
			EXPECT_EQ(ex[i].path[j], path[j])
				TH_LOG("example %zu step %d: %s", i, j, vfm_state_name(path[j]));
	}
}

/* Brute force: every simple path, with the interior rule restated. */
struct search {
	uint64_t flags;
	uint32_t cur, to;
	uint32_t stack[NSTATES];
	bool on[NSTATES];
	int best, nbest;
	uint32_t bestpath[NSTATES];
};

static void dfs(struct search *s, uint32_t u, int depth)
{
	bool both_saving = mig_state_saving(s->cur) && mig_state_saving(s->to);
	uint32_t v;

	if (u == s->to) {
		if (s->best < 0 || depth < s->best) {
			s->best = depth;
			s->nbest = 0;
			memcpy(s->bestpath, s->stack, sizeof(s->stack));
		}
		if (depth == s->best)
			s->nbest++;
		return;
	}
	/* u is interior unless it is where the path starts. */
	if (depth > 0 && (u == RESUMING || mig_state_saving(u) != both_saving))
		return;
	for (v = 0; v < NSTATES; v++) {
		if (s->on[v] || !vfm_fsm_is_arc(s->flags, u, v))
			continue;
		s->on[v] = true;
		s->stack[depth] = v;
		dfs(s, v, depth + 1);
		s->on[v] = false;
	}
}

/*
 * "Select the shortest path": for every request the search must find the
 * unique shortest valid path, every step of it a single arc, and the fd rule
 * must agree with the path: a fd comes back exactly when the last arc begins
 * a session.
 */
TEST(paths_are_unique_shortest_and_fd_rule_agrees)
{
	uint32_t path[NSTATES];
	size_t i;
	uint32_t cur, to;
	int n, j;

	for (i = 0; i < ARRAY_SIZE(legal); i++) {
		for (cur = 0; cur < NSTATES; cur++) {
			for (to = 0; to < NSTATES; to++) {
				struct search s = { .flags = legal[i], .cur = cur, .to = to, .best = -1 };
				uint32_t last;

				if (!vfm_fsm_state_requestable(legal[i], cur) ||
				    !vfm_fsm_state_requestable(legal[i], to))
					continue;
				s.on[cur] = true;
				dfs(&s, cur, 0);
				n = vfm_fsm_path(legal[i], cur, to, path, NSTATES);
				if (s.best < 0) {
					EXPECT_EQ(-EINVAL, n);
					continue;
				}
				EXPECT_EQ(s.best, n) TH_LOG("flags 0x%llx %s -> %s",
					(unsigned long long)legal[i], vfm_state_name(cur),
					vfm_state_name(to));
				EXPECT_EQ(1, s.nbest) TH_LOG("flags 0x%llx %s -> %s: ambiguous",
					(unsigned long long)legal[i], vfm_state_name(cur),
					vfm_state_name(to));
				if (n != s.best)
					continue;
				for (j = 0; j < n; j++) {
					EXPECT_EQ(s.bestpath[j], path[j]);
					EXPECT_TRUE(vfm_fsm_is_arc(legal[i], j ? path[j - 1] : cur,
								   path[j]));
				}
				if (!n) {
					EXPECT_FALSE(vfm_fsm_returns_fd(cur, to));
					continue;
				}
				last = n > 1 ? path[n - 2] : cur;
				EXPECT_EQ((mig_state_saving(to) && !mig_state_saving(last)) ||
					  to == RESUMING, vfm_fsm_returns_fd(cur, to))
					TH_LOG("flags 0x%llx %s -> %s", (unsigned long long)legal[i],
					       vfm_state_name(cur), vfm_state_name(to));
			}
		}
	}
}

/* Arcs the vfio_mig_get_next_state() comment requires, per flag set. */
TEST(mandatory_arcs)
{
	EXPECT_TRUE(vfm_fsm_is_arc(SC, RESUMING, STOP));
	EXPECT_TRUE(vfm_fsm_is_arc(SC, STOP, RESUMING));
	EXPECT_TRUE(vfm_fsm_is_arc(SC, RUNNING, STOP));
	EXPECT_TRUE(vfm_fsm_is_arc(SC, STOP, RUNNING));
	EXPECT_FALSE(vfm_fsm_is_arc(SC | P2P, RUNNING, STOP));
	EXPECT_TRUE(vfm_fsm_is_arc(SC | P2P, RUNNING_P2P, STOP));
	EXPECT_TRUE(vfm_fsm_is_arc(SC | PRE, PRE_COPY, STOP_COPY));
	EXPECT_FALSE(vfm_fsm_is_arc(ALL, PRE_COPY, STOP_COPY));
	EXPECT_TRUE(vfm_fsm_is_arc(ALL, PRE_COPY_P2P, STOP_COPY));
	EXPECT_FALSE(vfm_fsm_is_arc(ALL, STOP_COPY, PRE_COPY));
	EXPECT_FALSE(vfm_fsm_is_arc(ALL, RUNNING, ERROR));
}

TEST(state_names)
{
	EXPECT_STREQ("ERROR", vfm_state_name(ERROR));
	EXPECT_STREQ("PRE_COPY_P2P", vfm_state_name(PRE_COPY_P2P));
	EXPECT_STREQ("INVALID", vfm_state_name(NSTATES));
	EXPECT_STREQ("INVALID", vfm_state_name(0xffffffff));
}

TEST_HARNESS_MAIN
