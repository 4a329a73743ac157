/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvfiomig, migration side: QEMU's VMM discipline for one or more VFIO
 * devices (recovering SETs, pre-copy rounds, switchover-ack, two-phase P2P
 * stop and start, rollback on failure), as a source and a destination role
 * that talk over a stream (vfiomig/stream.h) and a return path.
 *
 * Every state change is recorded as an arc with its timestamps
 * (CLOCK_MONOTONIC, comparable between the two processes in one machine), so
 * a report can give the downtime, the per-device per-arc breakdown and a
 * timeline.
 */
#ifndef VFIOMIG_MIGRATION_H
#define VFIOMIG_MIGRATION_H

#include <stdbool.h>
#include <stdint.h>

#include "vfiomig/device.h"

struct json_object;
struct vfm_ram;
struct vfm_ring;

#define VFM_MAX_DEVICES		16
#define VFM_STATE_UNKNOWN	0xffffffffU

/* How vfm_set_state_recover() ended. */
enum vfm_recovery {
	VFM_REC_NONE,		/* the SET succeeded */
	VFM_REC_STATE,		/* failed; the device is in the recover state */
	VFM_REC_RESET,		/* failed; the device was reset (RUNNING, state lost) */
	VFM_REC_FAILED,		/* failed, and so did recovery: state unknown */
};

struct vfm_set_outcome {
	int err;		/* 0 or -errno of the requested SET */
	uint32_t seen;		/* GET after a failure (VFM_STATE_UNKNOWN if GET failed) */
	enum vfm_recovery how;
	uint32_t now;		/* the state the device is in afterwards */
};

/*
 * SET @to with QEMU's recovery discipline, plus the GET QEMU omits: on
 * failure GET the real state (the uAPI leaves it anywhere on the path), then
 * SET @recover unless the device is already there, and if that fails too (or
 * @recover is ERROR, or the device is in ERROR) VFIO_DEVICE_RESET.  Returns
 * the SET's 0 or -errno; @out (may be NULL) says what happened, and a failure
 * prints one line naming the device, both states and the recovery.
 */
int vfm_set_state_recover(const struct vfm_device *dev, uint32_t to, uint32_t recover,
			  int *data_fd, struct vfm_set_outcome *out);
const char *vfm_recovery_name(enum vfm_recovery how);

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t vfm_now_ns(void);

/* One requested state change of one device. */
struct vfm_arc {
	uint32_t from, to;	/* the state before, the state requested */
	uint32_t after;		/* the state after it (after recovery, on failure) */
	int64_t t0, t1;		/* around the SET (and recovery) */
	int err;		/* 0 or -errno */
	enum vfm_recovery how;
	const char *phase;	/* static string: "pre-copy", "p2p-stop", ... */
};

/*
 * What the harness did to one device, in order: the report's "events"
 * (Documentation/harness.rst), which vfio-migcheck reads.  Consecutive
 * reads (writes) of one device that each moved data are one event.
 */
enum vfm_ev_kind {
	VFM_EV_SET,		/* a SET (with recovery): arcs[arc] */
	VFM_EV_RESET,		/* VFIO_DEVICE_RESET: arcs[arc] */
	VFM_EV_READ,		/* read() of the data_fd */
	VFM_EV_WRITE,		/* write() of the data_fd */
	VFM_EV_PRECOPY_INFO,	/* VFIO_MIG_GET_PRECOPY_INFO */
};

struct vfm_event {
	uint64_t seq;		/* order among all devices of the process */
	int64_t t;		/* CLOCK_MONOTONIC ns, after the (first) call */
	enum vfm_ev_kind kind;
	unsigned int arc;	/* SET, RESET */
	unsigned int calls;	/* READ, WRITE: calls merged into this event */
	uint64_t len;		/* READ, WRITE: bytes asked for */
	int64_t ret;		/* bytes moved (0: EOF), or 0, or -errno */
	unsigned int sess;	/* SET: the session it started (0: none); else its data_fd's */
};

