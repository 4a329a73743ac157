// SPDX-License-Identifier: GPL-2.0-only
/*
 * The driver's events, and the conformance monitor's share of them: every
 * event (arcs, SETs, resets, data_fd operations, P2P traffic, streams,
 * faults, violations) is a tracepoint (trace.h), and the debugfs event
 * ring is written by this file's probes on those tracepoints, so a tracer
 * and the ring always see the same events.  Violations of the VMM-side
 * rules a device can observe are also counted here (Documentation/monitor.rst).
 *
 * debugfs, /sys/kernel/debug/mock-vfio-pci/:
 *   events      the last MOCK_EVENT_LINES events, oldest first, one per line:
 *               "SEQ TIME_NS DEVICE EVENT key=value ..."
 *   violations  the last MOCK_VIOL_LINES violation events, same format
 *   counters    "RULE COUNT" per rule, then "total COUNT"
 *   clear       write anything: forget events, violations and counters
 *
 * No line is cut short: the free text of faults and violations is at most
 * MOCK_WHAT_LEN - 1 bytes (scripts/event-lengths proves every message in
 * the driver fits), a ring slot holds the longest line (static_assert
 * below), and a message that would not fit anyway is a WARN, which fails
 * any test run.
 */
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "mock.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

#define MOCK_EVENT_LINES	4096
#define MOCK_VIOL_LINES		256
#define MOCK_DEV_NAME_LEN	32	/* a PCI address is 12 to 16 characters */
#define MOCK_EVENT_LEN		256

/* The longest line: a violation, "SEQ TIME DEVICE violation rule=ID WHAT". */
static_assert(MOCK_EVENT_LEN >= 20 + 1 + 20 + 1 + MOCK_DEV_NAME_LEN + 1 +
	      sizeof("violation rule=U-14 ") + MOCK_WHAT_LEN);

struct mock_ring {
	char (*line)[MOCK_EVENT_LEN];
	unsigned int size;
	u64 next;		/* sequence number of the next line */
};

static DEFINE_SPINLOCK(mock_events_lock);	/* both rings and the counters */
static struct mock_ring mock_events = { .size = MOCK_EVENT_LINES };
static struct mock_ring mock_viols = { .size = MOCK_VIOL_LINES };
static u64 mock_rule_count[MIG_RULE_NR_MONITOR];
/*
 * "clear" forgets every device's violation count too, without a list of
 * devices: a count from before the last clear (an older generation) is 0.
 */
static u64 mock_clear_gen;
static struct dentry *mock_debugfs_root;

/* One line into @r; mock_events_lock held. */
static __printf(3, 0) void mock_ring_vput(struct mock_ring *r, const char *dev,
					  const char *fmt, va_list args)
{
	char *line = r->line[r->next % r->size];
	int len;

	len = scnprintf(line, MOCK_EVENT_LEN, "%llu %llu %s ", r->next, ktime_get_ns(), dev);
	WARN_ONCE(vsnprintf(line + len, MOCK_EVENT_LEN - len, fmt, args) >= MOCK_EVENT_LEN - len,
		  "mock-vfio-pci: event of %s cut short: %s\n", dev, line);
	r->next++;
}

/* One line into @r; mock_events_lock held. */
static __printf(3, 4) void mock_ring_put(struct mock_ring *r, const char *dev,
					 const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	mock_ring_vput(r, dev, fmt, args);
	va_end(args);
}

/* Probes' common part: "EVENT key=value ..." of @dev into the event ring. */
static __printf(2, 3) void mock_ring_add(const char *dev, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	spin_lock(&mock_events_lock);
	if (mock_events.line)
		mock_ring_vput(&mock_events, dev, fmt, args);
	spin_unlock(&mock_events_lock);
	va_end(args);
}

static void mock_probe_arc(void *data, const char *dev, u32 from, u32 to, int ret)
{
	mock_ring_add(dev, "arc from=%s to=%s ret=%d", mig_state_name(from),
		      mig_state_name(to), ret);
}

