// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection, per device, in debugfs (the directory is debugfs.c's):
 * /sys/kernel/debug/mock-vfio-pci/<BDF>/ (Documentation/monitor.rst).
 *
 *   fail_arc       "FROM TO ERRNO [COUNT] [error]": the arc FROM->TO (state
 *                  names or ANY) fails with -ERRNO (a number or a name such
 *                  as EIO) COUNT times (default 1); with "error" the device is
 *                  left in ERROR.  "off" disarms.
 *   arc_delay_ms   every arc takes this much longer (a slow device)
 *   read_delay_ms  every data_fd read() and write() takes this much longer
 *   short_read     read() returns at most this many bytes (0: no limit)
 *   corrupt        "flip OFFSET" flips bit 0 of that byte of the next saved
 *                  streams, "truncate OFFSET" ends them there, "off" disarms
 *   no_converge    1: every page read during PRE_COPY dirties two more
 *   reject_resume  1: the next RESUMING->STOP fails with EREMOTEIO
 *   reinit         write 1: MOCK_DEV_CTRL_REINIT, as if the device did it
 *   fail_data/     the kernel's fault-injection attributes (probability,
 *                  interval, times, ...; Documentation/fault-injection/):
 *                  a data_fd read() or write() fails with EIO before it
 *                  moves any data.  Only on kernels built with
 *                  CONFIG_FAULT_INJECTION_DEBUG_FS.
 * Every fault that fires is logged as a "fault" event and traced (delays
 * each time they apply, no_converge once per read() it acts in).
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fault-inject.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "mock.h"

#define MOCK_ANY_STATE	U32_MAX

/* fail_data until someone sets it: probability 0, never fires. */
static DECLARE_FAULT_ATTR(mock_fail_data_default);

void mock_faults_init(struct mock_device *m)
{
	memset(&m->faults, 0, sizeof(m->faults));
	spin_lock_init(&m->faults.lock);
	m->faults.flip_at = -1;
	m->faults.truncate_at = -1;
	m->faults.fail_data = mock_fail_data_default;
#ifdef CONFIG_FAULT_INJECTION
	/*
	 * Quiet: the "fault" event records each failure, and the stack dump
	 * of verbose 2 is a splat to the test runner.
	 */
	m->faults.fail_data.verbose = 0;
#endif
}

/**
 * mock_fault_data() - whether fail_data fails this data_fd operation
 * @m: the device
 * @what: "read" or "write"
 *
 * Return: -EIO when it does (a "fault" event says so), else 0.
 */
int mock_fault_data(struct mock_device *m, const char *what)
{
	if (!should_fail(&m->faults.fail_data, 1))
		return 0;
	mock_event_fault(m, "fail_data %s errno=%d", what, -EIO);
	return -EIO;
}

/**
 * mock_faults_corrupt() - the stream corruption armed now
 * @m: the device
 * @flip_at: set to the offset whose bit 0 is flipped (-1: none)
 * @truncate_at: set to the offset the stream ends at (-1: none)
 */
void mock_faults_corrupt(struct mock_device *m, s64 *flip_at, s64 *truncate_at)
{
	spin_lock(&m->faults.lock);
	*flip_at = m->faults.flip_at;
	*truncate_at = m->faults.truncate_at;
	spin_unlock(&m->faults.lock);
}

void mock_fault_delay(struct mock_device *m, u32 ms, const char *what)
{
	if (!ms)
		return;
	mock_event_fault(m, "%s_delay ms=%u", what, ms);
	msleep(ms);
}

/**
 * mock_fault_arc() - an injected failure of one arc, if armed
 * @m: the device
 * @from: current state
 * @to: next state
 * @to_error: set if the device must be left in ERROR
 *
 * Also applies arc_delay_ms.  Returns 0 or the negative errno to fail with.
 */
