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
