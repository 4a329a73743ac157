// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mock device's state: its memory, the registers that are device state,
 * the workload engine that keeps changing memory while the device runs, and
 * the digest that lets two devices be compared.
 *
 * Every page has an xxh64 hash, kept lazily (hash_stale marks pages written
 * since their hash was taken).  The digest is xxh64 over all page hashes and
 * the registers, so it is cheap to take even for 1 GiB of memory, and a page
 * record's checksum is simply its page hash.
 */
#include <linux/bitmap.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/xxhash.h>

#include "mock.h"

#define MOCK_WL_PERIOD		msecs_to_jiffies(10)
#define MOCK_WL_MAX_BATCH	16384	/* page writes per period, at most */
#define MOCK_WL_WRITE_BYTES	64	/* bytes each page write changes */
#define MOCK_DMA_MAX_BATCH	4096	/* DMA writes per period, at most */

static_assert(MOCK_PAGE_SIZE == PAGE_SIZE);

/* Memory just zeroed: every page hash is that of a zero page. */
static void mock_hash_zeroed(struct mock_device *m)
{
	u64 zero_hash = xxh64(page_address(ZERO_PAGE(0)), MOCK_PAGE_SIZE, 0);
	unsigned long i;

	for (i = 0; i < m->npages; i++)
		m->page_hash[i] = zero_hash;
	bitmap_zero(m->hash_stale, m->npages);
}

/* What a large allocation must leave to the rest of the machine. */
#define MOCK_MEM_HEADROOM	(64ULL << 20)

/**
 * mock_mem_fits() - whether @bytes can be allocated without starving others
 * @bytes: the size of a device-memory-sized allocation
 *
 * Device memory is as large as the device (up to 4 GiB).
 * __GFP_RETRY_MAYFAIL keeps its own allocation from waking the OOM killer,
 * but while it takes the last free pages any other allocation on the
 * machine can: refuse up front what MemAvailable cannot hold with some
 * headroom.
 *
 * Return: true if the allocation may be attempted.
 */
static bool mock_mem_fits(u64 bytes)
{
	return si_mem_available() >= (long)((bytes + MOCK_MEM_HEADROOM) >> PAGE_SHIFT);
}

/**
 * mock_state_bytes() - what the device's state holds in memory
 * @m: the device
 *
 * Return: the bytes of its memory, page hashes and stale-hash bitmap.
 */
u64 mock_state_bytes(const struct mock_device *m)
{
	return m->mem_size + m->npages * sizeof(u64) + BITS_TO_LONGS(m->npages) * sizeof(long);
}

/**
 * mock_state_alloc() - allocate device memory of @mem_size bytes
 * @m: the device (not open)
 * @mem_size: a multiple of MOCK_PAGE_SIZE
 *
 * Replaces any previous memory.  Returns 0 or -ENOMEM; on failure the previous
 * memory is kept.
 */
