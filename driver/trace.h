/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tracepoints of mock-vfio-pci (ftrace/trace-cmd: events/mock_vfio_pci/).
 * They mirror the debugfs event log, one tracepoint per kind of event.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mock_vfio_pci

#if !defined(_MOCK_VFIO_PCI_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MOCK_VFIO_PCI_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(mock_arc,
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
	    TP_printk("%s arc %u->%u ret=%d", __get_str(dev), __entry->from,
		      __entry->to, __entry->ret)
);

TRACE_EVENT(mock_data,
	    TP_PROTO(const char *dev, const char *op, size_t len, long ret),
	    TP_ARGS(dev, op, len, ret),
	    TP_STRUCT__entry(__string(dev, dev)
			     __string(op, op)
			     __field(size_t, len)
			     __field(long, ret)),
	    TP_fast_assign(__assign_str(dev);
			   __assign_str(op);
			   __entry->len = len;
			   __entry->ret = ret;),
	    TP_printk("%s %s len=%zu ret=%ld", __get_str(dev), __get_str(op),
		      __entry->len, __entry->ret)
);

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
	    TP_printk("%s -> %s writes=%u dropped=%u", __get_str(src),
		      __get_str(dst), __entry->writes, __entry->dropped)
);

TRACE_EVENT(mock_violation,
	    TP_PROTO(const char *dev, const char *rule, const char *what),
	    TP_ARGS(dev, rule, what),
	    TP_STRUCT__entry(__string(dev, dev)
			     __string(rule, rule)
			     __string(what, what)),
	    TP_fast_assign(__assign_str(dev);
			   __assign_str(rule);
			   __assign_str(what);),
	    TP_printk("%s %s %s", __get_str(dev), __get_str(rule), __get_str(what))
);

TRACE_EVENT(mock_fault,
	    TP_PROTO(const char *dev, const char *what),
	    TP_ARGS(dev, what),
	    TP_STRUCT__entry(__string(dev, dev)
			     __string(what, what)),
	    TP_fast_assign(__assign_str(dev);
			   __assign_str(what);),
	    TP_printk("%s %s", __get_str(dev), __get_str(what))
);

#endif /* _MOCK_VFIO_PCI_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
