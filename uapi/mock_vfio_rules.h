/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * The VMM-side migration rules that mock-vfio-pci's monitor checks live and
 * vfio-migcheck checks over a recorded trace: one implementation for both.
 *
 * Everything here is a pure function of migration states (enum
 * vfio_device_mig_state) and a few facts about a data transfer session, so
 * the same code builds into the kernel module and into userspace.  The rule
 * identifiers and their sources are those of the VMM-side reference tables
 * (Documentation/monitor.rst, Documentation/migcheck.rst).
 */
#ifndef _UAPI_MOCK_VFIO_RULES_H
#define _UAPI_MOCK_VFIO_RULES_H

#include <linux/errno.h>
#include <linux/types.h>
#include <linux/vfio.h>

/* The rules, in the order the monitor's counters file lists them. */
enum mig_rule {
	MIG_RULE_P1,	/* STOP/STOP_COPY while a peer still RUNNING/PRE_COPY */
	MIG_RULE_P2,	/* RUNNING/PRE_COPY while a peer STOP/STOP_COPY/RESUMING */
	MIG_RULE_P5,	/* P2P write into a stopped device */
	MIG_RULE_U8,	/* an old data_fd used while a newer session is live */
	MIG_RULE_U9,	/* data_fd read/write outside its transfer state */
	MIG_RULE_U10,	/* PRECOPY_INFO outside PRE_COPY/PRE_COPY_P2P */
	MIG_RULE_U11,	/* STOP_COPY left before the stream reached EOF */
	MIG_RULE_U14,	/* RESUMING left with an incomplete stream */
	MIG_RULE_S2,	/* pre-copy session restarted through STOP */
	MIG_RULE_X1,	/* source and destination both run one migrated state */
	MIG_RULE_U2,	/* ERROR requested */
	MIG_RULE_U3,	/* PRE_COPY(_P2P) requested from STOP_COPY */
	MIG_RULE_NR
};

/* Rules the device can observe; the monitor counts these. */
#define MIG_RULE_NR_MONITOR	(MIG_RULE_X1 + 1)

static inline const char *mig_rule_id(enum mig_rule rule)
{
	static const char *const id[MIG_RULE_NR] = {
		[MIG_RULE_P1] = "P-1", [MIG_RULE_P2] = "P-2", [MIG_RULE_P5] = "P-5",
		[MIG_RULE_U8] = "U-8", [MIG_RULE_U9] = "U-9", [MIG_RULE_U10] = "U-10",
		[MIG_RULE_U11] = "U-11", [MIG_RULE_U14] = "U-14", [MIG_RULE_S2] = "S-2",
		[MIG_RULE_X1] = "X-1", [MIG_RULE_U2] = "U-2", [MIG_RULE_U3] = "U-3",
	};

	return (unsigned int)rule < MIG_RULE_NR ? id[rule] : "?";
}

/* The uAPI's name of a state, as logs and traces print it. */
static inline const char *mig_state_name(__u32 state)
{
	static const char *const name[] = {
		[VFIO_DEVICE_STATE_ERROR] = "ERROR",
		[VFIO_DEVICE_STATE_STOP] = "STOP",
		[VFIO_DEVICE_STATE_RUNNING] = "RUNNING",
		[VFIO_DEVICE_STATE_STOP_COPY] = "STOP_COPY",
		[VFIO_DEVICE_STATE_RESUMING] = "RESUMING",
		[VFIO_DEVICE_STATE_RUNNING_P2P] = "RUNNING_P2P",
		[VFIO_DEVICE_STATE_PRE_COPY] = "PRE_COPY",
		[VFIO_DEVICE_STATE_PRE_COPY_P2P] = "PRE_COPY_P2P",
	};

	return state <= VFIO_DEVICE_STATE_PRE_COPY_P2P ? name[state] : "INVALID";
}

/*
 * The VFIO_MIGRATION_* flags a device may report: STOP_COPY, alone or with
 * P2P, PRE_COPY or both ("The combination ... must be one of").
 */
static inline int mig_flags_legal(__u64 flags)
{
	const __u64 sc = VFIO_MIGRATION_STOP_COPY;

	return flags == sc || flags == (sc | VFIO_MIGRATION_P2P) ||
	       flags == (sc | VFIO_MIGRATION_PRE_COPY) ||
	       flags == (sc | VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY);
}

/* State groups of the reference's trace model. */
static inline int mig_state_initiating(__u32 s)	/* may initiate P2P */
{
	return s == VFIO_DEVICE_STATE_RUNNING || s == VFIO_DEVICE_STATE_PRE_COPY;
}

static inline int mig_state_stopped(__u32 s)	/* device state frozen */
{
	return s == VFIO_DEVICE_STATE_STOP || s == VFIO_DEVICE_STATE_STOP_COPY ||
	       s == VFIO_DEVICE_STATE_RESUMING;
}

static inline int mig_state_saving(__u32 s)	/* a saving data_fd is live */
{
	return s == VFIO_DEVICE_STATE_PRE_COPY || s == VFIO_DEVICE_STATE_PRE_COPY_P2P ||
	       s == VFIO_DEVICE_STATE_STOP_COPY;
}

static inline int mig_state_precopy(__u32 s)
{
	return s == VFIO_DEVICE_STATE_PRE_COPY || s == VFIO_DEVICE_STATE_PRE_COPY_P2P;
}

