// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMA engine of the mock device and its DMA logging (vfio_log_ops).
 *
 * The engine writes MOCK_DMA_WRITE_BYTES of PRNG data at random 64-byte
 * aligned IOVAs of a window the user programs, through vfio_dma_rw(): the
 * kernel's route for devices whose DMA is done by the CPU.  With the type1
 * container, vfio_dma_rw() looks the IOVA up and copies to the user's mapping
 * under iommu->lock, which VFIO_IOMMU_UNMAP_DMA also takes, so once an unmap
 * returns no write can reach the unmapped pages; an IOVA that is not mapped
 * (or not writable) fails the write, which is counted in DMA_FAULTS.  Nothing
 * is pinned, so no dma_unmap op is needed (only vfio_pin_pages() wants one).
 * A device opened through iommufd (the VFIO cdev) has no iommufd_access as a
 * physical device, so vfio_dma_rw() fails there and every write is a fault.
 *
 * Writes happen in wl_work with none of our locks held (see mock.h): a batch
 * is prepared under mem_lock (the window, and the PRNG state, which is
 * advanced past the batch), counted in dma.inflight, and written afterwards.
 * Stopping the device (mock_set_active(false)) waits for dma.inflight to
 * drain, so no write lands after an arc into STOP, STOP_COPY or RESUMING,
 * and every write made before it is in the tracker.
 *
 * DMA logging tracks the engine's successful writes into the ranges given to
 * DMA_LOGGING_START: a sparse set (xarray) of dirty tracker pages, at most
 * MOCK_LOG_MAX_DIRTY of them between two reports, past which the tracker
 * overflows and REPORT fails with EIO until STOP, as a hardware tracker that
 * lost events would.  It is offered only when the kernel has
 * CONFIG_IOMMUFD_DRIVER: without it the core's iova_bitmap helpers are stubs
 * and every REPORT would fail with EOPNOTSUPP.
 */
#include <linux/debugfs.h>
#include <linux/interval_tree.h>
#include <linux/iova_bitmap.h>
#include <linux/log2.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "mock.h"

#define MOCK_LOG_MAX_PAGE_SIZE	SZ_1G		/* tracker page size, at most */
#define MOCK_LOG_MAX_DIRTY	BIT(20)		/* dirty tracker pages, at most */

static void mock_copy_work(struct work_struct *work);

void mock_dma_init(struct mock_device *m)
{
	init_waitqueue_head(&m->dma.idle);
	INIT_WORK(&m->copy.work, mock_copy_work);
	mutex_init(&m->log.lock);
	xa_init(&m->log.dirty);
}

/* Forget the tracker; log.lock held. */
static void mock_log_clear(struct mock_device *m)
{
	lockdep_assert_held(&m->log.lock);
	xa_destroy(&m->log.dirty);
	kfree(m->log.ranges);
	m->log.ranges = NULL;
	m->log.nranges = 0;
	m->log.ndirty = 0;
	m->log.overflow = false;
	m->log.active = false;
}

void mock_dma_destroy(struct mock_device *m)
{
	cancel_work_sync(&m->copy.work);
	mutex_lock(&m->log.lock);
	mock_log_clear(m);
	mutex_unlock(&m->log.lock);
	mutex_destroy(&m->log.lock);
}

/**
 * mock_dma_reset() - DMA registers and counters to power-on values
 * @m: the device, mem_lock held
 *
 * DMA logging is left as it is: it is not device state, and the reset path
 * (under vdev->memory_lock) must not take log.lock.
 */
void mock_dma_reset(struct mock_device *m)
{
	lockdep_assert_held(&m->mem_lock);
	m->dma.base = 0;
	m->dma.size = 0;
	m->dma.seed = 0;
	m->dma.prng = 0;
	m->dma.ctrl = 0;
	m->dma.rate = 0;
	m->dma.writes = 0;
	m->dma.faults = 0;
	/* A copy in flight ends on its own (its job is its own) and clears BUSY. */
	m->copy.src = 0;
	m->copy.dst = 0;
	m->copy.size = 0;
	m->copy.count = 0;
	m->copy.bytes = 0;
	m->copy.status &= MOCK_COPY_STATUS_BUSY;
}

/**
 * mock_dma_runnable() - whether the DMA engine has writes to make
 * @m: the device, mem_lock held
 */
