/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tracepoints of mock-vfio-pci (ftrace, trace-cmd, perf:
 * events/mock_vfio_pci/), the one source of the driver's events: events.c
 * attaches to every one of them to write the debugfs event ring, so what a
 * tracer sees and what the monitor and vfio-migcheck read are the same
 * events (Documentation/monitor.rst).  Only events.c fires them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mock_vfio_pci

#if !defined(_MOCK_VFIO_PCI_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MOCK_VFIO_PCI_TRACE_H

#include <linux/tracepoint.h>
#include <linux/vfio.h>

/* The uAPI's state names, as mig_state_name() gives them. */
TRACE_DEFINE_ENUM(VFIO_DEVICE_STATE_ERROR);
TRACE_DEFINE_ENUM(VFIO_DEVICE_STATE_STOP);
TRACE_DEFINE_ENUM(VFIO_DEVICE_STATE_RUNNING);
TRACE_DEFINE_ENUM(VFIO_DEVICE_STATE_STOP_COPY);
TRACE_DEFINE_ENUM(VFIO_DEVICE_STATE_RESUMING);
TRACE_DEFINE_ENUM(VFIO_DEVICE_STATE_RUNNING_P2P);
TRACE_DEFINE_ENUM(VFIO_DEVICE_STATE_PRE_COPY);
TRACE_DEFINE_ENUM(VFIO_DEVICE_STATE_PRE_COPY_P2P);

#define mock_show_state(state)						\
	__print_symbolic(state,						\
			 { VFIO_DEVICE_STATE_ERROR, "ERROR" },		\
			 { VFIO_DEVICE_STATE_STOP, "STOP" },		\
			 { VFIO_DEVICE_STATE_RUNNING, "RUNNING" },	\
			 { VFIO_DEVICE_STATE_STOP_COPY, "STOP_COPY" },	\
			 { VFIO_DEVICE_STATE_RESUMING, "RESUMING" },	\
			 { VFIO_DEVICE_STATE_RUNNING_P2P, "RUNNING_P2P" }, \
			 { VFIO_DEVICE_STATE_PRE_COPY, "PRE_COPY" },	\
			 { VFIO_DEVICE_STATE_PRE_COPY_P2P, "PRE_COPY_P2P" })

/* A state change: one arc of the walk, or the SET the VMM asked for. */
DECLARE_EVENT_CLASS(mock_transition,
		    TP_PROTO(const char *dev, u32 from, u32 to, int ret),
		    TP_ARGS(dev, from, to, ret),
		    TP_STRUCT__entry(__string(dev, dev)
				     __field(u32, from)
				     __field(u32, to)
				     __field(int, ret)),
		    TP_fast_assign(__assign_str(dev);
				   __entry->from = from;
				   __entry->to = to;
				   __entry->ret = ret;),
		    TP_printk("%s from=%s to=%s ret=%d", __get_str(dev),
			      mock_show_state(__entry->from), mock_show_state(__entry->to),
			      __entry->ret)
);

/* One arc vfio_mig_get_next_state() chose, and how it ended. */
DEFINE_EVENT(mock_transition, mock_arc,
	     TP_PROTO(const char *dev, u32 from, u32 to, int ret),
	     TP_ARGS(dev, from, to, ret)
);

/* A VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE SET: from the state it found. */
DEFINE_EVENT(mock_transition, mock_set,
	     TP_PROTO(const char *dev, u32 from, u32 to, int ret),
	     TP_ARGS(dev, from, to, ret)
);

/* A reset (FLR, VFIO_DEVICE_RESET, open): the state it left, the VM. */
TRACE_EVENT(mock_reset,
	    TP_PROTO(const char *dev, u32 state, u64 vm),
	    TP_ARGS(dev, state, vm),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(u32, state)
			     __field(u64, vm)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->state = state;
			   __entry->vm = vm;),
	    TP_printk("%s state=%s vm=%llu", __get_str(dev),
		      mock_show_state(__entry->state), __entry->vm)
);

