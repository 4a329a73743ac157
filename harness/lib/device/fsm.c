// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The migration FSM, modelled from the uAPI's text alone: the comment blocks
 * above struct vfio_device_feature_migration and enum vfio_device_mig_state
 * in include/uapi/linux/vfio.h, plus the list of arcs a driver must
 * implement that heads vfio_mig_get_next_state() in drivers/vfio/vfio_main.c.
 *
 * It deliberately does not copy the kernel's vfio_from_fsm_table: the tests
 * that use it are there to check drivers (and the core) against the written
 * rules, so the combination transitions are found here by a shortest-path
 * search over the single arcs the uAPI defines.
 */
#include <errno.h>
#include <linux/vfio.h>

#include "vfiomig/device.h"

#define NSTATES		VFIO_DEVICE_STATE_NR
#define SC		VFIO_MIGRATION_STOP_COPY
#define P2P		VFIO_MIGRATION_P2P
#define PRE		VFIO_MIGRATION_PRE_COPY

/*
 * "If this GET succeeds, the RUNNING and ERROR states are always supported."
 * STOP_COPY "means that STOP, STOP_COPY and RESUMING are supported", P2P adds
 * RUNNING_P2P, PRE_COPY adds PRE_COPY, and both add PRE_COPY_P2P.
 */
static uint64_t state_needs(uint32_t state)
{
	switch (state) {
	case VFIO_DEVICE_STATE_ERROR:
	case VFIO_DEVICE_STATE_RUNNING:
		return 0;
	case VFIO_DEVICE_STATE_STOP:
	case VFIO_DEVICE_STATE_STOP_COPY:
	case VFIO_DEVICE_STATE_RESUMING:
		return SC;
	case VFIO_DEVICE_STATE_RUNNING_P2P:
		return SC | P2P;
	case VFIO_DEVICE_STATE_PRE_COPY:
		return SC | PRE;
	case VFIO_DEVICE_STATE_PRE_COPY_P2P:
		return SC | P2P | PRE;
	default:
		return ~0ULL;	/* not a state: never supported */
	}
}

bool vfm_fsm_state_supported(uint64_t flags, uint32_t state)
{
	/* "at least VFIO_MIGRATION_STOP_COPY must be set" */
	if (!(flags & SC) || state >= NSTATES)
		return false;
	return (flags & state_needs(state)) == state_needs(state);
}

/* "ERROR cannot be specified as a device state" */
bool vfm_fsm_state_requestable(uint64_t flags, uint32_t state)
{
	return state != VFIO_DEVICE_STATE_ERROR && vfm_fsm_state_supported(flags, state);
}

/*
 * The single arcs.  The uAPI describes each arc under a heading "FROM -> TO";
 * an arc exists when both its states are supported.  The uAPI also says the
 * P2P states "behave as though the device was fully running if not
 * supported": without P2P, RUNNING_P2P folds into RUNNING and PRE_COPY_P2P
 * into PRE_COPY, which yields the three ARC_UNLESS(..., P2P) arcs below,
 * exactly the ones the vfio_mig_get_next_state() comment adds for devices
 * without P2P (RUNNING -> STOP, STOP -> RUNNING, PRE_COPY -> STOP_COPY).
 */
