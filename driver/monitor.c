// SPDX-License-Identifier: GPL-2.0-only
/*
 * The conformance monitor: an event log of everything the mock devices see
 * (arcs, data_fd operations, P2P traffic, faults) and the live check of the
 * VMM-side rules a device can observe (Documentation/monitor.rst).
 *
 * debugfs, /sys/kernel/debug/mock-vfio-pci/:
 *   events      the last MOCK_LOG_LINES events, oldest first, one per line:
 *               "SEQ TIME_NS DEVICE EVENT key=value ..."
 *   violations  the last MOCK_VIOL_LINES violation events, same format
 *   counters    "RULE COUNT" per rule, then "total COUNT"
 *   clear       write anything: forget events, violations and counters
 * Every event also fires a tracepoint (events/mock_vfio_pci/).
 */
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "mock.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

#define MOCK_LOG_LINES		4096
#define MOCK_VIOL_LINES		256
#define MOCK_LINE_LEN		192
#define MOCK_TEXT_LEN		128	/* what follows "SEQ TIME DEVICE " */

struct mock_ring {
	char (*line)[MOCK_LINE_LEN];
	unsigned int size;
	u64 next;		/* sequence number of the next line */
};

static DEFINE_SPINLOCK(mock_log_lock);	/* both rings and the counters */
static struct mock_ring mock_events = { .size = MOCK_LOG_LINES };
static struct mock_ring mock_viols = { .size = MOCK_VIOL_LINES };
static u64 mock_rule_count[MIG_RULE_NR_MONITOR];
/*
 * "clear" forgets every device's violation count too, without a list of
 * devices: a count from before the last clear (an older generation) is 0.
 */
static u64 mock_clear_gen;
static struct dentry *mock_debugfs_root;

static void mock_ring_put(struct mock_ring *r, const char *dev, const char *text)
{
	u64 seq = r->next++;

	snprintf(r->line[seq % r->size], MOCK_LINE_LEN, "%llu %llu %s %s",
		 seq, ktime_get_ns(), dev, text);
}

/**
 * mock_log() - add one event to the log
 * @dev: device name (PCI address)
 * @fmt: "EVENT key=value ...", no newline
 */
void mock_log(const char *dev, const char *fmt, ...)
{
	char text[MOCK_TEXT_LEN];
	va_list args;

	va_start(args, fmt);
	vsnprintf(text, sizeof(text), fmt, args);
	va_end(args);

	spin_lock(&mock_log_lock);
	if (mock_events.line)
		mock_ring_put(&mock_events, dev, text);
	spin_unlock(&mock_log_lock);
}

/**
 * mock_violation() - record a VMM protocol violation the device observed
 * @m: the device that observed it
 * @rule: which rule
 * @fmt: what happened: devices, states
 *
 * Logged as an event and in the violation list, counted per rule and per
 * device, traced, and reported once in the kernel log (ratelimited).
 */
void mock_violation(struct mock_device *m, enum mig_rule rule, const char *fmt, ...)
{
	const char *dev = pci_name(m->core.pdev);
	char what[MOCK_TEXT_LEN - 24], text[MOCK_TEXT_LEN];
	va_list args;

	va_start(args, fmt);
	vsnprintf(what, sizeof(what), fmt, args);
	va_end(args);
	snprintf(text, sizeof(text), "violation rule=%s %s", mig_rule_id(rule), what);

	spin_lock(&mock_log_lock);
	if (mock_events.line) {
		mock_ring_put(&mock_events, dev, text);
		mock_ring_put(&mock_viols, dev, text);
	}
	mock_rule_count[rule]++;
	if (m->violations_gen != mock_clear_gen) {
		m->violations_gen = mock_clear_gen;
		m->violations = 0;
	}
	m->violations++;
	spin_unlock(&mock_log_lock);

	trace_mock_violation(dev, mig_rule_id(rule), what);
	dev_notice_ratelimited(mock_dev(m), "VMM protocol violation %s: %s\n",
			       mig_rule_id(rule), what);
}

void mock_trace_arc(struct mock_device *m, u32 from, u32 to, int ret)
{
	const char *dev = pci_name(m->core.pdev);

	trace_mock_arc(dev, from, to, ret);
	mock_log(dev, "arc from=%s to=%s ret=%d", mig_state_name(from),
		 mig_state_name(to), ret);
}

void mock_trace_data(const char *dev, const char *op, size_t len, long ret, u32 sess, u32 live)
{
	trace_mock_data(dev, op, len, ret);
	mock_log(dev, "%s len=%zu ret=%ld sess=%u live=%u", op, len, ret, sess, live);
}

void mock_trace_p2p(const char *src, const char *dst, u32 writes, u32 dropped)
{
	trace_mock_p2p(src, dst, writes, dropped);
	mock_log(src, "p2p peer=%s writes=%u dropped=%u", dst, writes, dropped);
}