/* A data_fd operation (read, write, precopy_info) and its result. */
TRACE_EVENT(mock_data,
	    TP_PROTO(const char *dev, const char *op, size_t len, long ret, u32 sess,
		     u32 live),
	    TP_ARGS(dev, op, len, ret, sess, live),
	    TP_STRUCT__entry(__string(dev, dev)
			     __string(op, op)
			     __field(size_t, len)
			     __field(long, ret)
			     __field(u32, sess)
			     __field(u32, live)),
	    TP_fast_assign(__assign_str(dev);
			   __assign_str(op);
			   __entry->len = len;
			   __entry->ret = ret;
			   __entry->sess = sess;
			   __entry->live = live;),
	    TP_printk("%s %s len=%zu ret=%ld sess=%u live=%u", __get_str(dev),
		      __get_str(op), __entry->len, __entry->ret, __entry->sess,
		      __entry->live)
);

/* A batch of P2P writes from one device into another. */
TRACE_EVENT(mock_p2p,
	    TP_PROTO(const char *src, const char *dst, u32 writes, u32 dropped),
	    TP_ARGS(src, dst, writes, dropped),
	    TP_STRUCT__entry(__string(src, src)
			     __string(dst, dst)
			     __field(u32, writes)
			     __field(u32, dropped)),
	    TP_fast_assign(__assign_str(src);
			   __assign_str(dst);
			   __entry->writes = writes;
			   __entry->dropped = dropped;),
	    TP_printk("%s peer=%s writes=%u dropped=%u", __get_str(src),
		      __get_str(dst), __entry->writes, __entry->dropped)
);

/* A stream's provenance: begun by a source, committed by a destination. */
DECLARE_EVENT_CLASS(mock_stream_class,
		    TP_PROTO(const char *dev, const char *source, u64 save_ns),
		    TP_ARGS(dev, source, save_ns),
		    TP_STRUCT__entry(__string(dev, dev)
				     __string(source, source)
				     __field(u64, save_ns)),
		    TP_fast_assign(__assign_str(dev);
				   __assign_str(source);
				   __entry->save_ns = save_ns;),
		    TP_printk("%s source=%s save_ns=%llu", __get_str(dev),
			      __get_str(source), __entry->save_ns)
);

/* A source begins a STOP_COPY stream (source: itself). */
DEFINE_EVENT(mock_stream_class, mock_stream,
	     TP_PROTO(const char *dev, const char *source, u64 save_ns),
	     TP_ARGS(dev, source, save_ns)
);

/* A destination committed a stream that names this source. */
DEFINE_EVENT(mock_stream_class, mock_loaded,
	     TP_PROTO(const char *dev, const char *source, u64 save_ns),
	     TP_ARGS(dev, source, save_ns)
);

/* An injected fault that fired. */
TRACE_EVENT(mock_fault,
	    TP_PROTO(const char *dev, const char *what),
	    TP_ARGS(dev, what),
	    TP_STRUCT__entry(__string(dev, dev)
			     __string(what, what)),
	    TP_fast_assign(__assign_str(dev);
			   __assign_str(what);),
	    TP_printk("%s %s", __get_str(dev), __get_str(what))
);

/* A VMM protocol violation the device observed. */
TRACE_EVENT(mock_violation,
	    TP_PROTO(const char *dev, const char *rule, const char *what),
	    TP_ARGS(dev, rule, what),
	    TP_STRUCT__entry(__string(dev, dev)
			     __string(rule, rule)
			     __string(what, what)),
	    TP_fast_assign(__assign_str(dev);
			   __assign_str(rule);
			   __assign_str(what);),
	    TP_printk("%s rule=%s %s", __get_str(dev), __get_str(rule), __get_str(what))
);

#endif /* _MOCK_VFIO_PCI_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
