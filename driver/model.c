// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device model, the bottom layer of the driver: the device's memory, the
 * registers that are device state, the page hashes and digest that let two
 * devices be compared, and which pages changed since an epoch began (what a
 * save session reads to know what to send again).  It calls nothing else of
 * the driver; whatever changes memory (registers, workload, P2P, resume)
 * calls in here.
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

static_assert(MOCK_PAGE_SIZE == PAGE_SIZE);

/* Memory just zeroed: every page hash is that of a zero page. */
static void mock_hash_zeroed(struct mock_device *m)
{
	u64 zero_hash = xxh64(page_address(ZERO_PAGE(0)), MOCK_PAGE_SIZE, 0);
	unsigned long i;

	for (i = 0; i < m->model.npages; i++)
		m->model.page_hash[i] = zero_hash;
	bitmap_zero(m->model.hash_stale, m->model.npages);
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
 * Return: the bytes of its memory, page hashes and the two page bitmaps.
 */
u64 mock_state_bytes(const struct mock_device *m)
{
	const struct mock_model *md = &m->model;

	return md->mem_size + md->npages * sizeof(u64) +
	       2 * BITS_TO_LONGS(md->npages) * sizeof(long);
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
	gfp_t gfp = GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	unsigned long npages = mem_size / MOCK_PAGE_SIZE;
	unsigned long *stale, *dirty;
	u64 *hash;
	u8 *mem;

	/*
	 * Sizes up to MOCK_MAX_MEM_SIZE come from sysfs: a size the machine
	 * cannot hold fails with -ENOMEM instead of waking the OOM killer.
	 */
	if (!mock_mem_fits(mem_size))
		return -ENOMEM;
	mem = __vmalloc(mem_size, gfp | __GFP_ZERO);
	hash = kvcalloc(npages, sizeof(*hash), gfp);
	stale = bitmap_zalloc(npages, gfp);
	dirty = bitmap_zalloc(npages, gfp);
	if (!mem || !hash || !stale || !dirty) {
		vfree(mem);
		kvfree(hash);
		bitmap_free(stale);
		bitmap_free(dirty);
		return -ENOMEM;
	}

	down_write(&m->mem_free_sem);
	mutex_lock(&m->mem_lock);
	swap(m->model.mem, mem);
	swap(m->model.page_hash, hash);
	swap(m->model.hash_stale, stale);
	swap(m->model.dirty, dirty);
	m->model.mem_size = mem_size;
	m->model.npages = npages;
	m->model.ndirty = 0;
	mock_hash_zeroed(m);
	mutex_unlock(&m->mem_lock);
	up_write(&m->mem_free_sem);

	vfree(mem);
	kvfree(hash);
	bitmap_free(stale);
	bitmap_free(dirty);
	return 0;
}

/**
 * mock_model_init() - the model of a new device: @mem_size bytes of memory
 * @m: the device
 * @mem_size: a multiple of MOCK_PAGE_SIZE
 *
 * Return: 0 or -ENOMEM.
 */
int mock_model_init(struct mock_device *m, u64 mem_size)
{
	init_waitqueue_head(&m->model.changed);
	return mock_state_alloc(m, mem_size);
}

void mock_state_free(struct mock_device *m)
{
	vfree(m->model.mem);
	kvfree(m->model.page_hash);
	bitmap_free(m->model.hash_stale);
	bitmap_free(m->model.dirty);
	m->model.mem = NULL;
	m->model.page_hash = NULL;
	m->model.hash_stale = NULL;
	m->model.dirty = NULL;
}

/**
 * mock_model_reset() - the model's power-on state
 * @m: the device, mem_lock held
 *
 * Memory zeroed, registers at their defaults, no load in progress.
 */
void mock_model_reset(struct mock_device *m)
{
	lockdep_assert_held(&m->mem_lock);
	memset(m->model.mem, 0, m->model.mem_size);
	mock_hash_zeroed(m);
	m->model.loading = false;
	memset(&m->model.regs, 0, sizeof(m->model.regs));
	m->model.dropped_writes = 0;
	m->model.digest_latch = 0;
}

/**
 * mock_mark_dirty() - note that a page must be sent again
 * @m: the device, mem_lock held
 * @page: index of the page
 *
 * Only while a session tracks (mock_dirty_epoch()).  The first page after a
 * lull wakes &mock_device.changed: a save session polls it.
 */
void mock_mark_dirty(struct mock_device *m, unsigned long page)
{
	lockdep_assert_held(&m->mem_lock);
	if (!m->model.tracking || __test_and_set_bit(page, m->model.dirty))
		return;
	if (!m->model.ndirty++)
		wake_up_interruptible(&m->model.changed);
}

/**
 * mock_dirty_epoch() - begin a new epoch: no page dirty
 * @m: the device, mem_lock held
 * @track: mark the pages that change from now on (false: the device is
 *         stopped, nothing changes)
 */
void mock_dirty_epoch(struct mock_device *m, bool track)
{
	lockdep_assert_held(&m->mem_lock);
	bitmap_zero(m->model.dirty, m->model.npages);
	m->model.ndirty = 0;
	m->model.tracking = track;
}

/**
 * mock_dirty_all() - mark every page dirty
 * @m: the device, mem_lock held
 *
 * For a session that must send everything again (a REINIT without the v2
 * opt-in).  Wakes nobody: the REINIT that called for it already woke
 * &mock_device.changed.
 */
void mock_dirty_all(struct mock_device *m)
{
	lockdep_assert_held(&m->mem_lock);
	bitmap_fill(m->model.dirty, m->model.npages);
	m->model.ndirty = m->model.npages;
}

/**
 * mock_dirty_stop() - mark no more pages dirty
 * @m: the device, mem_lock held
 *
 * The pages already dirty stay so: a STOP_COPY stream still sends them.
 */
void mock_dirty_stop(struct mock_device *m)
{
	lockdep_assert_held(&m->mem_lock);
	m->model.tracking = false;
}

/**
 * mock_model_reinit() - the device re-initialised its migration state
 * @m: the device, mem_lock held
 *
 * Only while a session tracks dirty pages (in PRE_COPY): bumps the REINIT
 * generation, which that session reads (save.c).  Returns whether it did.
 */
bool mock_model_reinit(struct mock_device *m)
{
	lockdep_assert_held(&m->mem_lock);
	if (!m->model.tracking)
		return false;
	m->model.reinit_gen++;
	wake_up_interruptible(&m->model.changed);
	return true;
}

/**
 * mock_page_modified() - account a change to one page of device memory
 * @m: the device, mem_lock held
 * @page: index of the page
 *
 * Invalidates the page's hash and, while tracking, marks the page dirty.
 */
void mock_page_modified(struct mock_device *m, unsigned long page)
{
	lockdep_assert_held(&m->mem_lock);
	__set_bit(page, m->model.hash_stale);
	mock_mark_dirty(m, page);
}

/**
 * mock_page_hash() - the current xxh64 of one page
 * @m: the device, mem_lock held
 * @page: index of the page
 */
u64 mock_page_hash(struct mock_device *m, unsigned long page)
{
	struct mock_model *md = &m->model;

	lockdep_assert_held(&m->mem_lock);
	if (__test_and_clear_bit(page, md->hash_stale))
		md->page_hash[page] = xxh64(md->mem + page * MOCK_PAGE_SIZE, MOCK_PAGE_SIZE, 0);
	return md->page_hash[page];
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
	for_each_set_bit(page, m->model.hash_stale, m->model.npages)
		mock_page_hash(m, page);
	return mock_digest_of(m->model.page_hash, m->model.npages, &m->model.regs);
}