static void mock_probe_set(void *data, const char *dev, u32 from, u32 to, int ret)
{
	mock_ring_add(dev, "set to=%s ret=%d", mig_state_name(to), ret);
}

static void mock_probe_reset(void *data, const char *dev, u32 state, u64 vm)
{
	mock_ring_add(dev, "reset state=%s vm=%llu", mig_state_name(state), vm);
}

static void mock_probe_data(void *data, const char *dev, const char *op, size_t len,
			    long ret, u32 sess, u32 live)
{
	mock_ring_add(dev, "%s len=%zu ret=%ld sess=%u live=%u", op, len, ret, sess, live);
}

static void mock_probe_p2p(void *data, const char *src, const char *dst, u32 writes,
			   u32 dropped)
{
	mock_ring_add(src, "p2p peer=%s writes=%u dropped=%u", dst, writes, dropped);
}

static void mock_probe_stream(void *data, const char *dev, const char *source, u64 save_ns)
{
	mock_ring_add(dev, "stream save_ns=%llu", save_ns);
}

static void mock_probe_loaded(void *data, const char *dev, const char *source, u64 save_ns)
{
	mock_ring_add(dev, "loaded source=%s save_ns=%llu", source, save_ns);
}

static void mock_probe_fault(void *data, const char *dev, const char *what)
{
	mock_ring_add(dev, "fault %s", what);
}

/* A violation goes into both rings. */
static void mock_probe_violation(void *data, const char *dev, const char *rule,
				 const char *what)
{
	static const char fmt[] = "violation rule=%s %s";

	spin_lock(&mock_events_lock);
	if (mock_events.line) {
		mock_ring_put(&mock_events, dev, fmt, rule, what);
		mock_ring_put(&mock_viols, dev, fmt, rule, what);
	}
	spin_unlock(&mock_events_lock);
}

static void mock_probes_unregister(void)
{
	unregister_trace_mock_violation(mock_probe_violation, NULL);
	unregister_trace_mock_fault(mock_probe_fault, NULL);
	unregister_trace_mock_loaded(mock_probe_loaded, NULL);
	unregister_trace_mock_stream(mock_probe_stream, NULL);
	unregister_trace_mock_p2p(mock_probe_p2p, NULL);
	unregister_trace_mock_data(mock_probe_data, NULL);
	unregister_trace_mock_reset(mock_probe_reset, NULL);
	unregister_trace_mock_set(mock_probe_set, NULL);
	unregister_trace_mock_arc(mock_probe_arc, NULL);
	tracepoint_synchronize_unregister();	/* no probe runs any more */
}

/* Attach the event ring to every tracepoint; all or none. */
static int mock_probes_register(void)
{
	int ret;

	ret = register_trace_mock_arc(mock_probe_arc, NULL);
	if (ret)
		return ret;
	ret = register_trace_mock_set(mock_probe_set, NULL);
	if (ret)
		goto out_arc;
	ret = register_trace_mock_reset(mock_probe_reset, NULL);
	if (ret)
		goto out_set;
	ret = register_trace_mock_data(mock_probe_data, NULL);
	if (ret)
		goto out_reset;
	ret = register_trace_mock_p2p(mock_probe_p2p, NULL);
	if (ret)
		goto out_data;
	ret = register_trace_mock_stream(mock_probe_stream, NULL);
	if (ret)
		goto out_p2p;
	ret = register_trace_mock_loaded(mock_probe_loaded, NULL);
	if (ret)
		goto out_stream;
	ret = register_trace_mock_fault(mock_probe_fault, NULL);
	if (ret)
		goto out_loaded;
	ret = register_trace_mock_violation(mock_probe_violation, NULL);
	if (ret)
		goto out_fault;
	return 0;

out_fault:
	unregister_trace_mock_fault(mock_probe_fault, NULL);
out_loaded:
	unregister_trace_mock_loaded(mock_probe_loaded, NULL);
out_stream:
	unregister_trace_mock_stream(mock_probe_stream, NULL);
out_p2p:
	unregister_trace_mock_p2p(mock_probe_p2p, NULL);
out_data:
	unregister_trace_mock_data(mock_probe_data, NULL);
out_reset:
	unregister_trace_mock_reset(mock_probe_reset, NULL);
out_set:
	unregister_trace_mock_set(mock_probe_set, NULL);
out_arc:
	unregister_trace_mock_arc(mock_probe_arc, NULL);
	tracepoint_synchronize_unregister();
	return ret;
}

