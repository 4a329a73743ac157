// SPDX-License-Identifier: GPL-2.0-only
/*
 * The saving data_fd: one per save session, shared by PRE_COPY, PRE_COPY_P2P
 * and STOP_COPY.
 *
 * The stream starts with the initial data (HEADER, SOURCE, every page), then
 * carries pages as the device dirties them; once in STOP_COPY it adds REGS and
 * END and reaches end of file.  Records are staged a batch at a time under
 * mem_lock and copied to the user outside it.
 */
#include <linux/anon_inodes.h>
#include <linux/bitmap.h>
#include <linux/file.h>
#include <linux/ktime.h>
#include <linux/poll.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/xxhash.h>

#include "mock.h"

#define MOCK_SAVE_BATCH		64	/* page records staged per mem_lock hold */
#define MOCK_SAVE_SEGS		(2 * MOCK_SAVE_BATCH)

/* A run of staged bytes: in the staging buffer, or in frozen device memory. */
struct mock_seg {
	const u8 *p;
	size_t len;
};

struct mock_save_file {
	struct file *filp;
	struct mock_device *m;	/* its struct stays: we hold a device reference */
	char name[16];		/* the device's PCI address, for the event log */
	struct mutex lock;	/* read, ioctl and poll; the staging buffer */
	wait_queue_head_t wq;
	bool disabled;		/* the session is over: never any more data */
	u32 sess;		/* its number on the device (mock_mig.sess_seq) */

	/*
	 * Staged bytes not yet read, under lock.  Page payloads are copied
	 * into buf while the device runs; in STOP_COPY device memory cannot
	 * change, so segments point straight into it and read() copies once.
	 */
	u8 *buf;
	struct mock_seg seg[MOCK_SAVE_SEGS];
	unsigned int nseg;
	unsigned int cur_seg;
	size_t seg_off;
	size_t staged;		/* bytes left in the segments */
	bool buf_initial;	/* they belong to the initial data */

	/*
	 * Progress, under m->mem_lock.  Pages to send again after the initial
	 * pass are the model's dirty pages (mock_mark_dirty()): the session
	 * began the epoch, and a page staged from the initial pass is clean
	 * again.  The dirty pass starts once the initial one is done.
	 */
	unsigned long *initial;	/* pages of the initial pass not yet staged */
	unsigned long n_initial;
	unsigned long cursor;	/* where the dirty scan resumes */
	u32 reinit_gen;		/* the model's REINIT generation, last seen */
	bool head_done;
	bool tail_done;
	bool stop_copy;
	bool reinit;		/* REINIT happened, not yet reported */
	u32 minor;
	u64 start_ns;

	/* Faults armed when the session began, and progress, under lock. */
	s64 flip_at;
	s64 truncate_at;
	u64 pos;		/* stream bytes read so far */
	bool no_converge_logged;	/* in this read() */
};

struct file *mock_save_filp(struct mock_save_file *s)
{
	return s->filp;
}

/*
 * Catch up with a REINIT of the device (mock_model_reinit()), under
 * mem_lock: everything must be sent again.  With the v2 opt-in this is new
 * initial data and the next precopy info reports REINIT; without it,
 * initial_bytes must not grow, so the pages become dirty data instead.
 */
static void mock_save_sync(struct mock_save_file *s)
{
	struct mock_device *m = s->m;

	lockdep_assert_held(&m->mem_lock);
	if (s->reinit_gen == m->model.reinit_gen)
		return;
	s->reinit_gen = m->model.reinit_gen;
	if (s->stop_copy)
		return;
	if (mock_precopy_v2(m)) {
		bitmap_fill(s->initial, m->model.npages);
		s->n_initial = m->model.npages;
		mock_dirty_epoch(m, true);
		s->reinit = true;
	} else {
		/* Pages still in the initial pass are not counted as dirty. */
		mock_dirty_all(m);
	}
}

