// SPDX-License-Identifier: GPL-2.0-only
/*
 * The P2P fabric that connects mock devices, and the multi-device rules of
 * the monitor that need to see every device (P-1, P-2, P-5, X-1).
 *
 * Devices join the fabric at probe with a fabric id that never changes while
 * bound.  A device's P2P writes are prepared under its own mem_lock, then
 * delivered with only mock_fabric_lock and the target's mem_lock held, so no
 * two mem_locks are ever nested.  p2p.inflight counts batches prepared but
 * not yet delivered: an arc that quiesces P2P waits for it to reach zero, so
 * every write issued before the arc has completed when the arc returns.
 */
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>

#include "mock.h"

static LIST_HEAD(mock_fabric);
static DEFINE_MUTEX(mock_fabric_lock);	/* the list; taken before any mem_lock */
static u32 mock_fabric_next_id = 1;

void mock_fabric_join(struct mock_device *m)
{
	mutex_lock(&mock_fabric_lock);
	m->fabric.id = mock_fabric_next_id++;
	list_add_tail(&m->fabric.node, &mock_fabric);
	mutex_unlock(&mock_fabric_lock);
}

void mock_fabric_leave(struct mock_device *m)
{
	mutex_lock(&mock_fabric_lock);
	list_del(&m->fabric.node);
	mutex_unlock(&mock_fabric_lock);
}

/**
 * mock_fabric_set_owner() - the process that opened the device, 0 on close
 * @m: the device, state_mutex held
 * @tgid: that process
 */
void mock_fabric_set_owner(struct mock_device *m, pid_t tgid)
{
	WRITE_ONCE(m->fabric.owner_tgid, tgid);
}

/**
 * mock_fabric_reset() - forget the device's part in any migration
 * @m: the device, state_mutex held, being reset
 */
void mock_fabric_reset(struct mock_device *m)
{
	WRITE_ONCE(m->fabric.stream_ns, 0);
	WRITE_ONCE(m->fabric.loaded_from, 0);
}

/**
 * mock_fabric_note_stream() - a STOP_COPY stream of the device begins
 * @m: the device, state_mutex held
 * @save_ns: its save session, as its SOURCE record names it
 *
 * The device's state can now be saved whole, and this is the session a
 * destination's SOURCE record will name.
 */
void mock_fabric_note_stream(struct mock_device *m, u64 save_ns)
{
	WRITE_ONCE(m->fabric.stream_ns, save_ns);
	mock_event_stream(m, save_ns);
}

/**
 * mock_fabric_forget_loaded() - the device gives up the state it loaded
 * @m: the device, state_mutex held, entering RESUMING
 */
void mock_fabric_forget_loaded(struct mock_device *m)
{
	WRITE_ONCE(m->fabric.loaded_from, 0);
}

/**
 * mock_group_of() - the VM a device belongs to, for the multi-device rules
 * @m: the device
 *
 * Its sysfs group if set (as 2^32 + group), else the process that opened it;
 * 0 when it is in no group (not open).
 */
u64 mock_group_of(struct mock_device *m)
{
	u32 group = READ_ONCE(m->fabric.group);

	if (!READ_ONCE(m->fabric.owner_tgid))
		return 0;	/* not open: in no VM */
	if (group)
		return (1ULL << 32) | group;
	return READ_ONCE(m->fabric.owner_tgid);
}

/**
 * mock_fabric_check_arc() - P-1 and P-2 for an arc a device just made
 * @m: the device, state_mutex held
 * @next: the state it entered
 * @target: the state the VMM asked for, at the end of this walk
 *
 * P-1: entering STOP or STOP_COPY while a device of the same group is still
 * RUNNING or PRE_COPY, unless on the way to RESUMING.  P-2: entering RUNNING
 * or PRE_COPY while a device of the same group is STOP, STOP_COPY or
 * RESUMING.  The predicates are those of mock_vfio_rules.h.
 */
void mock_fabric_check_arc(struct mock_device *m, u32 next, u32 target)
{
	bool p1 = next == VFIO_DEVICE_STATE_STOP || next == VFIO_DEVICE_STATE_STOP_COPY;
	bool p2 = mig_state_initiating(next);
	u64 group = mock_group_of(m);
	struct mock_device *peer;

	if (!group || (!p1 && !p2))
		return;		/* a shortcut: neither rule can apply */
	mutex_lock(&mock_fabric_lock);
	list_for_each_entry(peer, &mock_fabric, fabric.node) {
		u32 ps = READ_ONCE(peer->mig.state);

		if (peer == m || mock_group_of(peer) != group)
			continue;
		if (mig_breaks_p1(next, ps, target))
			mock_violation(m, MIG_RULE_P1, "state=%s peer=%s peer_state=%s",
				       mig_state_name(next), pci_name(peer->core.pdev),
				       mig_state_name(ps));
		if (mig_breaks_p2(next, ps))
			mock_violation(m, MIG_RULE_P2, "state=%s peer=%s peer_state=%s",
				       mig_state_name(next), pci_name(peer->core.pdev),
				       mig_state_name(ps));
	}
	mutex_unlock(&mock_fabric_lock);
}

/**
 * mock_fabric_note_loaded() - a destination committed a stream: from where
 * @m: the destination, state_mutex held
 * @source: the source device's name, from the stream's SOURCE record
 * @save_ns: the source's save session, from the same record
 *
 * A source on this machine is found by name; one elsewhere, or gone,
 * leaves nothing to compare with (loaded_from 0).
 */