int mock_state_alloc(struct mock_device *m, u64 mem_size)
{
	unsigned long npages = mem_size / MOCK_PAGE_SIZE;
	unsigned long *stale;
	u64 *hash;
	u8 *mem;

	/*
	 * Sizes up to MOCK_MAX_MEM_SIZE come from sysfs: a size the machine
	 * cannot hold fails with -ENOMEM instead of waking the OOM killer.
	 */
	if (!mock_mem_fits(mem_size))
		return -ENOMEM;
	mem = __vmalloc(mem_size, GFP_KERNEL | __GFP_ZERO | __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	hash = kvcalloc(npages, sizeof(*hash), GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	stale = bitmap_zalloc(npages, GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	if (!mem || !hash || !stale) {
		vfree(mem);
		kvfree(hash);
		bitmap_free(stale);
		return -ENOMEM;
	}

	down_write(&m->mem_free_sem);
	mutex_lock(&m->mem_lock);
	swap(m->mem, mem);
	swap(m->page_hash, hash);
	swap(m->hash_stale, stale);
	m->mem_size = mem_size;
	m->npages = npages;
	mock_hash_zeroed(m);
	mutex_unlock(&m->mem_lock);
	up_write(&m->mem_free_sem);

	vfree(mem);
	kvfree(hash);
	bitmap_free(stale);
	return 0;
}

void mock_state_free(struct mock_device *m)
{
	vfree(m->mem);
	kvfree(m->page_hash);
	bitmap_free(m->hash_stale);
	m->mem = NULL;
	m->page_hash = NULL;
	m->hash_stale = NULL;
}

/**
 * mock_state_reset() - return device state to power-on values
 * @m: the device
 *
 * Memory zeroed, registers at their defaults, workload off.  Called on every
 * reset and open; may run under vdev->memory_lock (takes only mem_lock).
 */
void mock_state_reset(struct mock_device *m)
{
	mutex_lock(&m->mem_lock);
	memset(m->mem, 0, m->mem_size);
	mock_hash_zeroed(m);
	m->loading = false;
	memset(&m->regs, 0, sizeof(m->regs));
	m->dropped_writes = 0;
	m->digest_latch = 0;
	m->p2p_peer = 0;
	m->p2p_win_off = 0;
	m->p2p_win_size = 0;
	m->p2p_rate = 0;
	m->p2p_tx = 0;
	m->p2p_rx = 0;
	m->p2p_dropped = 0;
	mock_dma_reset(m);
	mutex_unlock(&m->mem_lock);
}

/**
 * mock_page_modified() - account a change to one page of device memory
 * @m: the device, mem_lock held
 * @page: index of the page
 *
 * Invalidates the page's hash and, during a save session, marks the page
 * dirty unless it is still waiting to be sent in the initial pass.
 */
void mock_page_modified(struct mock_device *m, unsigned long page)
{
	lockdep_assert_held(&m->mem_lock);
	__set_bit(page, m->hash_stale);
	if (m->tracking)
		mock_save_track(m->tracking, page);
}

/**
 * mock_page_hash() - the current xxh64 of one page
 * @m: the device, mem_lock held
 * @page: index of the page
 */
u64 mock_page_hash(struct mock_device *m, unsigned long page)
{
	lockdep_assert_held(&m->mem_lock);
	if (__test_and_clear_bit(page, m->hash_stale))
		m->page_hash[page] = xxh64(m->mem + page * MOCK_PAGE_SIZE,
					   MOCK_PAGE_SIZE, 0);
	return m->page_hash[page];
}

void mock_regs_to_stream(const struct mock_regs *regs, struct mock_stream_regs *out)
{
	out->mem_addr = cpu_to_le64(regs->mem_addr);
	out->wl_seed = cpu_to_le64(regs->wl_seed);
	out->wl_prng = cpu_to_le64(regs->wl_prng);
	out->wl_writes = cpu_to_le64(regs->wl_writes);
	out->wl_ctrl = cpu_to_le32(regs->wl_ctrl);
	out->wl_rate = cpu_to_le32(regs->wl_rate);
}

/**
 * mock_digest_of() - digest of a device state given by its parts
 * @page_hash: the hash of every page
 * @npages: number of pages
 * @regs: the device-state registers
 *
 * Used for the live device and for a state received in RESUMING alike.
 */
u64 mock_digest_of(const u64 *page_hash, unsigned long npages,
		   const struct mock_regs *regs)
{
	struct mock_stream_regs sregs;
	struct xxh64_state st;
	__le64 chunk[64];
	unsigned long i, n;

	xxh64_reset(&st, 0);
	for (i = 0; i < npages; i += n) {
		unsigned long j;

		n = min_t(unsigned long, ARRAY_SIZE(chunk), npages - i);
		for (j = 0; j < n; j++)
			chunk[j] = cpu_to_le64(page_hash[i + j]);
		xxh64_update(&st, chunk, n * sizeof(chunk[0]));
	}
	mock_regs_to_stream(regs, &sregs);
	xxh64_update(&st, &sregs, sizeof(sregs));
	return xxh64_digest(&st);
}

/**
 * mock_digest() - hash of the whole device state (MOCK_REG_DIGEST)
 * @m: the device, mem_lock held
 */
u64 mock_digest(struct mock_device *m)
{
	unsigned long page;

	lockdep_assert_held(&m->mem_lock);
	for_each_set_bit(page, m->hash_stale, m->npages)
		mock_page_hash(m, page);
	return mock_digest_of(m->page_hash, m->npages, &m->regs);
}

static bool mock_p2p_runnable(struct mock_device *m)
{
	return m->p2p_ok && m->p2p_peer && m->p2p_rate &&
	       m->p2p_win_size >= MOCK_P2P_WRITE_BYTES;
}

static bool mock_wl_runnable(struct mock_device *m)
{
	return m->active &&
	       (((m->regs.wl_ctrl & MOCK_WL_CTRL_ENABLE) && m->regs.wl_rate) ||
		mock_p2p_runnable(m) || mock_dma_runnable(m));
}

/**
 * mock_set_active() - let the device run, or freeze it
 * @m: the device
 * @active: true in RUNNING, RUNNING_P2P, PRE_COPY and PRE_COPY_P2P
 *
 * Once this returns with @active false no device state changes and the
 * device writes no more user memory: the workload checks the flag under
 * mem_lock before every batch, and DMA batches prepared before are waited
 * for (mock_dma_quiesce()).  Must not be called with @active false under
 * vdev->memory_lock (it waits for vfio_dma_rw()).
 */
void mock_set_active(struct mock_device *m, bool active)
{
	mutex_lock(&m->mem_lock);
	m->active = active;
	mock_wl_kick(m);
	mutex_unlock(&m->mem_lock);
	if (!active)
		mock_dma_quiesce(m);
}

/**
 * mock_wl_kick() - start the workload if it should run and is idle
 * @m: the device, mem_lock held
 */
void mock_wl_kick(struct mock_device *m)
{
	lockdep_assert_held(&m->mem_lock);
	if (!mock_wl_runnable(m))
		return;
	if (queue_delayed_work(system_unbound_wq, &m->wl_work, 0)) {
		m->wl_last_ns = ktime_get_ns();
		m->wl_carry = 0;
		m->p2p_carry = 0;
		m->dma_carry = 0;
	}
}

static void mock_wl_write_page(struct mock_device *m)
{
	u64 r = mock_prng_next(&m->regs.wl_prng);
	unsigned long page = r % m->npages;
	unsigned int off = (r >> 32) % (MOCK_PAGE_SIZE / MOCK_WL_WRITE_BYTES);
	u64 *p = (u64 *)(m->mem + page * MOCK_PAGE_SIZE + off * MOCK_WL_WRITE_BYTES);
	int i;

	for (i = 0; i < MOCK_WL_WRITE_BYTES / sizeof(u64); i++)
		p[i] = mock_prng_next(&m->regs.wl_prng);
	m->regs.wl_writes++;
	mock_page_modified(m, page);
}

/* How many events at @rate per second are due after @elapsed ns. */
static u64 mock_due(u32 rate, u64 elapsed, u64 *carry, u64 max)
{
	u64 n = div64_u64_rem(*carry + (u64)rate * elapsed, NSEC_PER_SEC, carry);

	if (n > max) {
		n = max;	/* fall behind rather than stall */
		*carry = 0;
	}
	return n;
}

/* Prepare @n P2P writes into the peer's window, from the workload PRNG. */
static void mock_p2p_prepare(struct mock_device *m, unsigned int n)
{
	u64 slots = m->p2p_win_size / MOCK_P2P_WRITE_BYTES;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		struct mock_p2p_write *w = &m->p2p_batch[i];
		u64 *d = (u64 *)w->data;

		w->off = m->p2p_win_off +
			 (mock_prng_next(&m->regs.wl_prng) % slots) * MOCK_P2P_WRITE_BYTES;
		for (j = 0; j < MOCK_P2P_WRITE_BYTES / sizeof(u64); j++)
			d[j] = mock_prng_next(&m->regs.wl_prng);
	}
}

/**
 * mock_wl_work() - one period of the workload engine
 * @work: &mock_device.wl_work
 *
 * Writes as many pages as the configured rate allows for the time since the
 * previous period, issues the P2P writes due, then reschedules itself while
 * the device runs.  P2P writes are delivered after mem_lock is dropped (see
 * fabric.c), counted in p2p_inflight until they have landed; DMA writes
 * likewise (dma.c), counted in dma_inflight.
 */
void mock_wl_work(struct work_struct *work)
{
	struct mock_device *m = container_of(to_delayed_work(work),
					     struct mock_device, wl_work);
	unsigned int n_p2p = 0, done, dropped;
	struct mock_dma_job dma = {};
	u64 now, elapsed, n;
	u32 peer = 0;

	mutex_lock(&m->mem_lock);
	if (!mock_wl_runnable(m)) {
		mutex_unlock(&m->mem_lock);
		return;
	}

	now = ktime_get_ns();
	elapsed = min_t(u64, now - m->wl_last_ns, NSEC_PER_SEC);
	m->wl_last_ns = now;
	if ((m->regs.wl_ctrl & MOCK_WL_CTRL_ENABLE) && m->regs.wl_rate) {
		n = mock_due(m->regs.wl_rate, elapsed, &m->wl_carry, MOCK_WL_MAX_BATCH);
		while (n--)
			mock_wl_write_page(m);
	}
	if (mock_p2p_runnable(m)) {
		n_p2p = mock_due(m->p2p_rate, elapsed, &m->p2p_carry, MOCK_P2P_BATCH);
		if (n_p2p) {
			mock_p2p_prepare(m, n_p2p);
			peer = m->p2p_peer;
			m->p2p_inflight++;
		}
	}
	if (mock_dma_runnable(m))
		mock_dma_prepare(m, mock_due(m->dma_rate, elapsed, &m->dma_carry,
					     MOCK_DMA_MAX_BATCH), &dma);
	queue_delayed_work(system_unbound_wq, &m->wl_work, MOCK_WL_PERIOD);
	mutex_unlock(&m->mem_lock);

	if (n_p2p) {
		done = mock_fabric_deliver(m, peer, m->p2p_batch, n_p2p, &dropped);
		mutex_lock(&m->mem_lock);
		m->p2p_tx += done;
		m->p2p_dropped += dropped;
		m->p2p_inflight--;
		mutex_unlock(&m->mem_lock);
		wake_up_all(&m->p2p_idle);
	}
	if (dma.n)
		mock_dma_run(m, &dma);
}

/**
 * mock_set_p2p() - allow or quiesce P2P initiation
 * @m: the device, state_mutex held
 * @ok: true in RUNNING and PRE_COPY only
 *
 * On quiescing, waits until every P2P write already issued has landed, as
 * the uAPI requires of the arc into RUNNING_P2P or PRE_COPY_P2P.
 */
void mock_set_p2p(struct mock_device *m, bool ok)
{
	mutex_lock(&m->mem_lock);
	m->p2p_ok = ok;
	mock_wl_kick(m);
	mutex_unlock(&m->mem_lock);
	if (!ok)
		wait_event(m->p2p_idle, !READ_ONCE(m->p2p_inflight));
}