bool mock_dma_runnable(struct mock_device *m)
{
	lockdep_assert_held(&m->mem_lock);
	return m->model.active && READ_ONCE(m->mig.opened) &&
	       (m->dma.ctrl & MOCK_DMA_CTRL_ENABLE) && m->dma.rate &&
	       m->dma.size >= MOCK_DMA_WRITE_BYTES;
}

/**
 * mock_dma_prepare() - take a batch of @n DMA writes out of the engine
 * @m: the device, mem_lock held, mock_dma_runnable()
 * @n: writes due
 * @job: filled in; @job->n stays 0 if there is nothing to write
 *
 * Advances the DMA PRNG past the batch (each write draws one offset and
 * MOCK_DMA_WRITE_BYTES / 8 data words) and counts it in dma.inflight; the
 * caller must pass @job to mock_dma_run() once mem_lock is dropped.
 */
void mock_dma_prepare(struct mock_device *m, unsigned int n,
		      struct mock_dma_job *job)
{
	lockdep_assert_held(&m->mem_lock);
	if (!n)
		return;
	job->base = m->dma.base;
	job->size = m->dma.size;
	job->prng = m->dma.prng;
	job->n = n;
	m->dma.prng += (u64)n * (1 + MOCK_DMA_WRITE_BYTES / sizeof(u64)) *
		       MOCK_PRNG_GAMMA;
	m->dma.inflight++;
}