void mock_fabric_note_loaded(struct mock_device *m, const char *source, u64 save_ns)
{
	struct mock_device *o;
	u32 id = 0;

	mutex_lock(&mock_fabric_lock);
	list_for_each_entry(o, &mock_fabric, fabric.node)
		if (o != m && !strcmp(pci_name(o->core.pdev), source))
			id = o->fabric.id;
	mutex_unlock(&mock_fabric_lock);
	WRITE_ONCE(m->fabric.loaded_ns, save_ns);
	WRITE_ONCE(m->fabric.loaded_from, id);
	mock_event_loaded(m, source, save_ns);
}

/**
 * mock_fabric_check_split_brain() - X-1 for an arc a device just made
 * @m: the device, state_mutex held
 * @cur: the state it left
 * @next: the state it entered
 *
 * When @m starts running (from a stopped state), it looks for the other half
 * of a migration it took part in, in another VM: as a destination, the
 * source whose STOP_COPY stream it committed, still on that session; as a
 * source, a destination that committed its current STOP_COPY stream.  Both
 * running is two live copies of one state.  The other device's fields are
 * read without its state_mutex (taking it would nest two): a read racing
 * its own arc can only miss the instant the rule starts to be broken, and
 * that arc's own check then sees this one.
 */
void mock_fabric_check_split_brain(struct mock_device *m, u32 cur, u32 next)
{
	u32 from = READ_ONCE(m->fabric.loaded_from);
	u64 from_ns = READ_ONCE(m->fabric.loaded_ns), stream_ns = READ_ONCE(m->fabric.stream_ns);
	u64 group = mock_group_of(m);
	struct mock_device *o;

	if (!group || mig_state_runs(cur) || !mig_state_runs(next) || (!from && !stream_ns))
		return;
	mutex_lock(&mock_fabric_lock);
	list_for_each_entry(o, &mock_fabric, fabric.node) {
		u64 og = mock_group_of(o);
		u32 os = READ_ONCE(o->mig.state);
		bool is_src = from && from == o->fabric.id &&
			      from_ns == READ_ONCE(o->fabric.stream_ns);
		bool is_dst = stream_ns && READ_ONCE(o->fabric.loaded_from) == m->fabric.id &&
			      READ_ONCE(o->fabric.loaded_ns) == stream_ns;

		if (o == m || !og || og == group || !(is_src || is_dst) || !mig_breaks_x1(next, os))
			continue;
		mock_violation(m, MIG_RULE_X1, "state=%s %s=%s its_state=%s",
			       mig_state_name(next), is_src ? "source" : "destination",
			       pci_name(o->core.pdev), mig_state_name(os));
	}
	mutex_unlock(&mock_fabric_lock);
}

/**
 * mock_fabric_deliver() - deliver a batch of P2P writes
 * @m: the initiator (no lock held)
 * @peer_id: fabric id of the target
 * @batch: the writes
 * @n: how many
 * @dropped: set to how many the target dropped
 *
 * Returns how many writes reached the target's memory.  A target that is
 * not active drops them; if it is stopped (its state can no longer change),
 * in a real migration that data would be lost, so it is a P-5 violation
 * naming both devices.
 */
unsigned int mock_fabric_deliver(struct mock_device *m, u32 peer_id,
				 const struct mock_p2p_write *batch,
				 unsigned int n, unsigned int *dropped)
{
	struct mock_device *t;
	unsigned int i, done = 0;
	u32 ts = 0;

	*dropped = 0;
	mutex_lock(&mock_fabric_lock);
	list_for_each_entry(t, &mock_fabric, fabric.node)
		if (t->fabric.id == peer_id)
			break;
	if (list_entry_is_head(t, &mock_fabric, fabric.node))
		goto out_unlock;	/* no such peer: writes go nowhere */

	mutex_lock(&t->mem_lock);
	ts = READ_ONCE(t->mig.state);
	/* Stopped is !active: it is set before the state and read under mem_lock. */
	if (!t->model.active) {
		*dropped = n;
	} else {
		for (i = 0; i < n; i++) {
			u64 off = batch[i].off;

			if (t->model.mem_size < MOCK_P2P_WRITE_BYTES ||
			    off > t->model.mem_size - MOCK_P2P_WRITE_BYTES)
				continue;	/* outside the peer: master abort */
			memcpy(t->model.mem + off, batch[i].data, MOCK_P2P_WRITE_BYTES);
			mock_page_modified(t, off / MOCK_PAGE_SIZE);
			done++;
		}
		t->p2p.rx += done;
	}
	mutex_unlock(&t->mem_lock);

	mock_event_p2p(pci_name(m->core.pdev), pci_name(t->core.pdev), done, *dropped);
	/*
	 * A target nobody has open, or one being reset, is inactive while its
	 * state reads RUNNING: it drops the writes, but no migration lost them.
	 */
	if (*dropped && mig_breaks_p5(ts))
		mock_violation(t, MIG_RULE_P5,
			       "p2p into a stopped device: initiator=%s initiator_state=%s state=%s dropped=%u",
			       pci_name(m->core.pdev),
			       mig_state_name(READ_ONCE(m->mig.state)),
			       mig_state_name(ts), *dropped);
out_unlock:
	mutex_unlock(&mock_fabric_lock);
	return done;
}