int mock_fault_arc(struct mock_device *m, u32 from, u32 to, bool *to_error)
{
	struct mock_faults *f = &m->faults;
	int err = 0;

	mock_fault_delay(m, READ_ONCE(f->arc_delay_ms), "arc");
	spin_lock(&f->lock);
	if (f->arc_errno && f->arc_count &&
	    (f->arc_from == MOCK_ANY_STATE || f->arc_from == from) &&
	    (f->arc_to == MOCK_ANY_STATE || f->arc_to == to)) {
		f->arc_count--;
		*to_error = f->arc_to_error;
		err = f->arc_errno;
	}
	spin_unlock(&f->lock);
	if (err)
		mock_event_fault(m, "arc from=%s to=%s errno=%d%s", mig_state_name(from),
				 mig_state_name(to), err, *to_error ? " error" : "");
	return err;
}

static int mock_parse_state(const char *s, u32 *state)
{
	u32 i;

	if (!strcmp(s, "ANY")) {
		*state = MOCK_ANY_STATE;
		return 0;
	}
	for (i = 0; i <= VFIO_DEVICE_STATE_PRE_COPY_P2P; i++) {
		if (!strcmp(s, mig_state_name(i))) {
			*state = i;
			return 0;
		}
	}
	return kstrtou32(s, 0, state);
}

static const struct {
	const char *name;
	int err;
} mock_errnos[] = {
	{ "EIO", EIO }, { "EINVAL", EINVAL }, { "ENOMEM", ENOMEM },
	{ "EBUSY", EBUSY }, { "ETIMEDOUT", ETIMEDOUT }, { "ENODEV", ENODEV },
	{ "EAGAIN", EAGAIN }, { "EREMOTEIO", EREMOTEIO },
};

static int mock_parse_errno(const char *s, int *err)
{
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(mock_errnos); i++) {
		if (!strcmp(s, mock_errnos[i].name)) {
			*err = -mock_errnos[i].err;
			return 0;
		}
	}
	ret = kstrtoint(s, 0, err);
	if (ret)
		return ret;
	*err = -abs(*err);
	return *err && *err >= -MAX_ERRNO ? 0 : -EINVAL;
}

/* Copy a short command from user space, NUL-terminated, no trailing newline. */
static int mock_cmd_from_user(char *cmd, size_t len, const char __user *buf,
			      size_t count)
{
	if (count >= len)
		return -EINVAL;
	if (copy_from_user(cmd, buf, count))
		return -EFAULT;
	cmd[count] = '\0';
	strim(cmd);
	return 0;
}

static ssize_t mock_fail_arc_write(struct file *file, const char __user *buf,
				   size_t count, loff_t *ppos)
{
	struct mock_device *m = file_inode(file)->i_private;
	char cmd[96], from[24], to[24], err[24], error[8] = "";
	struct mock_faults f = {};
	int n, ret;

	ret = mock_cmd_from_user(cmd, sizeof(cmd), buf, count);
	if (ret)
		return ret;
	if (strcmp(cmd, "off")) {
		size_t len = strlen(cmd);

		/* A trailing "error" may follow ERRNO or COUNT. */
		if (len > 6 && !strcmp(cmd + len - 6, " error")) {
			f.arc_to_error = true;
			cmd[len - 6] = '\0';
		}
		f.arc_count = 1;
		n = sscanf(cmd, "%23s %23s %23s %u %7s", from, to, err, &f.arc_count, error);
		if (n < 3 || n > 4 || mock_parse_state(from, &f.arc_from) ||
		    mock_parse_state(to, &f.arc_to) || mock_parse_errno(err, &f.arc_errno))
			return -EINVAL;
	}
	spin_lock(&m->faults.lock);
	m->faults.arc_from = f.arc_from;
	m->faults.arc_to = f.arc_to;
	m->faults.arc_errno = f.arc_errno;
	m->faults.arc_count = f.arc_count;
	m->faults.arc_to_error = f.arc_to_error;
	spin_unlock(&m->faults.lock);
	return count;
}

