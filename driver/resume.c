// SPDX-License-Identifier: GPL-2.0-only
/*
 * The RESUMING data_fd: restores in place, at 1x device memory.
 *
 * STOP->RESUMING gives up the device's previous state (a destination's
 * state has no value once it is to receive another; the memory window
 * reads all-ones while it loads).  Each record arrives in a staging buffer,
 * whatever the write sizes, and is verified there (checksum, bounds, order,
 * session) before its page is copied into the device's memory; a rejected
 * record is never applied, and the stream is refused from then on.
 * RESUMING->STOP commits only a complete stream whose END digest matches;
 * when it refuses one, the device holds its reset state from then until
 * a reset ends the session: the part of a stream that was applied never
 * becomes the device's state.
 */
#include <linux/anon_inodes.h>
#include <linux/bitmap.h>
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/xxhash.h>

#include "mock.h"

struct mock_resume_file {
	struct file *filp;
	struct mock_device *m;	/* its struct stays: we hold a device reference */
	char name[16];		/* the device's PCI address, for the event log */
	struct mutex lock;	/* write(); everything below */
	bool disabled;
	u32 sess;		/* its number on the device (mock_mig.sess_seq) */
	int error;		/* first rejection, as a negative errno */
	bool ended;		/* END validated */
	bool have_header;
	bool have_regs;

	bool wiped;		/* refused at RESUMING->STOP: the device was reset */
	/* The SOURCE record's device and save session ("": none), for X-1. */
	char source[32];
	u64 source_ns;

	struct mock_rec_hdr hdr;	/* record being received */
	size_t hdr_fill;
	size_t payload_fill;
	u8 *payload;			/* its payload, staged until verified */

	/* What the stream has given so far (pages go to the device). */
	u64 mem_size;
	unsigned long npages;
	unsigned long *received;
	unsigned long n_received;
	struct mock_regs regs;
};

struct file *mock_resume_filp(struct mock_resume_file *r)
{
	return r->filp;
}

/* Reject the stream: remember why and say so once. */
static int mock_resume_reject(struct mock_resume_file *r, int err,
			      const char *why)
{
	r->error = err;
	dev_warn_ratelimited(mock_dev(r->m),
			     "resume stream rejected (%d) after %zu bytes of a record: %s\n",
			     err, r->hdr_fill + r->payload_fill, why);
	return err;
}

/* A complete record header arrived: decide where its payload goes. */
static int mock_resume_hdr(struct mock_resume_file *r)
{
	struct mock_rec_hdr *h = &r->hdr;
	u16 type = le16_to_cpu(h->type);
	u64 len = le64_to_cpu(h->len);
	u64 arg = le64_to_cpu(h->arg);
	size_t want = 0;

	if (!r->have_header &&
	    (type != MOCK_REC_HEADER || len != sizeof(struct mock_stream_header)))
		return mock_resume_reject(r, -EPROTO,
					  "not a mock-vfio-pci stream (no HEADER record first)");
	if (!mock_rec_hdr_ok(h))
		return mock_resume_reject(r, -EBADMSG, "record header checksum mismatch");
	if (len > MOCK_STREAM_MAX_PAYLOAD)
		return mock_resume_reject(r, -EFBIG, "record payload too long");

	switch (type) {
	case MOCK_REC_HEADER:
		if (r->have_header)
			return mock_resume_reject(r, -EPROTO, "second HEADER record");
		want = sizeof(struct mock_stream_header);
		break;
	case MOCK_REC_PAGE:
		if (r->have_regs)
			return mock_resume_reject(r, -EPROTO, "PAGE record after REGS");
		if (len != MOCK_PAGE_SIZE || arg >= r->npages)
			return mock_resume_reject(r, -ERANGE,
						  "PAGE record: bad length or page index");
		return 0;
	case MOCK_REC_REGS:
		if (r->have_regs)
			return mock_resume_reject(r, -EPROTO, "second REGS record");
		want = sizeof(struct mock_stream_regs);
		break;
	case MOCK_REC_END:
		want = sizeof(struct mock_stream_end);
		break;
	case MOCK_REC_SOURCE:
		want = sizeof(struct mock_stream_source);
		break;
	default:
		if (!(le16_to_cpu(h->flags) & MOCK_REC_F_OPTIONAL))
			return mock_resume_reject(r, -EOPNOTSUPP,
						  "unknown mandatory record type");
		want = len;	/* skipped, but still checksummed */
		break;
	}
	if (len != want)
		return mock_resume_reject(r, -ERANGE, "record length wrong for its type");
	return 0;
}