/* Whether the tracker covers @iova; log.lock held. */
static bool mock_log_covers(struct mock_device *m, u64 iova)
{
	u32 lo = 0, hi = m->log.nranges;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (iova < m->log.ranges[mid].start)
			hi = mid;
		else if (iova > m->log.ranges[mid].last)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/*
 * Log one completed DMA write at @iova.  A write never crosses a 4 KiB page
 * and tracked ranges are 4 KiB aligned, so one tracker page covers it.
 */
static void mock_log_mark(struct mock_device *m, u64 iova)
{
	unsigned long idx;

	mutex_lock(&m->log.lock);
	if (!m->log.active || m->log.overflow || !mock_log_covers(m, iova))
		goto out_unlock;
	idx = iova >> m->log.pgshift;
	if (xa_load(&m->log.dirty, idx))
		goto out_unlock;
	if (m->log.ndirty >= MOCK_LOG_MAX_DIRTY ||
	    xa_is_err(xa_store(&m->log.dirty, idx, xa_mk_value(1), GFP_KERNEL))) {
		m->log.overflow = true;
		dev_warn_ratelimited(mock_dev(m),
				     "DMA log tracker overflow at %lu dirty pages: REPORT fails with EIO until STOP\n",
				     m->log.ndirty);
		goto out_unlock;
	}
	m->log.ndirty++;
out_unlock:
	mutex_unlock(&m->log.lock);
}

/**
 * mock_dma_run() - make the DMA writes of a prepared batch
 * @m: the device, none of our locks held
 * @job: from mock_dma_prepare()
 *
 * Writes through vfio_dma_rw() (type1: serialised against unmap by
 * iommu->lock), logs each write that landed, then accounts the batch and
 * lets a waiting mock_dma_quiesce() go on.
 */
void mock_dma_run(struct mock_device *m, const struct mock_dma_job *job)
{
	__le64 data[MOCK_DMA_WRITE_BYTES / sizeof(u64)];
	u64 slots = job->size / MOCK_DMA_WRITE_BYTES;
	u64 prng = job->prng, done = 0, faults = 0;
	u64 fault_iova = 0;
	unsigned int i, j;
	int ret, fault_ret = 0;

	for (i = 0; i < job->n; i++) {
		u64 iova = job->base +
			   (mock_prng_next(&prng) % slots) * MOCK_DMA_WRITE_BYTES;

		for (j = 0; j < ARRAY_SIZE(data); j++)
			data[j] = cpu_to_le64(mock_prng_next(&prng));
		ret = vfio_dma_rw(&m->core.vdev, iova, data, sizeof(data), true);
		if (ret) {
			if (!faults++) {
				fault_iova = iova;
				fault_ret = ret;
			}
		} else {
			done++;
			mock_log_mark(m, iova);
		}
		cond_resched();
	}
	if (faults)
		dev_warn_ratelimited(mock_dev(m),
				     "DMA write to IOVA 0x%llx failed (%d): not mapped writable; %llu of %u writes faulted\n",
				     fault_iova, fault_ret, faults, job->n);

	mutex_lock(&m->mem_lock);
	m->dma.writes += done;
	m->dma.faults += faults;
	m->dma.inflight--;
	mutex_unlock(&m->mem_lock);
	wake_up_all(&m->dma.idle);
}

/**
 * mock_dma_quiesce() - wait until every DMA batch prepared has been written
 * @m: the device, after clearing active under mem_lock
 *
 * Waits for vfio_dma_rw() calls, which take iommu->lock and mmap_lock: must
 * not be called under vdev->memory_lock (BAR faults take it under
 * mmap_lock).  No lock is taken here, so lockdep does not see the wait.
 */
void mock_dma_quiesce(struct mock_device *m)
{
	wait_event(m->dma.idle, !READ_ONCE(m->dma.inflight));
}

/**
 * mock_copy_start() - COPY_CTRL's START: copy in the background
 * @m: the device, mem_lock held, running (register writes are dropped
 *     while it is stopped)
 *
 * Ignored while a copy is under way or when there is nothing to copy.
 */
void mock_copy_start(struct mock_device *m)
{
	lockdep_assert_held(&m->mem_lock);
	if ((m->copy.status & MOCK_COPY_STATUS_BUSY) || !m->copy.size ||
	    !m->copy.count)
		return;
	m->copy.status = MOCK_COPY_STATUS_BUSY;
	queue_work(system_unbound_wq, &m->copy.work);
}

/*
 * One piece of a copy: @len bytes, neither end crossing a page, through a
 * bounce buffer.  vfio_dma_rw() reads and writes the user's memory as the
 * DMA engine's writes do (type1: serialised against unmap by iommu->lock).
 */
static int mock_copy_piece(struct mock_device *m, void *buf, u64 src, u64 dst,
			   size_t len)
{
	int ret;

	ret = vfio_dma_rw(&m->core.vdev, src, buf, len, false);
	if (ret)
		return ret;
	ret = vfio_dma_rw(&m->core.vdev, dst, buf, len, true);
	if (!ret)
		mock_log_mark(m, dst);
	return ret;
}

/*
 * The copy: counted in dma.inflight like a DMA batch, so an arc that stops
 * the device (mock_set_active(false)) waits for it; it checks the device
 * still runs before every piece, so that wait is short.  None of our locks
 * is held while it copies (see "Locking" in Documentation/dma.rst).
 */
static void mock_copy_work(struct work_struct *work)
{
	struct mock_device *m = container_of(work, struct mock_device, copy.work);
	u64 src, dst, size, off, done = 0;
	u32 count, i, status = 0;
	size_t len;
	void *buf;
	int ret = 0;

	buf = kmalloc(MOCK_PAGE_SIZE, GFP_KERNEL);
	mutex_lock(&m->mem_lock);
	if (!buf || !m->model.active || !READ_ONCE(m->mig.opened)) {
		m->copy.status = buf ? MOCK_COPY_STATUS_STOPPED : MOCK_COPY_STATUS_FAULT;
		mutex_unlock(&m->mem_lock);
		kfree(buf);
		return;
	}
	src = m->copy.src;
	dst = m->copy.dst;
	size = m->copy.size;
	count = m->copy.count;
	m->dma.inflight++;
	mutex_unlock(&m->mem_lock);

	for (i = 0; i < count && !status; i++) {
		for (off = 0; off < size; off += len) {
			if (!READ_ONCE(m->model.active)) {
				status = MOCK_COPY_STATUS_STOPPED;
				break;
			}
			len = min3(size - off,
				   MOCK_PAGE_SIZE - ((src + off) & (MOCK_PAGE_SIZE - 1)),
				   MOCK_PAGE_SIZE - ((dst + off) & (MOCK_PAGE_SIZE - 1)));
			ret = mock_copy_piece(m, buf, src + off, dst + off, len);
			if (ret) {
				status = MOCK_COPY_STATUS_FAULT;
				dev_warn_ratelimited(mock_dev(m),
						     "copy of 0x%llx bytes from IOVA 0x%llx to 0x%llx failed at offset 0x%llx (%d): source not mapped readable or destination not mapped writable\n",
						     size, src, dst, off, ret);
				break;
			}
			done += len;
			cond_resched();
		}
	}
	kfree(buf);

	mutex_lock(&m->mem_lock);
	m->copy.bytes += done;
	m->copy.status = status;
	m->dma.inflight--;
	mutex_unlock(&m->mem_lock);
	wake_up_all(&m->dma.idle);
}

/**
 * mock_copy_cancel() - wait until no copy runs
 * @m: the device, stopped (mock_set_active(false)), no lock of ours held
 */
void mock_copy_cancel(struct mock_device *m)
{
	cancel_work_sync(&m->copy.work);
	mutex_lock(&m->mem_lock);
	m->copy.status &= ~MOCK_COPY_STATUS_BUSY;	/* a copy queued, never run */
	mutex_unlock(&m->mem_lock);
}

/**
 * mock_log_offered() - whether the device offers DMA logging
 * @m: the device
 *
 * Only with CONFIG_IOMMUFD_DRIVER, whose iova_bitmap REPORT needs.
 */
bool mock_log_offered(struct mock_device *m)
{
	return m->core.vdev.log_ops;
}

/**
 * mock_log_start() - &vfio_log_ops.log_start
 * @vdev: the device
 * @ranges: the ranges, validated by the core (aligned to *@page_size, not
 *          overlapping, not overflowing, at most LOG_MAX_RANGES)
 * @nnodes: how many
 * @page_size: in: the page size asked for; out: the tracker's
 *
 * Checks what the core leaves to drivers: @page_size a power of two of at
 * least 4 KiB (the core's alignment checks mean nothing otherwise) and no
 * empty range.  More ranges than dma_log_max_ranges are combined, closing
 * the smallest gaps first.  The tracker page size is dma_log_page_size if
 * set, else @page_size up to 1 GiB.
 *
 * Return: 0, -EINVAL for bad arguments or logging already started (as mlx5
 * and pds), -ENOMEM.
 */
static int mock_log_start(struct vfio_device *vdev, struct rb_root_cached *ranges,
			  u32 nnodes, u64 *page_size)
{
	struct mock_device *m = to_mock(vdev);
	u32 max = READ_ONCE(m->log.max_ranges);
	u64 ps = READ_ONCE(m->log.page_size);
	struct interval_tree_node *node;
	struct mock_log_range *r;
	u32 i = 0;

	if (*page_size < SZ_4K || !is_power_of_2(*page_size)) {
		dev_warn_ratelimited(mock_dev(m),
				     "DMA logging START page_size %llu: must be a power of two >= 4096\n",
				     *page_size);
		return -EINVAL;
	}
	for (node = interval_tree_iter_first(ranges, 0, ULONG_MAX); node;
	     node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		/* length 0 leaves last = iova - 1 (ULONG_MAX for iova 0) */
		if (node->last < node->start || node->last == ULONG_MAX) {
			dev_warn_ratelimited(mock_dev(m),
					     "DMA logging START: empty range at 0x%lx\n",
					     node->start);
			return -EINVAL;
		}
	}
	if (max && nnodes > max) {
		vfio_combine_iova_ranges(ranges, nnodes, max);
		nnodes = max;
	}
	if (!ps)
		ps = min_t(u64, *page_size, MOCK_LOG_MAX_PAGE_SIZE);

	r = kcalloc(nnodes, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	for (node = interval_tree_iter_first(ranges, 0, ULONG_MAX);
	     node && i < nnodes;
	     node = interval_tree_iter_next(node, 0, ULONG_MAX), i++) {
		r[i].start = node->start;
		r[i].last = node->last;
	}

	mutex_lock(&m->log.lock);
	if (m->log.active) {
		mutex_unlock(&m->log.lock);
		kfree(r);
		dev_warn_ratelimited(mock_dev(m),
				     "DMA logging START while started: STOP first\n");
		return -EINVAL;
	}
	m->log.ranges = r;
	m->log.nranges = i;
	m->log.pgshift = ilog2(ps);
	m->log.ndirty = 0;
	m->log.overflow = false;
	m->log.active = true;
	mutex_unlock(&m->log.lock);
	*page_size = ps;
	return 0;
}

/**
 * mock_log_stop() - &vfio_log_ops.log_stop
 * @vdev: the device
 *
 * Forgets the tracker.  Stopping when not started does nothing and succeeds.
 */
static int mock_log_stop(struct vfio_device *vdev)
{
	struct mock_device *m = to_mock(vdev);

	mutex_lock(&m->log.lock);
	mock_log_clear(m);
	mutex_unlock(&m->log.lock);
	return 0;
}

/**
 * mock_log_close() - stop DMA logging when the device is closed
 * @m: the device
 */
void mock_log_close(struct mock_device *m)
{
	mock_log_stop(&m->core.vdev);
}

/**
 * mock_log_read_and_clear() - &vfio_log_ops.log_read_and_clear
 * @vdev: the device
 * @iova: start of the chunk of the report range iova_bitmap hands us
 * @length: its length
 * @dirty: the user's bitmap, at the page size REPORT asked for
 *
 * Sets the bits of every dirty tracker page in the chunk (iova_bitmap
 * converts to the report's page size) and forgets the tracker pages the
 * chunk covers entirely; a tracker page only partly covered stays dirty,
 * so it is reported again rather than lost.
 *
 * Return: 0; -EINVAL if logging is not started; -EIO for an injected failure
 * or a tracker that overflowed.
 */
static int mock_log_read_and_clear(struct vfio_device *vdev, unsigned long iova,
				   unsigned long length, struct iova_bitmap *dirty)
{
	struct mock_device *m = to_mock(vdev);
	unsigned long idx, end = iova + length - 1;
	void *entry;
	int ret = 0;

	mutex_lock(&m->log.lock);
	if (!m->log.active) {
		dev_warn_ratelimited(mock_dev(m), "DMA logging REPORT while not started\n");
		ret = -EINVAL;
		goto out_unlock;
	}
	if (m->log.fail_report) {
		m->log.fail_report--;
		mock_event_fault(m, "dma_log_report errno=%d", -EIO);
		ret = -EIO;
		goto out_unlock;
	}
	if (m->log.overflow) {
		dev_warn_ratelimited(mock_dev(m),
				     "DMA logging REPORT: the tracker overflowed, the log is lost\n");
		ret = -EIO;
		goto out_unlock;
	}
	xa_for_each_range(&m->log.dirty, idx, entry, iova >> m->log.pgshift,
			  end >> m->log.pgshift) {
		unsigned long first = idx << m->log.pgshift;
		unsigned long last = first + (1UL << m->log.pgshift) - 1;

		iova_bitmap_set(dirty, max(first, iova),
				min(last, end) - max(first, iova) + 1);
		if (first >= iova && last <= end) {
			xa_erase(&m->log.dirty, idx);
			m->log.ndirty--;
		}
	}
out_unlock:
	mutex_unlock(&m->log.lock);
	return ret;
}

const struct vfio_log_ops mock_log_ops = {
	.log_start = mock_log_start,
	.log_stop = mock_log_stop,
	.log_read_and_clear = mock_log_read_and_clear,
};

static int mock_log_show(struct seq_file *sf, void *unused)
{
	struct mock_device *m = sf->private;

	if (!mock_log_offered(m)) {
		seq_puts(sf, "unsupported: kernel without CONFIG_IOMMUFD_DRIVER\n");
		return 0;
	}
	mutex_lock(&m->log.lock);
	if (m->log.active)
		seq_printf(sf, "started page_size=%lu ranges=%u dirty=%lu overflow=%d\n",
			   1UL << m->log.pgshift, m->log.nranges, m->log.ndirty,
			   m->log.overflow);
	else
		seq_puts(sf, "stopped\n");
	mutex_unlock(&m->log.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mock_log);

static int mock_log_page_size_get(void *data, u64 *val)
{
	*val = READ_ONCE(((struct mock_device *)data)->log.page_size);
	return 0;
}

static int mock_log_page_size_set(void *data, u64 val)
{
	if (val && (val < SZ_4K || val > MOCK_LOG_MAX_PAGE_SIZE || !is_power_of_2(val)))
		return -EINVAL;
	WRITE_ONCE(((struct mock_device *)data)->log.page_size, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(mock_log_page_size_fops, mock_log_page_size_get,
			 mock_log_page_size_set, "%llu\n");

/**
 * mock_log_debugfs() - DMA logging status and limits in the device's debugfs
 * @m: the device
 * @dir: its debugfs directory
 *
 *   dma_log              RO: "unsupported: ...", "stopped" or the tracker
 *   dma_log_max_ranges   ranges the tracker takes before combining (0: any)
 *   dma_log_page_size    tracker page size (0: what START asks for)
 *   dma_log_fail_report  the next N REPORTs fail with EIO
 * The three knobs exist only when logging is offered.
 */
void mock_log_debugfs(struct mock_device *m, struct dentry *dir)
{
	debugfs_create_file("dma_log", 0400, dir, m, &mock_log_fops);
	if (!mock_log_offered(m))
		return;
	debugfs_create_u32("dma_log_max_ranges", 0600, dir, &m->log.max_ranges);
	debugfs_create_file_unsafe("dma_log_page_size", 0600, dir, m,
				   &mock_log_page_size_fops);
	debugfs_create_u32("dma_log_fail_report", 0600, dir, &m->log.fail_report);
}