void mock_trace_fault(struct mock_device *m, const char *fmt, ...)
{
	const char *dev = pci_name(m->core.pdev);
	char what[MOCK_TEXT_LEN - 8];
	va_list args;

	va_start(args, fmt);
	vsnprintf(what, sizeof(what), fmt, args);
	va_end(args);
	trace_mock_fault(dev, what);
	mock_log(dev, "fault %s", what);
}

/**
 * mock_violations_of() - violations a device observed since the last clear
 * @m: the device
 */
u64 mock_violations_of(struct mock_device *m)
{
	u64 n;

	spin_lock(&mock_log_lock);
	n = m->violations_gen == mock_clear_gen ? m->violations : 0;
	spin_unlock(&mock_log_lock);
	return n;
}

static int mock_ring_show(struct seq_file *sf, struct mock_ring *r)
{
	char *copy;
	u64 seq, first;

	copy = kmalloc(MOCK_LINE_LEN, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	spin_lock(&mock_log_lock);
	first = r->next > r->size ? r->next - r->size : 0;
	for (seq = first; seq < r->next; seq++) {
		memcpy(copy, r->line[seq % r->size], MOCK_LINE_LEN);
		/* Printing may sleep: let go of the lock around it. */
		spin_unlock(&mock_log_lock);
		seq_printf(sf, "%s\n", copy);
		spin_lock(&mock_log_lock);
		if (r->next - seq > r->size)	/* overwritten meanwhile */
			seq = r->next - r->size - 1;
	}
	spin_unlock(&mock_log_lock);
	kfree(copy);
	return 0;
}

static int mock_events_show(struct seq_file *sf, void *unused)
{
	return mock_ring_show(sf, &mock_events);
}
DEFINE_SHOW_ATTRIBUTE(mock_events);

static int mock_violations_show(struct seq_file *sf, void *unused)
{
	return mock_ring_show(sf, &mock_viols);
}
DEFINE_SHOW_ATTRIBUTE(mock_violations);

static int mock_counters_show(struct seq_file *sf, void *unused)
{
	u64 count[MIG_RULE_NR_MONITOR], total = 0;
	int i;

	spin_lock(&mock_log_lock);
	memcpy(count, mock_rule_count, sizeof(count));
	spin_unlock(&mock_log_lock);
	for (i = 0; i < MIG_RULE_NR_MONITOR; i++) {
		seq_printf(sf, "%s %llu\n", mig_rule_id(i), count[i]);
		total += count[i];
	}
	seq_printf(sf, "total %llu\n", total);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mock_counters);

static ssize_t mock_clear_write(struct file *file, const char __user *buf,
				size_t count, loff_t *ppos)
{
	spin_lock(&mock_log_lock);
	mock_events.next = 0;
	mock_viols.next = 0;
	memset(mock_rule_count, 0, sizeof(mock_rule_count));
	mock_clear_gen++;
	spin_unlock(&mock_log_lock);
	return count;
}

static const struct file_operations mock_clear_fops = {
	.owner = THIS_MODULE,
	.write = mock_clear_write,
};

struct dentry *mock_debugfs_dir(void)
{
	return mock_debugfs_root;
}

int mock_monitor_init(void)
{
	mock_events.line = kvcalloc(MOCK_LOG_LINES, MOCK_LINE_LEN, GFP_KERNEL);
	mock_viols.line = kvcalloc(MOCK_VIOL_LINES, MOCK_LINE_LEN, GFP_KERNEL);
	if (!mock_events.line || !mock_viols.line) {
		kvfree(mock_events.line);
		kvfree(mock_viols.line);
		mock_events.line = NULL;
		mock_viols.line = NULL;
		return -ENOMEM;
	}
	mock_debugfs_root = debugfs_create_dir(MOCK_VFIO_PCI_DRIVER_NAME, NULL);
	debugfs_create_file("events", 0444, mock_debugfs_root, NULL, &mock_events_fops);
	debugfs_create_file("violations", 0444, mock_debugfs_root, NULL,
			    &mock_violations_fops);
	debugfs_create_file("counters", 0444, mock_debugfs_root, NULL, &mock_counters_fops);
	debugfs_create_file("clear", 0200, mock_debugfs_root, NULL, &mock_clear_fops);
	return 0;
}

void mock_monitor_exit(void)
{
	char (*events)[MOCK_LINE_LEN], (*viols)[MOCK_LINE_LEN];

	debugfs_remove_recursive(mock_debugfs_root);
	spin_lock(&mock_log_lock);
	events = mock_events.line;
	viols = mock_viols.line;
	mock_events.line = NULL;
	mock_viols.line = NULL;
	spin_unlock(&mock_log_lock);
	kvfree(events);
	kvfree(viols);
}