/*
 * The events.  Each fires its tracepoint, and nothing else: the probes
 * above write the event ring.  States are enum vfio_device_mig_state.
 */

/* One arc of a walk from @from to @to, and its result. */
void mock_event_arc(struct mock_device *m, u32 from, u32 to, int ret)
{
	trace_mock_arc(pci_name(m->core.pdev), from, to, ret);
}

/* A SET of @to that found the device in @from, and its result. */
void mock_event_set(struct mock_device *m, u32 from, u32 to, int ret)
{
	trace_mock_set(pci_name(m->core.pdev), from, to, ret);
}

/* A reset (or open) that left the device in @state, in VM @vm (0: none). */
void mock_event_reset(struct mock_device *m, u32 state, u64 vm)
{
	trace_mock_reset(pci_name(m->core.pdev), state, vm);
}

/* A data_fd operation @op of @len bytes on session @sess (@live: current). */
void mock_event_data(const char *dev, const char *op, size_t len, long ret, u32 sess, u32 live)
{
	trace_mock_data(dev, op, len, ret, sess, live);
}

/* A batch of P2P writes from @src into @dst. */
void mock_event_p2p(const char *src, const char *dst, u32 writes, u32 dropped)
{
	trace_mock_p2p(src, dst, writes, dropped);
}

/* A STOP_COPY stream of save session @save_ns begins. */
void mock_event_stream(struct mock_device *m, u64 save_ns)
{
	const char *dev = pci_name(m->core.pdev);

	trace_mock_stream(dev, dev, save_ns);
}

/* A destination committed a stream of @source's save session @save_ns. */
void mock_event_loaded(struct mock_device *m, const char *source, u64 save_ns)
{
	trace_mock_loaded(pci_name(m->core.pdev), source, save_ns);
}

/* Format the free text of a fault or violation: never cut short silently. */
static __printf(3, 0) void mock_what(struct mock_device *m, char *what,
				     const char *fmt, va_list args)
{
	WARN_ONCE(vsnprintf(what, MOCK_WHAT_LEN, fmt, args) >= MOCK_WHAT_LEN,
		  "mock-vfio-pci: event of %s cut short: %s\n", pci_name(m->core.pdev), what);
}

/**
 * mock_event_fault() - an injected fault fired
 * @m: the device
 * @fmt: what and how, "NAME key=value ...", at most MOCK_WHAT_LEN - 1 bytes
 */
void mock_event_fault(struct mock_device *m, const char *fmt, ...)
{
	char what[MOCK_WHAT_LEN];
	va_list args;

	va_start(args, fmt);
	mock_what(m, what, fmt, args);
	va_end(args);
	trace_mock_fault(pci_name(m->core.pdev), what);
}

/**
 * mock_violation() - record a VMM protocol violation the device observed
 * @m: the device that observed it
 * @rule: which rule
 * @fmt: what happened: devices, states; at most MOCK_WHAT_LEN - 1 bytes
 *
 * Counted per rule and per device, an event in both rings (through its
 * tracepoint), and reported once in the kernel log (ratelimited).
 */
