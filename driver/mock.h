/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mock-vfio-pci internals.
 *
 * Locking (outermost first):
 *
 *   state_mutex   migration state, the current save/resume sessions, the
 *                 device configuration (mem_size, flags) and open/close.
 *   migf->lock    one data_fd: serialises its read()/write()/ioctl/poll and
 *                 protects its staging buffer.  copy_to_user()/copy_from_user()
 *                 happen under it, so mmap_lock nests inside it.
 *   mem_free_sem  the device memory buffer itself: held for reading while a
 *                 STOP_COPY read() copies straight from it, for writing by
 *                 whoever replaces or frees it (mem_size), so a read() left
 *                 running by a reset never copies freed memory.  A resume
 *                 write() needs no hold: it copies a page under mem_lock, and
 *                 only after checking that no reset or close ended its
 *                 session (both do before the memory can be replaced).
 *   mem_lock      device state: memory, page hashes, registers, workload and
 *                 dirty tracking.  A leaf: nothing that can fault or sleep on
 *                 another lock is done under it.
 *
 * The DMA engine (dma.c) writes the user's memory with vfio_dma_rw(), which
 * takes the type1 container's iommu->lock and, faulting user pages in,
 * mmap_lock.  It is called with no lock of ours held: batches are prepared
 * under mem_lock and written after it is dropped, counted in dma.inflight,
 * which an arc into a stopped state waits to drain (under state_mutex).
 *   log.lock      the DMA logging tracker (dma.c).  Taken with nothing else
 *                 of ours held; REPORT holds it while iova_bitmap_set() writes
 *                 the user's bitmap (log.lock -> mmap_lock).  Never taken on
 *                 the reset path, which runs under vdev->memory_lock.
 *
 * vfio-pci-core calls .reset_done with vdev->memory_lock held, and
 * memory_lock is taken under mmap_lock by BAR mmap faults.  Taking
 * state_mutex or a migf->lock there would close the cycle
 * state_mutex -> migf->lock -> mmap_lock -> memory_lock -> state_mutex, so the
 * reset path only try-locks state_mutex (deferring the work to whoever holds
 * it, see mock_state_mutex_unlock()) and ends sessions by flag, never by
 * taking a migf->lock.  mem_lock under memory_lock is safe: it is a leaf.
 */
#ifndef MOCK_VFIO_PCI_INTERNAL_H
#define MOCK_VFIO_PCI_INTERNAL_H

#include <linux/atomic.h>
#include <linux/fault-inject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "bugs.h"
#include "mock_vfio_pci.h"
#include "mock_vfio_rules.h"
#include "compat.h"

#define MOCK_REC_HDR_SIZE	sizeof(struct mock_rec_hdr)
#define MOCK_PAGE_REC_SIZE	(MOCK_REC_HDR_SIZE + MOCK_PAGE_SIZE)
#define MOCK_MAX_MEM_SIZE	(4ULL << 30)
#define MOCK_MAX_WL_RATE	1000000		/* pages per second */

/* Device registers that are device state (migrated, part of the digest). */
struct mock_regs {
	u64 mem_addr;
	u64 wl_seed;
	u64 wl_prng;
	u64 wl_writes;
	u32 wl_ctrl;
	u32 wl_rate;
};

/* One batch of DMA writes, prepared under mem_lock (dma.c). */
struct mock_dma_job {
	u64 base;
	u64 size;
	u64 prng;
	unsigned int n;
};

/* A range the DMA logging tracker covers, inclusive. */
struct mock_log_range {
	u64 start;
	u64 last;
};

struct mock_save_file;
struct mock_resume_file;

/*
 * The VMM-side rules the monitor checks are enum mig_rule of
 * mock_vfio_rules.h, shared with vfio-migcheck (Documentation/monitor.rst).
 */

#define MOCK_P2P_BATCH		256	/* P2P writes per workload period, at most */

struct mock_p2p_write {
	u64 off;
	u8 data[MOCK_P2P_WRITE_BYTES];
};

/* Injected faults (faults.c). */
struct mock_faults {
	spinlock_t lock;		/* the arc and corruption faults */
	u32 arc_from, arc_to;		/* fail this arc ... */
	int arc_errno;			/* ... with this errno (0: off) ... */
	u32 arc_count;			/* ... this many more times */
	bool arc_to_error;		/* ... and leave the device in ERROR */
	u32 arc_delay_ms;		/* every arc takes this long */
	u32 read_delay_ms;		/* every data_fd read()/write() takes this long */
	u32 short_read;			/* read() returns at most this (0: off) */
	s64 flip_at;			/* flip a bit at this stream offset (-1: off) */
	s64 truncate_at;		/* end the saved stream here (-1: off) */
	bool no_converge;		/* each page read dirties two more */
	bool reject_resume;		/* the next RESUMING->STOP fails */
	struct fault_attr fail_data;	/* data_fd read()/write() fail: EIO */
};

