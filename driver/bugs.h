/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Deliberately broken builds (Documentation/validate-your-driver.rst): built
 * with -DMOCK_BUG_<NAME>, the driver brings back one real-world bug, so that
 * make check can prove the conformance suite catches it.  Each bug has one
 * hook here, named for what the broken driver does; the driver asks the
 * hook where the bug would live, and in a normal build every hook is a
 * constant false the compiler removes.
 */
#ifndef MOCK_VFIO_PCI_BUGS_H
#define MOCK_VFIO_PCI_BUGS_H

#include <linux/kconfig.h>
#include <linux/types.h>

#define mock_bug(name)	IS_ENABLED(MOCK_BUG_##name)

/* MOCK_BUG_ENOMSG_ZERO: PRE_COPY read() returns 0, not -ENOMSG (mtty, hisi, qat). */
static inline bool mock_bug_precopy_eof_for_enomsg(void)
{
	return mock_bug(ENOMSG_ZERO);
}

/* MOCK_BUG_ECHO_FLAGS: precopy info echoes flags even after the v2 opt-in. */
static inline bool mock_bug_echoes_precopy_flags(void)
{
	return mock_bug(ECHO_FLAGS);
}

/* MOCK_BUG_FD_SURVIVES_RESET: reset leaves the data_fd working. */
static inline bool mock_bug_keeps_data_fd_on_reset(void)
{
	return mock_bug(FD_SURVIVES_RESET);
}

/* MOCK_BUG_ACCEPT_TRUNCATED: RESUMING->STOP accepts an incomplete stream (mlx5, virtio). */
static inline bool mock_bug_accepts_truncated_stream(void)
{
	return mock_bug(ACCEPT_TRUNCATED);
}

/* MOCK_BUG_NO_STATE_RESET: reset keeps the migration state (hisi 6.2-7.0). */
static inline bool mock_bug_keeps_state_on_reset(void)
{
	return mock_bug(NO_STATE_RESET);
}

/* MOCK_BUG_BLOCKED_ARC_SPIN: STOP_COPY->PRE_COPY spins (6.12's core loop; killable here). */
static inline bool mock_bug_spins_on_blocked_arc(void)
{
	return mock_bug(BLOCKED_ARC_SPIN);
}

/* MOCK_BUG_STATE_SURVIVES_CLOSE: the state survives close and open (mtty). */
static inline bool mock_bug_keeps_state_on_close(void)
{
	return mock_bug(STATE_SURVIVES_CLOSE);
}

/* MOCK_BUG_LOAD_REJECTED: RESUMING->STOP loads a stream write() rejected (mtty). */
static inline bool mock_bug_loads_rejected_stream(void)
{
	return mock_bug(LOAD_REJECTED);
}

/* MOCK_BUG_NO_RESET_FLAG: no VFIO_DEVICE_FLAGS_RESET although reset works (mtty). */
static inline bool mock_bug_hides_reset_flag(void)
{
	return mock_bug(NO_RESET_FLAG);
}

/* MOCK_BUG_NAIVE_RESET_LOCK: reset_done waits for state_mutex under memory_lock. */
static inline bool mock_bug_locks_state_in_reset_done(void)
{
	return mock_bug(NAIVE_RESET_LOCK);
}

#endif /* MOCK_VFIO_PCI_BUGS_H */