/* Deliberately wrong VMM behaviours, one per protocol rule (never default). */
enum vfm_misbehave {
	VFM_MB_NONE,
	VFM_MB_NAIVE_STOP,		/* source: stop devices one by one, no P2P phase (P-1) */
	VFM_MB_NAIVE_START,		/* dest: start devices one by one, no P2P phase (P-2) */
	VFM_MB_EARLY_STOP_COPY_EXIT,	/* source: STOP_COPY -> STOP before EOF (U-11) */
	VFM_MB_WRITE_BEFORE_RESUMING,	/* dest: write to a data_fd while not RESUMING (U-9) */
	VFM_MB_RESTART_PRECOPY,		/* source: PRE_COPY -> STOP -> STOP_COPY (S-2) */
	VFM_MB_PRECOPY_INFO_STOP_COPY,	/* source: PRECOPY_INFO in STOP_COPY (U-10) */
	VFM_MB_STALE_DATA_FD,		/* dest: write the old data_fd of a new session (U-8) */
	VFM_MB_LEAVE_RESUMING_EARLY,	/* dest: RESUMING -> STOP, stream incomplete (U-14) */
	VFM_MB_SPLIT_BRAIN,		/* source: runs again after the dest started */
	VFM_MB_NR,
};
const char *vfm_misbehave_name(enum vfm_misbehave mb);
/* One line: what the mode does and the monitor rules it breaks. */
const char *vfm_misbehave_what(enum vfm_misbehave mb);
/* VFM_MB_NR if @name is none of them. */
enum vfm_misbehave vfm_misbehave_parse(const char *name);

struct vfm_mig_opts {
	bool precopy;			/* use PRE_COPY where the device offers it */
	unsigned int max_rounds;	/* then dirty data no longer delays switchover */
	unsigned int downtime_limit_ms;	/* dirty bytes below bandwidth x this converge */
	unsigned int precopy_time_ms;	/* like max_rounds, in time */
	unsigned int ack_timeout_ms;	/* waiting for switchover-ack or the result */
	enum vfm_misbehave misbehave;
};
void vfm_mig_opts_default(struct vfm_mig_opts *o);

/* One device in a migration. */
struct vfm_migdev {
	struct vfm_device dev;
	char driver[64];
	uint64_t flags;			/* VFIO_MIGRATION_* */
	bool mock;			/* bound to mock-vfio-pci: registers usable */
	uint32_t state;			/* as last set or read */
	uint32_t orig_state;		/* when the migration began */
	int data_fd;
	unsigned int sess;		/* data_fd's session: 1, 2, ... as SETs start them */
	unsigned int sessions;		/* sessions started */
	bool precopy;			/* in PRE_COPY this migration */
	bool init_sent;			/* source sent / dest got INIT_DATA_SENT */
	bool complete;			/* source: EOF sent / dest: END section loaded */
	bool stale_fd_written;		/* dest, write-before-resuming, stale-data-fd */
	bool left_early;		/* dest, leave-resuming-early */
	bool misbehaved;		/* a --misbehave call was made on this device... */
	int misbehave_err;		/* ...and what it returned: 0 (accepted) or -errno */
	uint64_t bytes_precopy, bytes_stopcopy;
	unsigned int rounds;		/* pre-copy rounds that moved data */
	uint64_t initial_bytes, dirty_bytes;	/* last PRECOPY_INFO */
	uint64_t data_size;		/* MIG_DATA_SIZE at switchover */
	bool has_digest;		/* mock: digest with the device stopped */
	uint64_t digest;
	bool state_lost;		/* source: a recovery reset it (ERROR): state gone */
	bool has_restart_digest;	/* source, after a rollback */
	uint64_t restart_digest;
	char peer[256];			/* dest: the source section's idstr */
	struct vfm_arc *arcs;
	unsigned int narcs, arcs_cap;
	struct vfm_event *events;
	unsigned int nevents, events_cap;
	bool events_lost;		/* out of memory: the event list is incomplete */
};

enum vfm_role { VFM_SOURCE, VFM_DEST };