/* Pages to send again once the initial pass is done, under mem_lock. */
static unsigned long mock_save_n_dirty(struct mock_save_file *s)
{
	struct mock_device *m = s->m;

	if (!s->n_initial)
		return m->model.ndirty;
	return bitmap_weight_andnot(m->model.dirty, s->initial, m->model.npages);
}

static void mock_stage_seg(struct mock_save_file *s, const u8 *p, size_t len)
{
	s->seg[s->nseg].p = p;
	s->seg[s->nseg].len = len;
	s->nseg++;
	s->staged += len;
}

/* Stage a small record at @dst in the staging buffer; returns its size. */
static size_t mock_stage_rec(struct mock_save_file *s, u8 *dst, u16 type,
			     u16 flags, const void *payload, size_t len)
{
	mock_rec_fill((struct mock_rec_hdr *)dst, type, flags, 0, len,
		      xxh64(payload, len, 0));
	memcpy(dst + MOCK_REC_HDR_SIZE, payload, len);
	mock_stage_seg(s, dst, MOCK_REC_HDR_SIZE + len);
	return MOCK_REC_HDR_SIZE + len;
}

static size_t mock_stage_head(struct mock_save_file *s)
{
	struct mock_device *m = s->m;
	struct mock_stream_header hdr = {
		.magic = cpu_to_le64(MOCK_STREAM_MAGIC),
		.major = cpu_to_le16(MOCK_STREAM_MAJOR),
		.minor = cpu_to_le16(s->minor),
		.mem_size = cpu_to_le64(m->model.mem_size),
		.page_size = cpu_to_le32(MOCK_PAGE_SIZE),
	};
	struct mock_stream_source src = {
		.save_ns = cpu_to_le64(s->start_ns),
	};
	size_t len;

	len = mock_stage_rec(s, s->buf, MOCK_REC_HEADER, 0, &hdr, sizeof(hdr));
	if (s->minor >= 1) {
		strscpy(src.name, pci_name(m->core.pdev), sizeof(src.name));
		len += mock_stage_rec(s, s->buf + len, MOCK_REC_SOURCE,
				      MOCK_REC_F_OPTIONAL, &src, sizeof(src));
	}
	return len;
}

static size_t mock_stage_tail(struct mock_save_file *s)
{
	struct mock_device *m = s->m;
	struct mock_stream_regs regs;
	struct mock_stream_end end;
	size_t len;

	mock_regs_to_stream(&m->model.regs, &regs);
	end.digest = cpu_to_le64(mock_digest(m));
	len = mock_stage_rec(s, s->buf, MOCK_REC_REGS, 0, &regs, sizeof(regs));
	len += mock_stage_rec(s, s->buf + len, MOCK_REC_END, 0, &end, sizeof(end));
	return len;
}

/* Fault no_converge: reading a page in pre-copy dirties two others. */
static void mock_no_converge(struct mock_save_file *s)
{
	int i;

	if (!s->no_converge_logged) {
		s->no_converge_logged = true;
		mock_event_fault(s->m, "no_converge");
	}
	for (i = 0; i < 2; i++)
		mock_mark_dirty(s->m, get_random_u32_below(s->m->model.npages));
}