/*
 * The device model (model.c), under mem_lock; mem_size and npages change
 * only while the device is not open, and the buffers only under
 * mem_free_sem as well.
 */
struct mock_model {
	u64 mem_size;
	unsigned long npages;
	u8 *mem;
	u64 *page_hash;			/* xxh64 of each page ... */
	unsigned long *hash_stale;	/* ... unless its bit is set here */
	struct mock_regs regs;
	u64 dropped_writes;
	u64 digest_latch;		/* high half for 4-byte DIGEST reads */
	bool active;			/* in a state where the device runs */
	bool loading;			/* a resume session writes the memory */
	/* Pages changed since the epoch a save session began. */
	unsigned long *dirty;
	unsigned long ndirty;
	bool tracking;			/* mark pages that change as dirty */
	u32 reinit_gen;			/* REINITs of the device, ever */
	wait_queue_head_t changed;	/* a page got dirty after a lull, REINIT */
};

/* The workload engine (workload.c), under mem_lock. */
struct mock_workload {
	u64 last_ns;			/* when the last period ran */
	u64 carry;			/* page writes due, in 1/NSEC_PER_SEC */
	struct delayed_work work;
};

/* The P2P engine (workload.c): wiring and counters under mem_lock. */
struct mock_p2p {
	u32 peer;			/* fabric id of the target */
	u64 win_off;
	u64 win_size;
	u32 rate;
	u64 carry;
	u64 tx;
	u64 rx;
	u64 dropped;
	bool ok;			/* its state may initiate P2P */
	unsigned int inflight;		/* batches prepared, not delivered */
	wait_queue_head_t idle;
	struct mock_p2p_write *batch;	/* owned by wl.work */
};

/* The DMA engine (dma.c): registers and counters under mem_lock. */
struct mock_dma {
	u64 base;
	u64 size;
	u64 seed;
	u64 prng;
	u64 carry;
	u64 writes;
	u64 faults;
	u32 ctrl;
	u32 rate;
	unsigned int inflight;		/* batches prepared, not written */
	wait_queue_head_t idle;
};

/*
 * The copy engine (dma.c): registers under mem_lock; @work runs one copy
 * at a time, MOCK_COPY_STATUS_BUSY in @status from its start to its end.
 */
struct mock_copy {
	u64 src;
	u64 dst;
	u64 size;
	u64 bytes;
	u32 count;
	u32 status;
	struct work_struct work;
};

/* DMA logging, the dirty tracker (dma.c), under lock. */
struct mock_dma_log {
	struct mutex lock;		/* this struct (see the top of this file) */
	bool active;
	bool overflow;			/* too many dirty pages: REPORT fails */
	unsigned int pgshift;		/* tracker page size */
	u32 nranges;
	struct mock_log_range *ranges;	/* sorted */
	struct xarray dirty;		/* dirty tracker pages, by index */
	unsigned long ndirty;
	/* Limits imitating a hardware tracker (debugfs), read at use. */
	u32 max_ranges;			/* 0: the core's limit */
	u64 page_size;			/* 0: the one START asks for */
	u32 fail_report;		/* the next N REPORTs fail with EIO */
};

/* The migration state machine (migration.c), under state_mutex. */
struct mock_mig {
	enum vfio_device_mig_state state;
	struct mock_save_file *save;
	struct mock_resume_file *resume;
	u32 sess_seq;			/* data transfer sessions started */
	/* The live sessions' numbers (0: none), also read without the lock. */
	u32 save_sess, resume_sess;
	/* Bytes held for the device during its last resume session (sysfs). */
	u64 resume_mem_bytes;
	bool precopy_v2;		/* MIG_PRECOPY_INFOv2 opted in */
	int precopy_abandoned;		/* for S-2 (mig_s2_track()) */
	bool opened;
	u32 stream_minor;		/* minor version of the streams we emit */
	/* Reset requested while state_mutex was held (see the top of this file). */
	spinlock_t reset_lock;
	bool deferred_reset;
};

/*
 * The device on the fabric (fabric.c): its place, the VM it is in, and for
 * X-1, written under state_mutex and read by the other devices' checks: the
 * save session this device last began a STOP_COPY stream with (its start
 * time, as SOURCE records carry it), and, as a destination, the source
 * device and session of the stream it last committed.  0: none.  Reset and
 * open clear them.
 */
struct mock_fabric_port {
	struct list_head node;
	u32 id;
	u32 group;			/* sysfs group id; 0: by opener */
	pid_t owner_tgid;		/* the process that opened it */
	u64 stream_ns;
	u32 loaded_from;		/* the source's fabric id */
	u64 loaded_ns;
};