struct vfm_mig {
	enum vfm_role role;
	struct vfm_mig_opts opts;
	unsigned int ndev;
	struct vfm_migdev dev[VFM_MAX_DEVICES];
	int64_t t_begin, t_end;
	int64_t t_stop;			/* source: first device leaves RUNNING/PRE_COPY */
	int64_t t_stopped;		/* source: last device STOP/STOP_COPY */
	int64_t t_complete;		/* source: every stream at EOF */
	int64_t t_running;		/* dest: last device RUNNING */
	int64_t t_ack;			/* source: switchover-ack received (0: none) */
	unsigned int rounds;
	uint64_t dirty_threshold;	/* source: bytes that converge */
	const char *switchover_reason;	/* source: "converged", "max-rounds", ... */
	/* failure */
	int err;			/* 0 or -errno */
	char step[48];			/* where it failed: "stop-copy", "dest:validate", ... */
	int failed_dev;			/* index or -1 */
	char error[320];
	bool rolled_back;		/* source restarted / dest reset */
	bool rollback_clean;		/* ... and all of that worked */
	struct json_object *peer_report;	/* source: the destination's report */
	struct vfm_ram *ram;		/* guest RAM migrated with the devices, or NULL */
};

/*
 * Open @n devices by PCI address, probe their migration features, and
 * check that a migration of all of them is allowed: every device must have
 * STOP_COPY, and more than one device must all have P2P (QEMU's rule: the
 * error names the first device without it).  0 or -errno, message printed.
 */
int vfm_mig_open(struct vfm_mig *m, enum vfm_role role, char *const *bdfs, unsigned int n,
		 const struct vfm_mig_opts *opts);
/* Close the devices, as they are (a forked child drops its parent's devices). */
void vfm_mig_close(struct vfm_mig *m);
/*
 * Close as a VM shutting down: every running P2P device stops initiating
 * (RUNNING_P2P) before any is closed, so none goes away while a peer
 * writes into it (P-5).
 */
void vfm_mig_shutdown(struct vfm_mig *m);

/*
 * Migrate @ram (vfiomig/ram.h) with the devices: map it for every device's DMA
 * now.  The source pre-copies it with dirty logging, the destination loads
 * and verifies it.  The caller frees @ram after closing the devices.
 */
int vfm_mig_attach_ram(struct vfm_mig *m, struct vfm_ram *ram);

/*
 * Run the source: stream every device to @out_fd; @rp_fd is the return
 * path from the destination (switchover-ack, result) or -1 (a file: no
 * ack, and the devices are restarted after the save like a checkpoint).
 * On failure the devices are back in RUNNING (two-phase) and m->step,
 * m->failed_dev, m->error say what failed.
 */
int vfm_mig_source(struct vfm_mig *m, int out_fd, int rp_fd);
/*
 * The same through a shared-memory ring (vfiomig/ring.h) created before the
 * destination was fork()ed; @rp_fd, a socket to the destination, is also
 * how a wait on the ring notices that the destination is gone.
 */
int vfm_mig_source_ring(struct vfm_mig *m, struct vfm_ring *ring, int rp_fd);
/*
 * Run the destination: load from @in_fd, validate (RESUMING -> STOP), start
 * in two phases.  With @rp_fd the result (a JSON report) is sent back.  On
 * failure every device is reset.
 */
int vfm_mig_dest(struct vfm_mig *m, int in_fd, int rp_fd);
/* The same, reading the ring vfm_mig_source_ring() writes. */
int vfm_mig_dest_ring(struct vfm_mig *m, struct vfm_ring *ring, int rp_fd);
/*
 * Send the destination's report as its result on @rp_fd: vfm_mig_dest()
 * does; a destination that fails before it (vfm_mig_open) must, so the
 * source learns why.
 */
int vfm_mig_send_result(const struct vfm_mig *m, int rp_fd);

/* The report of one side, and of a whole migration (source + its peer). */
struct json_object *vfm_mig_side_report(const struct vfm_mig *m);
struct json_object *vfm_mig_report(const struct vfm_mig *src, struct json_object *dst_side);

#endif /* VFIOMIG_MIGRATION_H */