void mock_violation(struct mock_device *m, enum mig_rule rule, const char *fmt, ...)
{
	char what[MOCK_WHAT_LEN];
	va_list args;

	va_start(args, fmt);
	mock_what(m, what, fmt, args);
	va_end(args);

	spin_lock(&mock_events_lock);
	mock_rule_count[rule]++;
	if (m->events.gen != mock_clear_gen) {
		m->events.gen = mock_clear_gen;
		m->events.violations = 0;
	}
	m->events.violations++;
	spin_unlock(&mock_events_lock);

	trace_mock_violation(pci_name(m->core.pdev), mig_rule_id(rule), what);
	dev_notice_ratelimited(mock_dev(m), "VMM protocol violation %s: %s\n",
			       mig_rule_id(rule), what);
}

/**
 * mock_violations_of() - violations a device observed since the last clear
 * @m: the device
 */
u64 mock_violations_of(struct mock_device *m)
{
	u64 n;

	spin_lock(&mock_events_lock);
	n = m->events.gen == mock_clear_gen ? m->events.violations : 0;
	spin_unlock(&mock_events_lock);
	return n;
}

static int mock_ring_show(struct seq_file *sf, struct mock_ring *r)
{
	char *copy;
	u64 seq, first;

	copy = kmalloc(MOCK_EVENT_LEN, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	spin_lock(&mock_events_lock);
	first = r->next > r->size ? r->next - r->size : 0;
	for (seq = first; seq < r->next; seq++) {
		memcpy(copy, r->line[seq % r->size], MOCK_EVENT_LEN);
		/* Printing may sleep: let go of the lock around it. */
		spin_unlock(&mock_events_lock);
		seq_printf(sf, "%s\n", copy);
		spin_lock(&mock_events_lock);
		if (r->next - seq > r->size)	/* overwritten meanwhile */
			seq = r->next - r->size - 1;
	}
	spin_unlock(&mock_events_lock);
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

	spin_lock(&mock_events_lock);
	memcpy(count, mock_rule_count, sizeof(count));
	spin_unlock(&mock_events_lock);
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
	spin_lock(&mock_events_lock);
	mock_events.next = 0;
	mock_viols.next = 0;
	memset(mock_rule_count, 0, sizeof(mock_rule_count));
	mock_clear_gen++;
	spin_unlock(&mock_events_lock);
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

int mock_events_init(void)
{
	int ret;

	mock_events.line = kvcalloc(MOCK_EVENT_LINES, MOCK_EVENT_LEN, GFP_KERNEL);
	mock_viols.line = kvcalloc(MOCK_VIOL_LINES, MOCK_EVENT_LEN, GFP_KERNEL);
	if (!mock_events.line || !mock_viols.line) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = mock_probes_register();
	if (ret)
		goto out_free;
	mock_debugfs_root = debugfs_create_dir(MOCK_VFIO_PCI_DRIVER_NAME, NULL);
	debugfs_create_file("events", 0444, mock_debugfs_root, NULL, &mock_events_fops);
	debugfs_create_file("violations", 0444, mock_debugfs_root, NULL,
			    &mock_violations_fops);
	debugfs_create_file("counters", 0444, mock_debugfs_root, NULL, &mock_counters_fops);
	debugfs_create_file("clear", 0200, mock_debugfs_root, NULL, &mock_clear_fops);
	return 0;

out_free:
	kvfree(mock_events.line);
	kvfree(mock_viols.line);
	mock_events.line = NULL;
	mock_viols.line = NULL;
	return ret;
}

void mock_events_exit(void)
{
	char (*events)[MOCK_EVENT_LEN], (*viols)[MOCK_EVENT_LEN];

	debugfs_remove_recursive(mock_debugfs_root);
	mock_probes_unregister();
	spin_lock(&mock_events_lock);
	events = mock_events.line;
	viols = mock_viols.line;
	mock_events.line = NULL;
	mock_viols.line = NULL;
	spin_unlock(&mock_events_lock);
	kvfree(events);
	kvfree(viols);
}
