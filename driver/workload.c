// SPDX-License-Identifier: GPL-2.0-only
/*
 * The workload engine: while the device runs, it keeps changing device
 * memory at the configured rate, issues P2P writes into a peer (fabric.c)
 * and DMA writes into the user's memory (dma.c).  It sits on top of the
 * model, the fabric and the DMA engine, and is what the state machine
 * starts and freezes (mock_set_active(), mock_set_p2p()).
 */
#include <linux/ktime.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mock.h"

#define MOCK_WL_PERIOD		msecs_to_jiffies(10)
#define MOCK_WL_MAX_BATCH	16384	/* page writes per period, at most */
#define MOCK_WL_WRITE_BYTES	64	/* bytes each page write changes */
#define MOCK_DMA_MAX_BATCH	4096	/* DMA writes per period, at most */

static void mock_wl_work(struct work_struct *work);

/**
 * mock_workload_init() - the workload and P2P engines of a new device
 * @m: the device
 *
 * Return: 0 or -ENOMEM.
 */
int mock_workload_init(struct mock_device *m)
{
	INIT_DELAYED_WORK(&m->wl.work, mock_wl_work);
	init_waitqueue_head(&m->p2p.idle);
	m->p2p.ok = true;
	m->p2p.batch = kvcalloc(MOCK_P2P_BATCH, sizeof(*m->p2p.batch), GFP_KERNEL);
	return m->p2p.batch ? 0 : -ENOMEM;
}

/**
 * mock_workload_cancel() - wait until no workload period runs any more
 * @m: the device, stopped (mock_set_active(false)), no lock of ours held
 */
void mock_workload_cancel(struct mock_device *m)
{
	cancel_delayed_work_sync(&m->wl.work);
}

/**
 * mock_workload_destroy() - stop the engines for good and free them
 * @m: the device, going away
 */
void mock_workload_destroy(struct mock_device *m)
{
	mock_workload_cancel(m);
	kvfree(m->p2p.batch);
	m->p2p.batch = NULL;
}

/* The P2P engine's power-on state: unwired, counters zero; mem_lock held. */
static void mock_p2p_reset(struct mock_device *m)
{
	lockdep_assert_held(&m->mem_lock);
	m->p2p.peer = 0;
	m->p2p.win_off = 0;
	m->p2p.win_size = 0;
	m->p2p.rate = 0;
	m->p2p.tx = 0;
	m->p2p.rx = 0;
	m->p2p.dropped = 0;
}

/**
 * mock_state_reset() - return device state to power-on values
 * @m: the device
 *
 * The model (memory zeroed, registers at their defaults), the P2P engine
 * (unwired, counters zero) and the DMA engine, in one mem_lock hold so no
 * workload period sees half of it.  Called on every reset and open, and
 * when a resume session is refused; may run under vdev->memory_lock (takes
 * only mem_lock).
 */
void mock_state_reset(struct mock_device *m)
{
	mutex_lock(&m->mem_lock);
	mock_model_reset(m);
	mock_p2p_reset(m);
	mock_dma_reset(m);
	mutex_unlock(&m->mem_lock);
}

static bool mock_p2p_runnable(struct mock_device *m)
{
	return m->p2p.ok && m->p2p.peer && m->p2p.rate &&
	       m->p2p.win_size >= MOCK_P2P_WRITE_BYTES;
}

static bool mock_wl_runnable(struct mock_device *m)
{
	return m->model.active &&
	       (((m->model.regs.wl_ctrl & MOCK_WL_CTRL_ENABLE) && m->model.regs.wl_rate) ||
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
	m->model.active = active;
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
	if (queue_delayed_work(system_unbound_wq, &m->wl.work, 0)) {
		m->wl.last_ns = ktime_get_ns();
		m->wl.carry = 0;
		m->p2p.carry = 0;
		m->dma.carry = 0;
	}
}

static void mock_wl_write_page(struct mock_device *m)
{
	u64 r = mock_prng_next(&m->model.regs.wl_prng);
	unsigned long page = r % m->model.npages;
	unsigned int off = (r >> 32) % (MOCK_PAGE_SIZE / MOCK_WL_WRITE_BYTES);
	u64 *p = (u64 *)(m->model.mem + page * MOCK_PAGE_SIZE + off * MOCK_WL_WRITE_BYTES);
	int i;

	for (i = 0; i < MOCK_WL_WRITE_BYTES / sizeof(u64); i++)
		p[i] = mock_prng_next(&m->model.regs.wl_prng);
	m->model.regs.wl_writes++;
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
	u64 slots = m->p2p.win_size / MOCK_P2P_WRITE_BYTES;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		struct mock_p2p_write *w = &m->p2p.batch[i];
		u64 *d = (u64 *)w->data;

		w->off = m->p2p.win_off +
			 (mock_prng_next(&m->model.regs.wl_prng) % slots) * MOCK_P2P_WRITE_BYTES;
		for (j = 0; j < MOCK_P2P_WRITE_BYTES / sizeof(u64); j++)
			d[j] = mock_prng_next(&m->model.regs.wl_prng);
	}
}

/**
 * mock_wl_work() - one period of the workload engine
 * @work: &mock_device.wl.work
 *
 * Writes as many pages as the configured rate allows for the time since the
 * previous period, issues the P2P writes due, then reschedules itself while
 * the device runs.  P2P writes are delivered after mem_lock is dropped (see
 * fabric.c), counted in p2p.inflight until they have landed; DMA writes
 * likewise (dma.c), counted in dma.inflight.
 */
static void mock_wl_work(struct work_struct *work)
{
	struct mock_device *m = container_of(to_delayed_work(work),
					     struct mock_device, wl.work);
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
	elapsed = min_t(u64, now - m->wl.last_ns, NSEC_PER_SEC);
	m->wl.last_ns = now;
	if ((m->model.regs.wl_ctrl & MOCK_WL_CTRL_ENABLE) && m->model.regs.wl_rate) {
		n = mock_due(m->model.regs.wl_rate, elapsed, &m->wl.carry, MOCK_WL_MAX_BATCH);
		while (n--)
			mock_wl_write_page(m);
	}
	if (mock_p2p_runnable(m)) {
		n_p2p = mock_due(m->p2p.rate, elapsed, &m->p2p.carry, MOCK_P2P_BATCH);
		if (n_p2p) {
			mock_p2p_prepare(m, n_p2p);
			peer = m->p2p.peer;
			m->p2p.inflight++;
		}
	}
	if (mock_dma_runnable(m))
		mock_dma_prepare(m, mock_due(m->dma.rate, elapsed, &m->dma.carry,
					     MOCK_DMA_MAX_BATCH), &dma);
	queue_delayed_work(system_unbound_wq, &m->wl.work, MOCK_WL_PERIOD);
	mutex_unlock(&m->mem_lock);

	if (n_p2p) {
		done = mock_fabric_deliver(m, peer, m->p2p.batch, n_p2p, &dropped);
		mutex_lock(&m->mem_lock);
		m->p2p.tx += done;
		m->p2p.dropped += dropped;
		m->p2p.inflight--;
		mutex_unlock(&m->mem_lock);
		wake_up_all(&m->p2p.idle);
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
	m->p2p.ok = ok;
	mock_wl_kick(m);
	mutex_unlock(&m->mem_lock);
	if (!ok)
		wait_event(m->p2p.idle, !READ_ONCE(m->p2p.inflight));
}