/* The device's share of the monitor (events.c), under its lock. */
struct mock_dev_events {
	u64 violations;			/* observed ... */
	u64 gen;			/* ... since this clear */
};

/*
 * One mock device: the vfio-pci-core device and the parts of the driver,
 * each in its own struct, initialised and reset by the file that owns it.
 * The locks shared by several parts are here (see the top of this file).
 */
struct mock_device {
	struct vfio_pci_core_device core;

	struct mutex state_mutex;		/* mig, sessions, open/close */
	struct rw_semaphore mem_free_sem;	/* the memory buffers' life */
	struct mutex mem_lock;			/* model, wl, p2p, dma */

	struct mock_model model;
	struct mock_workload wl;
	struct mock_p2p p2p;
	struct mock_dma dma;
	struct mock_copy copy;
	struct mock_dma_log log;
	struct mock_mig mig;
	struct mock_fabric_port fabric;
	struct mock_dev_events events;
	struct mock_faults faults;
	struct dentry *debugfs;
};

static inline struct mock_device *to_mock(struct vfio_device *vdev)
{
	return container_of(vdev, struct mock_device, core.vdev);
}

/* MIG_PRECOPY_INFOv2 opted in, by the core or by us (compat.h). */
static inline bool mock_precopy_v2(struct mock_device *m)
{
	return mock_compat_precopy_v2(&m->core.vdev, &m->mig.precopy_v2);
}

static inline struct device *mock_dev(struct mock_device *m)
{
	return &m->core.pdev->dev;
}

/* splitmix64: small, fast and fully determined by its 64-bit state. */
#define MOCK_PRNG_GAMMA	0x9e3779b97f4a7c15ULL

