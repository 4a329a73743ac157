// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VFIO migration protocol v2 state machine of the mock device.
 *
 * Each arc is derived from what the two states mean rather than listed one
 * by one: whether the device runs, whether a save session is open, whether
 * it is resuming.  vfio_mig_get_next_state() only ever hands us single arcs
 * the uAPI defines, so this covers every arc of every flag combination.
 */
#include <linux/file.h>
#include <linux/pci.h>
#include <linux/sched.h>

#include "mock.h"

/*
 * One arc of a walk to @target; returns the new data_fd's file, NULL, or an
 * ERR_PTR.  The state groups are those of mock_vfio_rules.h: the device
 * initiates P2P only in RUNNING and PRE_COPY (mig_state_initiating()).
 */
static struct file *mock_step(struct mock_device *m, enum vfio_device_mig_state next,
			      enum vfio_device_mig_state target)
{
	enum vfio_device_mig_state cur = m->mig.state;
	bool stop_copy = next == VFIO_DEVICE_STATE_STOP_COPY;
	struct mock_save_file *s;
	struct mock_resume_file *r;
	int ret;

	/* RESUMING -> STOP: the last point where the stream can be refused. */
	if (cur == VFIO_DEVICE_STATE_RESUMING) {
		ret = mock_resume_commit(m);
		if (ret)
			return ERR_PTR(ret);
		mock_resume_end(m, true);
	}

	/* S-2: a pre-copy ended without STOP_COPY is lost to a later one. */
	if (mig_s2_track(cur, next, &m->mig.precopy_abandoned))
		mock_violation(m, MIG_RULE_S2,
			       "STOP->STOP_COPY starts a new stream after a pre-copy that was left without STOP_COPY");

	/* Leaving the saving group (PRE_COPY->RUNNING, STOP_COPY->STOP, ...). */
	if (mig_state_saving(cur) && !mig_state_saving(next)) {
		if (mig_breaks_u11(cur, next, mock_save_at_eof(m), target))
			mock_violation(m, MIG_RULE_U11,
				       "STOP_COPY->%s before the stream reached its end",
				       mig_state_name(next));
		mock_save_end(m, true);
	}

	/* Quiesce P2P first: outstanding writes land before the arc returns. */
	if (mig_state_initiating(cur) != mig_state_initiating(next))
		mock_set_p2p(m, mig_state_initiating(next));

	/* Freeze before STOP_COPY reads the final state; thaw when running. */
	if (mig_state_runs(cur) != mig_state_runs(next))
		mock_set_active(m, mig_state_runs(next));

	if (mig_state_saving(cur) && stop_copy)
		mock_save_to_stop_copy(m);	/* same data_fd goes on */

	/* RUNNING(_P2P)->PRE_COPY(_P2P) or STOP->STOP_COPY: nothing to undo. */
	if (!mig_state_saving(cur) && mig_state_saving(next)) {
		s = mock_save_start(m, stop_copy);
		if (IS_ERR(s))
			return ERR_CAST(s);
		return mock_save_filp(s);
	}

	if (next == VFIO_DEVICE_STATE_RESUMING) {
		r = mock_resume_start(m);
		if (IS_ERR(r))
			return ERR_CAST(r);
		return mock_resume_filp(r);
	}
	return NULL;
}

/*
 * An arc failed and left the device in no valid state: transfers end, the
 * device stops, and only VFIO_DEVICE_RESET gets it out of ERROR.
 */
static void mock_enter_error(struct mock_device *m)
{
	mock_save_end(m, true);
	mock_resume_end(m, true);
	mock_set_p2p(m, false);
	mock_set_active(m, false);
	WRITE_ONCE(m->mig.state, VFIO_DEVICE_STATE_ERROR);
}

/**
 * mock_set_state() - &vfio_migration_ops.migration_set_state
 * @vdev: the device
 * @new: the requested state
 *
 * Walks the arcs vfio_mig_get_next_state() chooses.  Returns the data_fd's
 * file if the last arc starts a transfer, NULL if none, or an ERR_PTR; on
 * failure the device stays in the last state it fully reached.
 */
static struct file *mock_set_state(struct vfio_device *vdev,
				   enum vfio_device_mig_state new)
{
	struct mock_device *m = to_mock(vdev);
	struct file *res = NULL;
	enum vfio_device_mig_state from, next;
	int ret;