static int mock_resume_apply_header(struct mock_resume_file *r)
{
	const struct mock_stream_header *sh = (void *)r->payload;

	if (le64_to_cpu(sh->magic) != MOCK_STREAM_MAGIC)
		return mock_resume_reject(r, -EPROTO, "bad magic");
	if (le16_to_cpu(sh->major) != MOCK_STREAM_MAJOR)
		return mock_resume_reject(r, -EPROTONOSUPPORT,
					  "unsupported major version");
	if (le64_to_cpu(sh->mem_size) != r->mem_size ||
	    le32_to_cpu(sh->page_size) != MOCK_PAGE_SIZE ||
	    sh->features || sh->reserved)
		return mock_resume_reject(r, -EINVAL,
					  "incompatible configuration (memory size, page size or features)");
	r->have_header = true;
	return 0;
}

static int mock_resume_apply_regs(struct mock_resume_file *r)
{
	const struct mock_stream_regs *sr = (void *)r->payload;
	struct mock_regs *regs = &r->regs;

	regs->mem_addr = le64_to_cpu(sr->mem_addr);
	regs->wl_seed = le64_to_cpu(sr->wl_seed);
	regs->wl_prng = le64_to_cpu(sr->wl_prng);
	regs->wl_writes = le64_to_cpu(sr->wl_writes);
	regs->wl_ctrl = le32_to_cpu(sr->wl_ctrl);
	regs->wl_rate = le32_to_cpu(sr->wl_rate);
	if (regs->wl_ctrl & ~MOCK_WL_CTRL_ENABLE || regs->wl_rate > MOCK_MAX_WL_RATE)
		return mock_resume_reject(r, -ERANGE, "REGS values out of range");
	r->have_regs = true;
	return 0;
}

/*
 * A verified PAGE record: into the device's memory, its checksum being the
 * page's hash.  Under mem_lock, a session a reset has ended (by flag, with
 * no migf->lock: see mock.h) no longer writes: the reset sets the flag
 * before it takes mem_lock to clear the memory.
 */
static void mock_resume_apply_page(struct mock_resume_file *r, unsigned long page, u64 csum)
{
	struct mock_device *m = r->m;

	mutex_lock(&m->mem_lock);
	if (!READ_ONCE(r->disabled)) {
		memcpy(m->model.mem + page * MOCK_PAGE_SIZE, r->payload, MOCK_PAGE_SIZE);
		m->model.page_hash[page] = csum;
		__clear_bit(page, m->model.hash_stale);
	}
	mutex_unlock(&m->mem_lock);
	if (!__test_and_set_bit(page, r->received))
		r->n_received++;
}

/*
 * SOURCE names the save session the stream comes from.  It is optional and
 * only informative: a name that is not a plain device name (letters,
 * digits, ":._-", NUL-terminated) is not refused, just not remembered.
 */
static void mock_resume_apply_source(struct mock_resume_file *r)
{
	const struct mock_stream_source *ss = (void *)r->payload;
	size_t n = strnlen(ss->name, sizeof(ss->name));

	if (!n || n == sizeof(ss->name) ||
	    strspn(ss->name, "0123456789abcdefABCDEFghijklmnopqrstuvwxyz:._-") != n)
		return;
	memcpy(r->source, ss->name, n + 1);
	r->source_ns = le64_to_cpu(ss->save_ns);
}

static int mock_resume_apply_end(struct mock_resume_file *r)
{
	const struct mock_stream_end *se = (void *)r->payload;
	struct mock_device *m = r->m;
	u64 digest;

	if (!r->have_regs || r->n_received != r->npages)
		return mock_resume_reject(r, -EPROTO,
					  "END before REGS and every page");
	/* Every page was received: the device's page hashes are the stream's. */
	mutex_lock(&m->mem_lock);
	digest = mock_digest_of(m->model.page_hash, r->npages, &r->regs);
	mutex_unlock(&m->mem_lock);
	if (le64_to_cpu(se->digest) != digest)
		return mock_resume_reject(r, -EBADMSG,
					  "END digest differs from the state received");
	r->ended = true;
	return 0;
}