/* Stage up to a batch of the pages set in @set, clearing them. */
static size_t mock_stage_pages(struct mock_save_file *s, unsigned long *set,
			       unsigned long *count, unsigned long *cursor)
{
	struct mock_device *m = s->m;
	size_t len = 0;
	int i;

	for (i = 0; i < MOCK_SAVE_BATCH && *count; i++) {
		unsigned long page = find_next_bit(set, m->model.npages, *cursor);
		u8 *h = s->buf + i * MOCK_PAGE_REC_SIZE;
		const u8 *data;

		if (page >= m->model.npages)
			page = find_first_bit(set, m->model.npages);
		__clear_bit(page, set);
		(*count)--;
		/* Sent as it is now: no longer dirty (and not sent twice). */
		if (set != m->model.dirty && __test_and_clear_bit(page, m->model.dirty))
			m->model.ndirty--;
		*cursor = page + 1;
		data = m->model.mem + page * MOCK_PAGE_SIZE;
		mock_rec_fill((struct mock_rec_hdr *)h, MOCK_REC_PAGE, 0, page,
			      MOCK_PAGE_SIZE, mock_page_hash(m, page));
		if (!s->stop_copy && m->faults.no_converge)
			mock_no_converge(s);
		if (s->stop_copy) {
			mock_stage_seg(s, h, MOCK_REC_HDR_SIZE);
			mock_stage_seg(s, data, MOCK_PAGE_SIZE);
		} else {
			memcpy(h + MOCK_REC_HDR_SIZE, data, MOCK_PAGE_SIZE);
			mock_stage_seg(s, h, MOCK_PAGE_REC_SIZE);
		}
		len += MOCK_PAGE_REC_SIZE;
	}
	return len;
}

/*
 * Stage the next records.  Returns the bytes staged, 0 at the end of a
 * STOP_COPY stream, -ENOMSG when a PRE_COPY stream has nothing right now, or
 * -ENODEV once the session is over.
 */
static ssize_t mock_save_stage(struct mock_save_file *s)
{
	struct mock_device *m = s->m;
	unsigned long initial_cursor = 0;
	ssize_t len = 0;

	s->nseg = 0;
	s->cur_seg = 0;
	s->seg_off = 0;
	s->staged = 0;
	mutex_lock(&m->mem_lock);
	mock_save_sync(s);
	if (s->disabled) {
		len = -ENODEV;
	} else if (!s->head_done) {
		len = mock_stage_head(s);
		s->head_done = true;
		s->buf_initial = true;
	} else if (s->n_initial) {
		len = mock_stage_pages(s, s->initial, &s->n_initial, &initial_cursor);
		s->buf_initial = true;
	} else if (m->model.ndirty) {
		len = mock_stage_pages(s, m->model.dirty, &m->model.ndirty, &s->cursor);
		s->buf_initial = false;
	} else if (s->stop_copy && !s->tail_done) {
		len = mock_stage_tail(s);
		s->tail_done = true;
		s->buf_initial = false;
	} else if (!s->stop_copy) {
		len = -ENOMSG;
	}
	mutex_unlock(&m->mem_lock);
	return len;
}

/* A read or ioctl on a data_fd whose session is over: which rule it breaks. */
static void mock_save_dead_use(struct mock_save_file *s, const char *op)
{
	if (mig_breaks_u8(s->sess, READ_ONCE(s->m->mig.save_sess)))
		mock_violation(s->m, MIG_RULE_U8,
			       "%s on an old saving data_fd while a newer session is live", op);
	else
		mock_violation(s->m, MIG_RULE_U9,
			       "%s on a saving data_fd whose session is over (state=%s)", op,
			       mig_state_name(READ_ONCE(s->m->mig.state)));
}

/* Faults "corrupt flip": flip bit 0 of the byte at flip_at if just copied. */
static int mock_save_flip(struct mock_save_file *s, char __user *ubuf, size_t n)
{
	u8 b;

	if (s->flip_at < 0 || s->flip_at < s->pos || s->flip_at >= s->pos + n)
		return 0;
	ubuf += s->flip_at - s->pos;
	if (get_user(b, ubuf) || put_user(b ^ 1, ubuf))
		return -EFAULT;
	mock_event_fault(s->m, "corrupt flip offset=%lld", s->flip_at);
	return 0;
}