	mutex_lock(&m->state_mutex);
	from = m->mig.state;
	if (m->mig.state == VFIO_DEVICE_STATE_ERROR) {
		dev_warn_ratelimited(mock_dev(m),
				     "set state %u refused: device in ERROR, VFIO_DEVICE_RESET required\n",
				     new);
		res = ERR_PTR(-EINVAL);
		goto out_unlock;
	}
	/*
	 * The uAPI forbids these arcs.  Linux 6.12 before the stable fix spins
	 * forever in vfio_mig_get_next_state() on them for PRE_COPY devices,
	 * so refuse them before asking it.
	 */
	if (m->mig.state == VFIO_DEVICE_STATE_STOP_COPY &&
	    (new == VFIO_DEVICE_STATE_PRE_COPY || new == VFIO_DEVICE_STATE_PRE_COPY_P2P) &&
	    mock_bug_spins_on_blocked_arc()) {
		while (!fatal_signal_pending(current))
			cond_resched();
		res = ERR_PTR(-EINTR);
		goto out_unlock;
	}
	if (m->mig.state == VFIO_DEVICE_STATE_STOP_COPY &&
	    (new == VFIO_DEVICE_STATE_PRE_COPY || new == VFIO_DEVICE_STATE_PRE_COPY_P2P)) {
		dev_warn_ratelimited(mock_dev(m),
				     "set state STOP_COPY->%u refused: the uAPI does not permit it\n",
				     new);
		res = ERR_PTR(-EINVAL);
		goto out_unlock;
	}

	while (m->mig.state != new) {
		enum vfio_device_mig_state cur = m->mig.state;
		bool to_error = false;

		ret = vfio_mig_get_next_state(vdev, cur, new, &next);
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}
		ret = mock_fault_arc(m, cur, next, &to_error);
		if (ret) {
			if (to_error)
				mock_enter_error(m);
			mock_event_arc(m, cur, next, ret);
			res = ERR_PTR(ret);
			break;
		}
		res = mock_step(m, next, new);
		mock_event_arc(m, cur, next, PTR_ERR_OR_ZERO(res));
		if (IS_ERR(res)) {
			/* Refused by validation, or by the reject_resume fault. */
			if (mig_breaks_u14(cur, PTR_ERR(res)))
				mock_violation(m, MIG_RULE_U14,
					       "RESUMING->%s with an incomplete or rejected stream",
					       mig_state_name(next));
			break;
		}
		WRITE_ONCE(m->mig.state, next);
		mock_fabric_check_arc(m, next, new);
		mock_fabric_check_split_brain(m, cur, next);
		if (WARN_ON(res && next != new)) {
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	/* The VM runs again: an abandoned pre-copy no longer matters. */
	if (m->mig.state == VFIO_DEVICE_STATE_RUNNING)
		m->mig.precopy_abandoned = 0;
out_unlock:
	mock_event_set(m, from, new, PTR_ERR_OR_ZERO(res));
	mock_state_mutex_unlock(m);
	return res;
}

static int mock_get_state(struct vfio_device *vdev,
			  enum vfio_device_mig_state *state)
{
	struct mock_device *m = to_mock(vdev);