static int mock_fail_arc_show(struct seq_file *sf, void *unused)
{
	struct mock_device *m = sf->private;
	u32 from, to, count;
	bool to_error;
	int err;

	spin_lock(&m->faults.lock);
	from = m->faults.arc_from;
	to = m->faults.arc_to;
	err = m->faults.arc_errno;
	count = m->faults.arc_count;
	to_error = m->faults.arc_to_error;
	spin_unlock(&m->faults.lock);
	if (!err || !count)
		seq_puts(sf, "off\n");
	else
		seq_printf(sf, "%s %s %d %u%s\n",
			   from == MOCK_ANY_STATE ? "ANY" : mig_state_name(from),
			   to == MOCK_ANY_STATE ? "ANY" : mig_state_name(to),
			   -err, count, to_error ? " error" : "");
	return 0;
}

static int mock_fail_arc_open(struct inode *inode, struct file *file)
{
	return single_open(file, mock_fail_arc_show, inode->i_private);
}

static const struct file_operations mock_fail_arc_fops = {
	.owner = THIS_MODULE,
	.open = mock_fail_arc_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = mock_fail_arc_write,
};

static ssize_t mock_corrupt_write(struct file *file, const char __user *buf,
				  size_t count, loff_t *ppos)
{
	struct mock_device *m = file_inode(file)->i_private;
	s64 flip = -1, truncate = -1;
	char cmd[64];
	u64 off;
	int ret;

	ret = mock_cmd_from_user(cmd, sizeof(cmd), buf, count);
	if (ret)
		return ret;
	if (sscanf(cmd, "flip %llu", &off) == 1 && off <= S64_MAX)
		flip = off;
	else if (sscanf(cmd, "truncate %llu", &off) == 1 && off <= S64_MAX)
		truncate = off;
	else if (strcmp(cmd, "off"))
		return -EINVAL;
	spin_lock(&m->faults.lock);
	m->faults.flip_at = flip;
	m->faults.truncate_at = truncate;
	spin_unlock(&m->faults.lock);
	return count;
}

static const struct file_operations mock_corrupt_fops = {
	.owner = THIS_MODULE,
	.write = mock_corrupt_write,
};

static ssize_t mock_reinit_write(struct file *file, const char __user *buf,
				 size_t count, loff_t *ppos)
{
	struct mock_device *m = file_inode(file)->i_private;

	mutex_lock(&m->mem_lock);
	if (mock_model_reinit(m))
		mock_event_fault(m, "reinit");
	mutex_unlock(&m->mem_lock);
	return count;
}

static const struct file_operations mock_reinit_fops = {
	.owner = THIS_MODULE,
	.write = mock_reinit_write,
};

/**
 * mock_faults_debugfs() - the fault knobs in the device's debugfs directory
 * @m: the device
 * @dir: its directory
 */
void mock_faults_debugfs(struct mock_device *m, struct dentry *dir)
{
	debugfs_create_file("fail_arc", 0600, dir, m, &mock_fail_arc_fops);
	debugfs_create_u32("arc_delay_ms", 0600, dir, &m->faults.arc_delay_ms);
	debugfs_create_u32("read_delay_ms", 0600, dir, &m->faults.read_delay_ms);
	debugfs_create_u32("short_read", 0600, dir, &m->faults.short_read);
	debugfs_create_file("corrupt", 0200, dir, m, &mock_corrupt_fops);
	debugfs_create_bool("no_converge", 0600, dir, &m->faults.no_converge);
	debugfs_create_bool("reject_resume", 0600, dir, &m->faults.reject_resume);
	debugfs_create_file("reinit", 0200, dir, m, &mock_reinit_fops);
	/* An ERR_PTR without CONFIG_FAULT_INJECTION_DEBUG_FS: no such knob. */
	fault_create_debugfs_attr("fail_data", dir, &m->faults.fail_data);
}