/*
 * P-1: a device enters STOP or STOP_COPY while a peer of the same VM is
 * still RUNNING or PRE_COPY (it may still DMA into the stopped device), on
 * a walk towards @target.  A walk to RESUMING is exempt: the device's state
 * is about to be replaced, so nothing a peer writes into it can be lost to
 * the migration (and a write that does arrive is dropped and counted as
 * P-5).  That is a destination VMM moving freshly opened devices to
 * RESUMING one by one, as QEMU does in load_setup.
 */
static inline int mig_breaks_p1(__u32 next, __u32 peer, __u32 target)
{
	return (next == VFIO_DEVICE_STATE_STOP || next == VFIO_DEVICE_STATE_STOP_COPY) &&
	       target != VFIO_DEVICE_STATE_RESUMING && mig_state_initiating(peer);
}

/* P-2: a device enters RUNNING or PRE_COPY while a peer is still stopped. */
static inline int mig_breaks_p2(__u32 next, __u32 peer)
{
	return mig_state_initiating(next) && mig_state_stopped(peer);
}

/* P-5: a P2P write reaches a device whose state can no longer change. */
static inline int mig_breaks_p5(__u32 target)
{
	return mig_state_stopped(target);
}

/*
 * U-8: a data_fd of session @sess (sessions numbered per device from 1)
 * used while session @live of the same direction (0: none) is the device's
 * current one.  When none is, such a use is U-9.
 */
static inline int mig_breaks_u8(__u32 sess, __u32 live)
{
	return live && sess != live;
}

/* U-9: read() needs a saving state, write() needs RESUMING. */
static inline int mig_breaks_u9(__u32 state, int is_write)
{
	return is_write ? state != VFIO_DEVICE_STATE_RESUMING : !mig_state_saving(state);
}

/* U-10: VFIO_MIG_GET_PRECOPY_INFO outside PRE_COPY and PRE_COPY_P2P. */
static inline int mig_breaks_u10(__u32 state)
{
	return !mig_state_precopy(state);
}

static inline int mig_state_runs(__u32 s)
{
	return s == VFIO_DEVICE_STATE_RUNNING || s == VFIO_DEVICE_STATE_RUNNING_P2P ||
	       mig_state_precopy(s);
}

/*
 * X-1 (split brain), across VMs: a destination device that committed a
 * complete stream and a source device that stream came from (the same save
 * session: its STOP_COPY stream, as the destination's SOURCE record names
 * it) are both in a running state.  Two live copies of one device state
 * diverge; for a device doing DMA or P2P they corrupt what they share.
 * Checked when either enters a running state from a stopped one: the
 * caller has matched the two devices and sessions, this says whether the
 * states break the rule.
 */
static inline int mig_breaks_x1(__u32 next, __u32 other)
{
	return mig_state_runs(next) && mig_state_runs(other);
}

/*
 * U-11: leaving STOP_COPY (other than for another saving state) before EOF,
 * on a walk towards @target.  A walk back to a running state is exempt: the
 * VMM is abandoning the migration (recovery after a failure), so the image
 * is not going to be used.
 */
static inline int mig_breaks_u11(__u32 cur, __u32 next, int at_eof, __u32 target)
{
	return cur == VFIO_DEVICE_STATE_STOP_COPY && !mig_state_saving(next) && !at_eof &&
	       !mig_state_runs(target);
}

/*
 * U-14: a request out of RESUMING failed with @ret because the stream the
 * VMM wrote was incomplete (-ENODATA) or was rejected (-EREMOTEIO, the
 * reject_resume fault): mock-vfio-pci's errnos, so that a trace recording
 * the result of the SET shows the rule.  Other drivers' errnos may differ.
 */
static inline int mig_breaks_u14(__u32 cur, int ret)
{
	return cur == VFIO_DEVICE_STATE_RESUMING && (ret == -ENODATA || ret == -EREMOTEIO);
}

/* U-2 and U-3, on what the VMM requested (not on single arcs). */
static inline int mig_breaks_u2(__u32 requested)
{
	return requested == VFIO_DEVICE_STATE_ERROR;
}

static inline int mig_breaks_u3(__u32 cur, __u32 requested)
{
	return cur == VFIO_DEVICE_STATE_STOP_COPY && mig_state_precopy(requested);
}

/*
 * S-2 needs one bit of history per device: whether a pre-copy session was
 * ended without going through STOP_COPY.  mig_s2_track() updates it for one
 * arc cur -> next and returns whether that arc breaks S-2: STOP -> STOP_COPY
 * starting a new stream after such a pre-copy.  Only a session that ends in
 * STOP_COPY (or a reset, which clears the bit) makes a later one clean: the
 * abandoning arcs are the same whether the VMM cancelled or went on to stop
 * (without P2P, PRE_COPY -> STOP passes through RUNNING).
 */
static inline int mig_s2_track(__u32 cur, __u32 next, int *precopy_abandoned)
{
	int breaks = cur == VFIO_DEVICE_STATE_STOP && next == VFIO_DEVICE_STATE_STOP_COPY &&
		     *precopy_abandoned;

	if (mig_state_saving(cur) && !mig_state_saving(next))
		*precopy_abandoned = cur != VFIO_DEVICE_STATE_STOP_COPY;
	return breaks;
}

#endif /* _UAPI_MOCK_VFIO_RULES_H */