static ssize_t mock_save_read(struct file *filp, char __user *ubuf, size_t len,
			      loff_t *pos)
{
	struct mock_save_file *s = filp->private_data;
	size_t want = len;
	ssize_t done = 0, ret = 0;
	u32 short_read;

	if (pos)
		return -ESPIPE;

	mock_fault_delay(s->m, READ_ONCE(s->m->faults.read_delay_ms), "read");
	mutex_lock(&s->lock);
	if (READ_ONCE(s->disabled)) {
		mock_save_dead_use(s, "read");
		ret = -ENODEV;
		goto out_unlock;
	}
	ret = mock_fault_data(s->m, "read");
	if (ret)
		goto out_unlock;
	/* Segments may point into device memory: keep it from being freed. */
	down_read(&s->m->mem_free_sem);
	s->no_converge_logged = false;
	short_read = READ_ONCE(s->m->faults.short_read);
	if (short_read && len > short_read) {
		len = short_read;
		mock_event_fault(s->m, "short_read %zu of %zu", len, want);
	}
	while (len) {
		struct mock_seg *seg;
		size_t n;

		if (s->truncate_at >= 0 && s->pos >= s->truncate_at) {
			mock_event_fault(s->m, "corrupt truncate offset=%lld", s->truncate_at);
			ret = s->stop_copy ? 0 : -ENOMSG;
			break;
		}
		if (!s->staged) {
			ret = mock_save_stage(s);
			if (ret <= 0)
				break;
		}
		seg = &s->seg[s->cur_seg];
		n = min(len, seg->len - s->seg_off);
		if (s->truncate_at >= 0)
			n = min_t(u64, n, s->truncate_at - s->pos);
		if (copy_to_user(ubuf, seg->p + s->seg_off, n) ||
		    mock_save_flip(s, ubuf, n)) {
			ret = -EFAULT;
			break;
		}
		s->pos += n;
		s->seg_off += n;
		s->staged -= n;
		if (s->seg_off == seg->len) {
			s->cur_seg++;
			s->seg_off = 0;
		}
		ubuf += n;
		len -= n;
		done += n;
	}
	up_read(&s->m->mem_free_sem);
	if (done)
		ret = done;
	else if (ret == -ENOMSG && mock_bug_precopy_eof_for_enomsg())
		ret = 0;
out_unlock:
	mutex_unlock(&s->lock);
	mock_event_data(s->name, "read", want, ret, s->sess, READ_ONCE(s->m->mig.save_sess));
	return ret;
}

static long mock_save_precopy_info(struct mock_save_file *s, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_precopy_info, dirty_bytes);
	struct vfio_precopy_info info;
	struct mock_device *m = s->m;
	size_t staged;
	long ret = 0;

	ret = mock_check_precopy_ioctl(&m->core.vdev, VFIO_MIG_GET_PRECOPY_INFO,
				       (unsigned long)arg, &info);
	if (ret)
		return ret;

	mutex_lock(&s->lock);
	if (READ_ONCE(s->disabled)) {
		mock_violation(m, MIG_RULE_U10,
			       "PRECOPY_INFO on a data_fd whose session is over");
		ret = -EINVAL;
		goto out_unlock;
	}
	staged = s->staged;
	mutex_lock(&m->mem_lock);
	mock_save_sync(s);
	if (s->stop_copy) {
		ret = -EINVAL;	/* only valid in PRE_COPY and PRE_COPY_P2P */
	} else {
		info.initial_bytes = (s->buf_initial ? staged : 0) +
			(s->head_done ? 0 : mock_stream_head_size(s->minor)) +
			(u64)s->n_initial * MOCK_PAGE_REC_SIZE;
		info.dirty_bytes = (s->buf_initial ? 0 : staged) +
			(u64)mock_save_n_dirty(s) * MOCK_PAGE_REC_SIZE;
		/*
		 * Without the MIG_PRECOPY_INFOv2 opt-in, flags are echoed back
		 * as every driver up to Linux 7.0 does; with it they are ours.
		 */
		if (mock_precopy_v2(m) && !mock_bug_echoes_precopy_flags()) {
			info.flags = s->reinit ? VFIO_PRECOPY_INFO_REINIT : 0;
			s->reinit = false;
		}
	}
	mutex_unlock(&m->mem_lock);
	if (ret)
		mock_violation(m, MIG_RULE_U10, "PRECOPY_INFO in STOP_COPY");