	mutex_lock(&m->state_mutex);
	*state = m->mig.state;
	mock_state_mutex_unlock(m);
	return 0;
}

/*
 * Exactly what a STOP_COPY read would produce from now on if the device
 * stopped now; while it runs, every page it dirties later adds one record.
 */
static int mock_get_data_size(struct vfio_device *vdev, unsigned long *len)
{
	struct mock_device *m = to_mock(vdev);

	mutex_lock(&m->state_mutex);
	*len = mock_save_remaining(m);
	mock_state_mutex_unlock(m);
	return 0;
}

const struct vfio_migration_ops mock_mig_ops = {
	.migration_set_state = mock_set_state,
	.migration_get_state = mock_get_state,
	.migration_get_data_size = mock_get_data_size,
};

/**
 * mock_migration_init() - the state machine of a new device: RUNNING
 * @m: the device
 * @stream_minor: the minor version of the streams it emits
 */
void mock_migration_init(struct mock_device *m, u32 stream_minor)
{
	spin_lock_init(&m->mig.reset_lock);
	m->mig.state = VFIO_DEVICE_STATE_RUNNING;
	m->mig.stream_minor = stream_minor;
}

/* Back to RUNNING with power-on device state; sessions over. */
static void mock_migration_reset(struct mock_device *m, bool sync)
{
	if (!mock_bug_keeps_data_fd_on_reset()) {
		mock_save_end(m, sync);
		mock_resume_end(m, sync);
	}
	mock_state_reset(m);
	mock_set_active(m, true);
	mock_set_p2p(m, true);
	m->mig.precopy_abandoned = 0;
	mock_fabric_reset(m);
	if (!mock_bug_keeps_state_on_reset())
		WRITE_ONCE(m->mig.state, VFIO_DEVICE_STATE_RUNNING);
	mock_event_reset(m, m->mig.state, mock_group_of(m));
}

/**
 * mock_state_mutex_unlock() - drop state_mutex, first doing any reset that
 * arrived while it was held
 * @m: the device
 */
void mock_state_mutex_unlock(struct mock_device *m)
{
again:
	spin_lock(&m->mig.reset_lock);
	if (m->mig.deferred_reset) {
		m->mig.deferred_reset = false;
		spin_unlock(&m->mig.reset_lock);
		mock_migration_reset(m, false);
		goto again;
	}
	mutex_unlock(&m->state_mutex);
	spin_unlock(&m->mig.reset_lock);
}

/**
 * mock_reset_done() - &pci_error_handlers.reset_done: FLR, bus reset or
 * VFIO_DEVICE_RESET reset the device
 * @pdev: the function
 *
 * Runs with vdev->memory_lock held, so it must not wait for state_mutex: if
 * someone holds it, they do the reset when they drop it.
 */
void mock_reset_done(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);
	struct mock_device *m = container_of(core, struct mock_device, core);

	if (mock_bug_keeps_state_on_close() && !READ_ONCE(m->mig.opened))
		return;		/* like an mdev: no reset around open and close */
	if (mock_bug_locks_state_in_reset_done()) {
		mutex_lock(&m->state_mutex);	/* under memory_lock: the cycle */
		mock_migration_reset(m, false);
		mutex_unlock(&m->state_mutex);
		return;
	}
	spin_lock(&m->mig.reset_lock);
	m->mig.deferred_reset = true;
	if (!mutex_trylock(&m->state_mutex)) {
		spin_unlock(&m->mig.reset_lock);
		return;
	}
	spin_unlock(&m->mig.reset_lock);
	mock_state_mutex_unlock(m);
}

void mock_migration_open(struct mock_device *m)
{
	mutex_lock(&m->state_mutex);
	WRITE_ONCE(m->mig.opened, true);
	mock_fabric_set_owner(m, current->tgid);
	if (!mock_bug_keeps_state_on_close())
		mock_migration_reset(m, true);
	mock_state_mutex_unlock(m);
}

void mock_migration_close(struct mock_device *m)
{
	mutex_lock(&m->state_mutex);
	mock_save_end(m, true);
	mock_resume_end(m, true);
	mock_set_active(m, false);
	mock_set_p2p(m, false);
	if (!mock_bug_keeps_state_on_close())
		WRITE_ONCE(m->mig.state, VFIO_DEVICE_STATE_RUNNING);
	m->mig.precopy_v2 = false;
	WRITE_ONCE(m->mig.opened, false);
	mock_fabric_set_owner(m, 0);
	mock_state_mutex_unlock(m);
	mock_workload_cancel(m);
	mock_copy_cancel(m);
	mock_log_close(m);	/* the next user starts without logging */
}

/**
 * mock_device_feature() - &vfio_device_ops.device_feature
 * @vdev: the device
 * @flags: VFIO_DEVICE_FEATURE_* flags and index
 * @arg: the feature's payload
 * @argsz: its size
 *
 * Adds VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 (Linux 7.1 uAPI, which the 6.12
 * core passes to drivers) to what vfio-pci-core offers.
 */
int mock_device_feature(struct vfio_device *vdev, u32 flags,
			void __user *arg, size_t argsz)
{
	struct mock_device *m = to_mock(vdev);
	int ret;

	if ((flags & VFIO_DEVICE_FEATURE_MASK) != MOCK_FEATURE_PRECOPY_INFO_V2 ||
	    !(vdev->migration_flags & VFIO_MIGRATION_PRE_COPY))
		return vfio_pci_core_ioctl_feature(vdev, flags, arg, argsz);

	ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
	if (ret != 1)
		return ret;
	mutex_lock(&m->state_mutex);
	WRITE_ONCE(m->mig.precopy_v2, true);
	mock_state_mutex_unlock(m);
	return 0;
}