/* A complete record arrived: check its payload and take it in. */
static int mock_resume_record(struct mock_resume_file *r)
{
	struct mock_rec_hdr *h = &r->hdr;
	u64 len = le64_to_cpu(h->len);
	u64 csum = xxh64(r->payload, len, 0);

	if (csum != le64_to_cpu(h->csum))
		return mock_resume_reject(r, -EBADMSG, "record payload checksum mismatch");

	switch (le16_to_cpu(h->type)) {
	case MOCK_REC_HEADER:
		return mock_resume_apply_header(r);
	case MOCK_REC_PAGE:
		mock_resume_apply_page(r, le64_to_cpu(h->arg), csum);
		return 0;
	case MOCK_REC_REGS:
		return mock_resume_apply_regs(r);
	case MOCK_REC_END:
		return mock_resume_apply_end(r);
	case MOCK_REC_SOURCE:
		mock_resume_apply_source(r);
		return 0;
	}
	return 0;	/* unknown optional records: nothing to keep */
}

static ssize_t mock_resume_write(struct file *filp, const char __user *ubuf,
				 size_t len, loff_t *pos)
{
	struct mock_resume_file *r = filp->private_data;
	size_t want = len;
	ssize_t done = 0;
	int ret = 0;

	if (pos)
		return -ESPIPE;

	mock_fault_delay(r->m, READ_ONCE(r->m->faults.read_delay_ms), "write");
	mutex_lock(&r->lock);
	if (READ_ONCE(r->disabled)) {
		if (mig_breaks_u8(r->sess, READ_ONCE(r->m->mig.resume_sess)))
			mock_violation(r->m, MIG_RULE_U8,
				       "write on an old resuming data_fd while a newer session is live");
		else
			mock_violation(r->m, MIG_RULE_U9,
				       "write on a resuming data_fd whose session is over (state=%s)",
				       mig_state_name(READ_ONCE(r->m->mig.state)));
		ret = -ENODEV;
		goto out_unlock;
	}
	if (r->error) {
		ret = -EIO;	/* already rejected */
		goto out_unlock;
	}
	ret = mock_fault_data(r->m, "write");
	if (ret)
		goto out_unlock;
	while (len) {
		size_t n;

		if (r->ended) {
			ret = mock_resume_reject(r, -EPROTO, "data after the END record");
			break;
		}
		if (r->hdr_fill < MOCK_REC_HDR_SIZE) {
			n = min(len, MOCK_REC_HDR_SIZE - r->hdr_fill);
			if (copy_from_user((u8 *)&r->hdr + r->hdr_fill, ubuf, n)) {
				ret = done ? 0 : -EFAULT;
				break;
			}
			r->hdr_fill += n;
			if (r->hdr_fill == MOCK_REC_HDR_SIZE) {
				r->payload_fill = 0;
				ret = mock_resume_hdr(r);
			}
		} else {
			n = min_t(u64, len, le64_to_cpu(r->hdr.len) - r->payload_fill);
			if (copy_from_user(r->payload + r->payload_fill, ubuf, n)) {
				ret = done ? 0 : -EFAULT;
				break;
			}
			r->payload_fill += n;
		}
		if (ret)
			break;
		ubuf += n;
		len -= n;
		done += n;
		if (r->hdr_fill == MOCK_REC_HDR_SIZE &&
		    r->payload_fill == le64_to_cpu(r->hdr.len)) {
			ret = mock_resume_record(r);
			if (ret)
				break;
			r->hdr_fill = 0;
			r->payload_fill = 0;
		}
	}
	if (!ret)
		ret = done;
out_unlock:
	mutex_unlock(&r->lock);
	mock_event_data(r->name, "write", want, ret, r->sess, READ_ONCE(r->m->mig.resume_sess));
	return ret;
}

static void mock_resume_free(struct mock_resume_file *r)
{
	put_device(&r->m->core.vdev.device);
	bitmap_free(r->received);
	kvfree(r->payload);
	mutex_destroy(&r->lock);
	kfree(r);
}

static int mock_resume_release(struct inode *inode, struct file *filp)
{
	mock_resume_free(filp->private_data);
	return 0;
}

static const struct file_operations mock_resume_fops = {
	.owner = THIS_MODULE,
	.write = mock_resume_write,
	.release = mock_resume_release,
};

/* What a session allocates beside the device's own memory. */
static size_t mock_resume_bytes(unsigned long npages)
{
	return sizeof(struct mock_resume_file) + BITS_TO_LONGS(npages) * sizeof(long) +
	       MOCK_STREAM_MAX_PAYLOAD;
}