#define ARC(from, to) \
	{ VFIO_DEVICE_STATE_##from, VFIO_DEVICE_STATE_##to, 0 }
#define ARC_UNLESS(from, to, flags) \
	{ VFIO_DEVICE_STATE_##from, VFIO_DEVICE_STATE_##to, flags }

static const struct arc {
	uint8_t from, to;
	uint8_t unless;		/* VFIO_MIGRATION_* flags that remove the arc */
} arcs[] = {
	/* "RUNNING_P2P -> STOP", "STOP_COPY -> STOP", "RESUMING -> STOP" */
	ARC(RUNNING_P2P, STOP),
	ARC(STOP_COPY, STOP),
	ARC(RESUMING, STOP),
	/* "PRE_COPY -> RUNNING", "RUNNING_P2P -> RUNNING" */
	ARC(PRE_COPY, RUNNING),
	ARC(RUNNING_P2P, RUNNING),
	/* "PRE_COPY_P2P -> RUNNING_P2P", "RUNNING -> RUNNING_P2P", "STOP -> RUNNING_P2P" */
	ARC(PRE_COPY_P2P, RUNNING_P2P),
	ARC(RUNNING, RUNNING_P2P),
	ARC(STOP, RUNNING_P2P),
	/* "RUNNING -> PRE_COPY", "RUNNING_P2P -> PRE_COPY_P2P", "STOP -> STOP_COPY" */
	ARC(RUNNING, PRE_COPY),
	ARC(RUNNING_P2P, PRE_COPY_P2P),
	ARC(STOP, STOP_COPY),
	/* "PRE_COPY -> PRE_COPY_P2P", "PRE_COPY_P2P -> PRE_COPY" */
	ARC(PRE_COPY, PRE_COPY_P2P),
	ARC(PRE_COPY_P2P, PRE_COPY),
	/* "PRE_COPY_P2P -> STOP_COPY", "STOP -> RESUMING" */
	ARC(PRE_COPY_P2P, STOP_COPY),
	ARC(STOP, RESUMING),
	/* RUNNING_P2P folded into RUNNING, PRE_COPY_P2P into PRE_COPY */
	ARC_UNLESS(RUNNING, STOP, P2P),
	ARC_UNLESS(STOP, RUNNING, P2P),
	ARC_UNLESS(PRE_COPY, STOP_COPY, P2P),
	/*
	 * "STOP_COPY -> PRE_COPY" and "STOP_COPY -> PRE_COPY_P2P" "are not
	 * permitted": no arc.  "any -> ERROR" is a failure, not an arc.
	 */
};

bool vfm_fsm_is_arc(uint64_t flags, uint32_t from, uint32_t to)
{
	size_t i;

	if (!vfm_fsm_state_requestable(flags, from) || !vfm_fsm_state_requestable(flags, to))
		return false;
	for (i = 0; i < sizeof(arcs) / sizeof(arcs[0]); i++)
		if (arcs[i].from == from && arcs[i].to == to && !(flags & arcs[i].unless))
			return true;
	return false;
}

/*
 * "The path cannot have saving group states as interior arcs, only
 * starting/end states."  Read with the saving group's purpose: its states
 * "share a data transfer session", and "moving between these states ... does
 * not terminate or otherwise affect the associated fd".  So a path between
 * two saving states stays inside the group (the session must survive it:
 * PRE_COPY -> PRE_COPY_P2P -> STOP_COPY), and any other path passes through
 * no saving state.  RESUMING likewise carries a session and only ever starts
 * or ends a path.  With this reading STOP_COPY -> PRE_COPY(_P2P) has no
 * path at all, which is the uAPI's "not permitted".
 */
static bool interior_ok(uint32_t cur, uint32_t to, uint32_t s)
{
	if (s == VFIO_DEVICE_STATE_RESUMING)
		return false;
	if (mig_state_saving(cur) && mig_state_saving(to))
		return mig_state_saving(s);
	return !mig_state_saving(s);
}

/* "Select the shortest path": breadth-first search over the single arcs. */
int vfm_fsm_path(uint64_t flags, uint32_t cur, uint32_t to, uint32_t *path, size_t max)
{
	int dist[NSTATES], prev[NSTATES], queue[NSTATES];
	int head = 0, tail = 0, n, s;

	if (!vfm_fsm_state_requestable(flags, cur) || !vfm_fsm_state_requestable(flags, to))
		return -EINVAL;
	for (s = 0; s < NSTATES; s++)
		dist[s] = -1;
	dist[cur] = 0;
	queue[tail++] = cur;
	while (head < tail && dist[to] < 0) {
		int u = queue[head++];

		for (s = 0; s < NSTATES; s++) {
			if (dist[s] >= 0 || !vfm_fsm_is_arc(flags, u, s))
				continue;
			if (s != (int)to && !interior_ok(cur, to, s))
				continue;
			dist[s] = dist[u] + 1;
			prev[s] = u;
			/* Only interior states are expanded; @to ends the search. */
			if (s != (int)to)
				queue[tail++] = s;
		}
	}
	if (dist[to] < 0)
		return -EINVAL;
	n = dist[to];
	if ((size_t)n > max)
		return -ENOSPC;
	for (s = to; s != (int)cur; s = prev[s])
		path[dist[s] - 1] = s;
	return n;
}

bool vfm_fsm_request_ok(uint64_t flags, uint32_t cur, uint32_t to)
{
	uint32_t path[NSTATES];

	return vfm_fsm_path(flags, cur, to, path, NSTATES) >= 0;
}

/*
 * "If the new_state starts a new data transfer session then the FD ... is
 * returned": entering the saving group from outside it ("These arcs begin
 * the process of saving the device state and will return a new data_fd")
 * and entering RESUMING ("will return a new data_fd").  Moving within the
 * saving group keeps the fd it has.
 */
bool vfm_fsm_returns_fd(uint32_t cur, uint32_t to)
{
	if (mig_state_saving(to))
		return !mig_state_saving(cur);
	return to == VFIO_DEVICE_STATE_RESUMING && cur != VFIO_DEVICE_STATE_RESUMING;
}