out_unlock:
	mutex_unlock(&s->lock);
	if (!ret && copy_to_user(arg, &info, minsz))
		ret = -EFAULT;
	mock_event_data(s->name, "precopy_info", minsz, ret, s->sess,
			READ_ONCE(s->m->mig.save_sess));
	return ret;
}

static long mock_save_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	if (cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	return mock_save_precopy_info(filp->private_data, (void __user *)arg);
}

static __poll_t mock_save_poll(struct file *filp, struct poll_table_struct *wait)
{
	struct mock_save_file *s = filp->private_data;
	__poll_t mask = 0;

	poll_wait(filp, &s->wq, wait);
	poll_wait(filp, &s->m->model.changed, wait);	/* pages dirtied, REINIT */
	mutex_lock(&s->lock);
	if (READ_ONCE(s->disabled)) {
		mask = EPOLLERR | EPOLLHUP;
	} else {
		mutex_lock(&s->m->mem_lock);
		mock_save_sync(s);
		if (s->stop_copy || s->staged || !s->head_done ||
		    s->n_initial || s->m->model.ndirty)
			mask = EPOLLIN | EPOLLRDNORM;
		mutex_unlock(&s->m->mem_lock);
	}
	mutex_unlock(&s->lock);
	return mask;
}

static void mock_save_free(struct mock_save_file *s)
{
	put_device(&s->m->core.vdev.device);
	kvfree(s->buf);
	bitmap_free(s->initial);
	mutex_destroy(&s->lock);
	kfree(s);
}

static int mock_save_release(struct inode *inode, struct file *filp)
{
	mock_save_free(filp->private_data);
	return 0;
}

static const struct file_operations mock_save_fops = {
	.owner = THIS_MODULE,
	.read = mock_save_read,
	.unlocked_ioctl = mock_save_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = mock_save_poll,
	.release = mock_save_release,
};

/**
 * mock_save_start() - begin a save session
 * @m: the device, state_mutex held
 * @stop_copy: the session starts in STOP_COPY rather than PRE_COPY
 *
 * Returns the session, whose file the caller hands to the user, or an
 * ERR_PTR.  The device keeps its own reference on the file until
 * mock_save_end(), so the session outlives a close() of the data_fd.
 */
struct mock_save_file *mock_save_start(struct mock_device *m, bool stop_copy)
{
	struct mock_save_file *s;
	int ret = -ENOMEM;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->m = m;
	get_device(&m->core.vdev.device);
	strscpy(s->name, pci_name(m->core.pdev), sizeof(s->name));
	mutex_init(&s->lock);
	init_waitqueue_head(&s->wq);
	s->minor = m->mig.stream_minor;
	mock_faults_corrupt(m, &s->flip_at, &s->truncate_at);
	s->start_ns = ktime_get_ns();
	s->buf = kvmalloc(MOCK_SAVE_BATCH * MOCK_PAGE_REC_SIZE, GFP_KERNEL_ACCOUNT);
	s->initial = bitmap_zalloc(m->model.npages, GFP_KERNEL_ACCOUNT);
	if (!s->buf || !s->initial)
		goto out_free;

	s->filp = anon_inode_getfile("[mock-vfio-pci-save]", &mock_save_fops, s,
				     O_RDONLY);
	if (IS_ERR(s->filp)) {
		ret = PTR_ERR(s->filp);
		goto out_free;
	}
	stream_open(s->filp->f_inode, s->filp);
	get_file(s->filp);