/**
 * mock_resume_start() - STOP->RESUMING: a new resume session
 * @m: the device, state_mutex held
 *
 * The device's memory is the destination: only the record staging buffer
 * and a bitmap of the pages received are allocated (m->mig.resume_mem_bytes
 * says how much is held in all), and the memory window is closed until
 * the stream is committed or a reset ends the session.  Returns the session
 * or an ERR_PTR; the device keeps a reference on its file until
 * mock_resume_end().
 */
struct mock_resume_file *mock_resume_start(struct mock_device *m)
{
	struct mock_resume_file *r;
	int ret = -ENOMEM;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->m = m;
	get_device(&m->core.vdev.device);
	strscpy(r->name, pci_name(m->core.pdev), sizeof(r->name));
	mutex_init(&r->lock);
	r->mem_size = m->model.mem_size;
	r->npages = m->model.npages;
	r->received = bitmap_zalloc(r->npages, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	r->payload = kvmalloc(MOCK_STREAM_MAX_PAYLOAD, GFP_KERNEL_ACCOUNT);
	if (!r->received || !r->payload)
		goto out_free;

	r->filp = anon_inode_getfile("[mock-vfio-pci-resume]", &mock_resume_fops,
				     r, O_WRONLY);
	if (IS_ERR(r->filp)) {
		ret = PTR_ERR(r->filp);
		goto out_free;
	}
	stream_open(r->filp->f_inode, r->filp);
	get_file(r->filp);
	r->sess = ++m->mig.sess_seq;
	m->mig.resume = r;
	WRITE_ONCE(m->mig.resume_sess, r->sess);
	WRITE_ONCE(m->mig.resume_mem_bytes, mock_state_bytes(m) + mock_resume_bytes(r->npages));
	mock_fabric_forget_loaded(m);	/* the state it was loaded with is given up */
	mutex_lock(&m->mem_lock);
	m->model.loading = true;
	mutex_unlock(&m->mem_lock);
	return r;

out_free:
	mock_resume_free(r);
	return ERR_PTR(ret);
}

/**
 * mock_resume_commit() - RESUMING->STOP: the received state becomes the device's
 * @m: the device, state_mutex held, stopped
 *
 * Returns 0, or -ENODATA if the stream is incomplete or was rejected, or
 * -EREMOTEIO when the reject_resume fault is armed.  A refused commit
 * leaves the device in its reset state and refuses the session for good:
 * writes fail with -EIO, RESUMING->STOP keeps failing, until a reset.
 */
int mock_resume_commit(struct mock_device *m)
{
	struct mock_resume_file *r = m->mig.resume;
	int ret = 0;

	if (!r)		/* only MOCK_BUG_NO_STATE_RESET gets here without one */
		return -ENODATA;
	mutex_lock(&r->lock);
	if (m->faults.reject_resume) {
		m->faults.reject_resume = false;
		mock_event_fault(m, "reject_resume");
		ret = -EREMOTEIO;
		goto out_refuse;
	}
	if (r->error && mock_bug_loads_rejected_stream())
		goto out_commit;
	if (r->error || (!r->ended && !mock_bug_accepts_truncated_stream())) {
		dev_warn_ratelimited(mock_dev(m),
				     "leaving RESUMING refused: the stream %s\n",
				     r->error ? "was rejected" : "is incomplete");
		ret = -ENODATA;
		goto out_refuse;
	}
out_commit:
	mutex_lock(&m->mem_lock);
	m->model.regs = r->regs;
	m->model.loading = false;
	mutex_unlock(&m->mem_lock);
	mutex_unlock(&r->lock);
	/* r stays: m->mig.resume holds its file until mock_resume_end(). */
	if (r->source[0])
		mock_fabric_note_loaded(m, r->source, r->source_ns);
	return 0;

out_refuse:
	if (!r->error)
		r->error = ret;
	if (!r->wiped) {
		mock_state_reset(m);
		r->wiped = true;
	}
	mutex_unlock(&r->lock);
	return ret;
}

/**
 * mock_resume_end() - end the resume session, if any
 * @m: the device, state_mutex held
 * @sync: as for mock_save_end()
 */
void mock_resume_end(struct mock_device *m, bool sync)
{
	struct mock_resume_file *r = m->mig.resume;

	if (!r)
		return;
	if (sync)
		mutex_lock(&r->lock);
	WRITE_ONCE(r->disabled, true);
	if (sync)
		mutex_unlock(&r->lock);
	m->mig.resume = NULL;
	WRITE_ONCE(m->mig.resume_sess, 0);
	fput(r->filp);
}