static inline u64 mock_prng_next(u64 *state)
{
	u64 z = (*state += MOCK_PRNG_GAMMA);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* model.c: device memory, registers, page hashes, digest, dirty pages. */
u64 mock_state_bytes(const struct mock_device *m);
int mock_model_init(struct mock_device *m, u64 mem_size);
int mock_state_alloc(struct mock_device *m, u64 mem_size);
void mock_state_free(struct mock_device *m);
void mock_model_reset(struct mock_device *m);
void mock_page_modified(struct mock_device *m, unsigned long page);
void mock_mark_dirty(struct mock_device *m, unsigned long page);
void mock_dirty_epoch(struct mock_device *m, bool track);
void mock_dirty_all(struct mock_device *m);
void mock_dirty_stop(struct mock_device *m);
bool mock_model_reinit(struct mock_device *m);
u64 mock_page_hash(struct mock_device *m, unsigned long page);
u64 mock_digest(struct mock_device *m);
u64 mock_digest_of(const u64 *page_hash, unsigned long npages, const struct mock_regs *regs);
void mock_regs_to_stream(const struct mock_regs *regs, struct mock_stream_regs *out);

/* workload.c: the workload and P2P engine, on top of model, fabric and DMA. */
void mock_state_reset(struct mock_device *m);
void mock_set_active(struct mock_device *m, bool active);
void mock_set_p2p(struct mock_device *m, bool ok);
void mock_wl_kick(struct mock_device *m);
int mock_workload_init(struct mock_device *m);
void mock_workload_cancel(struct mock_device *m);
void mock_workload_destroy(struct mock_device *m);

/* dma.c: the DMA engine and DMA logging. */
extern const struct vfio_log_ops mock_log_ops;
void mock_dma_init(struct mock_device *m);
void mock_dma_destroy(struct mock_device *m);
bool mock_dma_runnable(struct mock_device *m);
void mock_dma_prepare(struct mock_device *m, unsigned int n, struct mock_dma_job *job);
void mock_dma_run(struct mock_device *m, const struct mock_dma_job *job);
void mock_dma_quiesce(struct mock_device *m);
void mock_dma_reset(struct mock_device *m);
void mock_copy_start(struct mock_device *m);
void mock_copy_cancel(struct mock_device *m);
bool mock_log_offered(struct mock_device *m);
void mock_log_close(struct mock_device *m);
void mock_log_debugfs(struct mock_device *m, struct dentry *dir);

/* bar0.c: the emulated register file. */
void mock_regs_debugfs(struct mock_device *m, struct dentry *dir);
void mock_reg_access(struct mock_device *m, u32 off, u64 *val, size_t size, bool write);
ssize_t mock_bar0_rw(struct mock_device *m, char __user *buf, size_t count,
		     loff_t pos, bool write);
long mock_region_info(struct mock_device *m, void __user *arg);

/* stream.c: record encoding shared by save and resume. */
void mock_rec_fill(struct mock_rec_hdr *h, u16 type, u16 flags, u64 arg,
		   u64 len, u64 csum);
bool mock_rec_hdr_ok(const struct mock_rec_hdr *h);
size_t mock_stream_head_size(u32 minor);
size_t mock_stream_tail_size(void);

/* save.c: the saving data_fd (PRE_COPY, PRE_COPY_P2P, STOP_COPY). */
struct mock_save_file *mock_save_start(struct mock_device *m, bool stop_copy);
void mock_save_to_stop_copy(struct mock_device *m);
void mock_save_end(struct mock_device *m, bool sync);
struct file *mock_save_filp(struct mock_save_file *s);
u64 mock_save_remaining(struct mock_device *m);
bool mock_save_at_eof(struct mock_device *m);

/* resume.c: the RESUMING data_fd. */
struct mock_resume_file *mock_resume_start(struct mock_device *m);
int mock_resume_commit(struct mock_device *m);
void mock_resume_end(struct mock_device *m, bool sync);
struct file *mock_resume_filp(struct mock_resume_file *r);

/* migration.c: the VFIO migration state machine. */
extern const struct vfio_migration_ops mock_mig_ops;
void mock_migration_init(struct mock_device *m, u32 stream_minor);
void mock_state_mutex_unlock(struct mock_device *m);
void mock_reset_done(struct pci_dev *pdev);
void mock_migration_open(struct mock_device *m);
void mock_migration_close(struct mock_device *m);
int mock_device_feature(struct vfio_device *vdev, u32 flags,
			void __user *arg, size_t argsz);

/* fabric.c: the P2P fabric and the multi-device monitor rules. */
void mock_fabric_join(struct mock_device *m);
void mock_fabric_leave(struct mock_device *m);
void mock_fabric_check_arc(struct mock_device *m, u32 next, u32 target);
void mock_fabric_set_owner(struct mock_device *m, pid_t tgid);
void mock_fabric_reset(struct mock_device *m);
void mock_fabric_note_stream(struct mock_device *m, u64 save_ns);
void mock_fabric_forget_loaded(struct mock_device *m);
void mock_fabric_note_loaded(struct mock_device *m, const char *source, u64 save_ns);
void mock_fabric_check_split_brain(struct mock_device *m, u32 cur, u32 next);
u64 mock_group_of(struct mock_device *m);
unsigned int mock_fabric_deliver(struct mock_device *m, u32 peer_id,
				 const struct mock_p2p_write *batch,
				 unsigned int n, unsigned int *dropped);

/*
 * events.c: every event is a tracepoint; the event ring and the violation
 * counts (the monitor's debugfs files).  The free text of a fault or a
 * violation is at most MOCK_WHAT_LEN - 1 bytes (scripts/event-lengths).
 */
#define MOCK_WHAT_LEN	160
int mock_events_init(void);
void mock_events_exit(void);
struct dentry *mock_debugfs_dir(void);
u64 mock_violations_of(struct mock_device *m);
void mock_event_arc(struct mock_device *m, u32 from, u32 to, int ret);
void mock_event_set(struct mock_device *m, u32 from, u32 to, int ret);
void mock_event_reset(struct mock_device *m, u32 state, u64 vm);
void mock_event_data(const char *dev, const char *op, size_t len, long ret, u32 sess, u32 live);
void mock_event_p2p(const char *src, const char *dst, u32 writes, u32 dropped);
void mock_event_stream(struct mock_device *m, u64 save_ns);
void mock_event_loaded(struct mock_device *m, const char *source, u64 save_ns);
__printf(2, 3) void mock_event_fault(struct mock_device *m, const char *fmt, ...);
__printf(3, 4) void mock_violation(struct mock_device *m, enum mig_rule rule,
				   const char *fmt, ...);

/* faults.c: fault injection through debugfs. */
void mock_faults_init(struct mock_device *m);
void mock_faults_debugfs(struct mock_device *m, struct dentry *dir);
void mock_faults_corrupt(struct mock_device *m, s64 *flip_at, s64 *truncate_at);
int mock_fault_arc(struct mock_device *m, u32 from, u32 to, bool *to_error);
void mock_fault_delay(struct mock_device *m, u32 ms, const char *what);
int mock_fault_data(struct mock_device *m, const char *what);

/* debugfs.c: the device's debugfs directory. */
void mock_debugfs_create(struct mock_device *m);
void mock_debugfs_remove(struct mock_device *m);

/* sysfs.c: per-device configuration. */
extern const struct attribute_group *mock_dev_groups[];
extern u32 mock_default_stream_minor;

#endif /* MOCK_VFIO_PCI_INTERNAL_H */