	mutex_lock(&m->mem_lock);
	bitmap_fill(s->initial, m->model.npages);
	s->n_initial = m->model.npages;
	s->stop_copy = stop_copy;
	s->reinit_gen = m->model.reinit_gen;
	mock_dirty_epoch(m, !stop_copy);	/* a stopped device dirties nothing */
	mutex_unlock(&m->mem_lock);
	s->sess = ++m->mig.sess_seq;
	m->mig.save = s;
	WRITE_ONCE(m->mig.save_sess, s->sess);
	if (stop_copy)
		mock_fabric_note_stream(m, s->start_ns);
	return s;

out_free:
	mock_save_free(s);
	return ERR_PTR(ret);
}

/**
 * mock_save_to_stop_copy() - PRE_COPY(_P2P) -> STOP_COPY on the same data_fd
 * @m: the device, state_mutex held, already stopped
 */
void mock_save_to_stop_copy(struct mock_device *m)
{
	struct mock_save_file *s = m->mig.save;

	if (!s)		/* only MOCK_BUG_NO_STATE_RESET gets here without one */
		return;
	mutex_lock(&m->mem_lock);
	mock_save_sync(s);	/* a REINIT before the device stopped counts */
	s->stop_copy = true;
	mock_dirty_stop(m);
	mutex_unlock(&m->mem_lock);
	wake_up_interruptible(&s->wq);
	mock_fabric_note_stream(m, s->start_ns);
}

/**
 * mock_save_end() - end the save session, if any
 * @m: the device, state_mutex held
 * @sync: wait for a read or ioctl in progress on the data_fd.  False only on
 *        the reset path, which must not take migf->lock (see mock.h); file
 *        operations already running there finish against a live device.
 *
 * Afterwards the data_fd returns errors only, and drops its last device
 * reference when the user closes it.
 */
void mock_save_end(struct mock_device *m, bool sync)
{
	struct mock_save_file *s = m->mig.save;

	if (!s)
		return;
	if (sync)
		mutex_lock(&s->lock);
	mutex_lock(&m->mem_lock);
	WRITE_ONCE(s->disabled, true);
	mock_dirty_stop(m);
	mutex_unlock(&m->mem_lock);
	if (sync)
		mutex_unlock(&s->lock);
	wake_up_interruptible(&s->wq);
	m->mig.save = NULL;
	WRITE_ONCE(m->mig.save_sess, 0);
	fput(s->filp);
}

/**
 * mock_save_at_eof() - has the user read the whole STOP_COPY stream?
 * @m: the device, state_mutex held, in a save session
 */
bool mock_save_at_eof(struct mock_device *m)
{
	struct mock_save_file *s = m->mig.save;
	bool eof;

	if (!s)
		return true;
	mutex_lock(&s->lock);
	mutex_lock(&m->mem_lock);
	eof = (s->tail_done && !s->staged) ||
	      (s->truncate_at >= 0 && s->pos >= s->truncate_at);
	mutex_unlock(&m->mem_lock);
	mutex_unlock(&s->lock);
	return eof;
}

/**
 * mock_save_remaining() - bytes a STOP_COPY read would produce from now on
 * @m: the device, state_mutex held
 */
u64 mock_save_remaining(struct mock_device *m)
{
	u64 tail = mock_stream_tail_size();
	struct mock_save_file *s = m->mig.save;
	u64 len;

	if (!s)
		return mock_stream_head_size(m->mig.stream_minor) +
		       (u64)m->model.npages * MOCK_PAGE_REC_SIZE + tail;

	mutex_lock(&s->lock);
	mutex_lock(&m->mem_lock);
	mock_save_sync(s);
	len = s->staged +
	      (s->head_done ? 0 : mock_stream_head_size(s->minor)) +
	      (u64)(s->n_initial + mock_save_n_dirty(s)) * MOCK_PAGE_REC_SIZE +
	      (s->tail_done ? 0 : tail);
	mutex_unlock(&m->mem_lock);
	mutex_unlock(&s->lock);
	return len;
}
