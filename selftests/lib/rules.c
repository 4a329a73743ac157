// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rules the conformance suite checks, with their severity and source.
 * "uAPI" quotes include/uapi/linux/vfio.h (Linux 6.12 unless noted); "core"
 * is what drivers/vfio/vfio_main.c enforces; "practice" is what VMMs such as
 * QEMU rely on.  Documentation/validate-your-driver.rst lists them too.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules.h"

const struct suite_rule mig_rules[] = {
	{ "feature.flags-legal", true, "uAPI vfio_device_feature_migration",
	  "MIGRATION flags are one of STOP_COPY, +P2P, +PRE_COPY, +P2P+PRE_COPY" },
	{ "feature.probe-matches-get", true, "core vfio_check_feature()",
	  "PROBE answers 0 exactly when GET works" },
	{ "state.get-no-fd", true, "uAPI MIG_DEVICE_STATE: GET returns data_fd -1",
	  "GET of MIG_DEVICE_STATE returns data_fd -1" },
	{ "fsm.request-result", true, "uAPI MIG_DEVICE_STATE + vfio_mig_get_next_state()",
	  "a SET succeeds exactly when the target is supported and reachable, and GET then reports it" },
	{ "fsm.refused-einval", true, "core vfio_mig_get_next_state()",
	  "a refused SET fails with EINVAL and leaves the state unchanged" },
	{ "fsm.blocked-arc", true, "uAPI: STOP_COPY->PRE_COPY(_P2P) \"are not permitted and return error\"",
	  "the blocked arcs fail promptly (6.12 spins forever in the core unless the driver refuses them)" },
	{ "fsm.fd-on-transfer-start", true, "uAPI: data_fd returned by arcs that begin a transfer",
	  "a new data_fd exactly when the SET enters a transfer" },
	{ "data_fd.cloexec", true, "core vfio_ioct_mig_return_fd() (O_CLOEXEC)",
	  "the data_fd is close-on-exec" },
	{ "data_fd.stream", false, "practice: every in-tree driver uses stream_open()",
	  "the data_fd is a stream: pread/pwrite/lseek fail with ESPIPE" },
	{ "data_fd.direction", false, "practice: saving fds O_RDONLY, resuming fds O_WRONLY",
	  "a saving fd refuses write(), a resuming fd refuses read()" },
	{ "stop_copy.eof", true, "uAPI STOP_COPY: end of stream = whole state transferred",
	  "STOP_COPY reads end with 0 and stay at 0" },
	{ "stop_copy.no-enomsg", true, "uAPI: \"ENOMSG may not be returned in STOP_COPY\"",
	  "no ENOMSG in STOP_COPY" },
	{ "stop_copy.poll", true, "uAPI: in STOP_COPY poll() always reports readable",
	  "poll() on a STOP_COPY fd reports POLLIN" },
	{ "session.fd-dead", true, "include/linux/vfio.h: the fd \"reaches end of stream or error\" when the FSM leaves the transfer state",
	  "a data_fd never yields data after its session ended" },
	{ "session.poll-returns", true, "include/linux/vfio.h: the fd \"reaches end of stream or error\"; poll() reports both",
	  "poll() on a data_fd whose session ended returns an event, also to a waiter already blocked in it" },
	{ "reset.running", true, "uAPI VFIO_DEVICE_RESET: the device returns to RUNNING",
	  "after VFIO_DEVICE_RESET, GET reports RUNNING" },
	{ "reset.kills-fd", true, "uAPI + include/linux/vfio.h",
	  "the data_fd of a session ended by reset yields no data" },
	{ "reset.advertised", false, "practice: QEMU recovers migration failures with VFIO_DEVICE_RESET",
	  "a device whose reset works reports VFIO_DEVICE_FLAGS_RESET" },
	{ "open.starts-running", true, "uAPI: the initial state is RUNNING (U-7)",
	  "a device opened again starts in RUNNING, whatever state it was closed in" },
	{ "open.closed-any-state", true, "uAPI: closing the device ends its migration session; every request returns (0 or -errno)",
	  "closed in any state, opened again: SET RUNNING and a save/restore work, no oops, no hang" },
	{ "precopy.info-only-in-precopy", true, "uAPI VFIO_MIG_GET_PRECOPY_INFO: EINVAL outside PRE_COPY*",
	  "PRECOPY_INFO works in PRE_COPY/PRE_COPY_P2P and fails with EINVAL otherwise" },
	{ "precopy.initial-nonzero", false, "uAPI: initial_bytes \"should have a non-zero initial value\"",
	  "initial_bytes is non-zero on entering PRE_COPY" },
	{ "precopy.initial-decreases", true, "uAPI: initial_bytes \"decrease as migration data is read\"",
	  "initial_bytes never increases while reading" },
	{ "precopy.dirty-starts-zero", true, "uAPI: dirty_bytes \"starts at zero\"",
	  "dirty_bytes is 0 on entering PRE_COPY" },
	{ "precopy.poll", true, "uAPI PRE_COPY: \"Userspace can wait for more data ... by using poll\"",
	  "poll() reports POLLIN while initial_bytes is not 0" },
	{ "precopy.enomsg", false, "uAPI: at a temporary end of stream read() \"should return ENOMSG\"",
	  "read() returns ENOMSG, not 0, when there is nothing to read in PRE_COPY" },
	{ "precopy.one-stream", true, "uAPI: the saving states share one data transfer session",
	  "PRE_COPY then STOP_COPY data is one stream that restores" },
	{ "precopy.v2-flags-output", true, "uAPI 7.1 MIG_PRECOPY_INFOv2: after opt-in flags are output only",
	  "after the MIG_PRECOPY_INFOv2 opt-in, flags come back 0 (no REINIT)" },
	{ "data_size.every-state", true, "uAPI MIG_DATA_SIZE: \"can be called on each device state\"",
	  "MIG_DATA_SIZE answers in every supported state" },
	{ "data_size.covers-rest", false, "uAPI MIG_DATA_SIZE: \"the estimated data length that will be required to complete stop copy\"; QEMU sizes the downtime with it",
	  "mid-session (STOP_COPY or PRE_COPY partly read, nothing dirtied) MIG_DATA_SIZE is at least the bytes still to read" },
	{ "resume.incomplete-refused", true, "uAPI RESUMING: incomplete data \"must fail the SET_STATE\"",
	  "RESUMING->STOP fails when the stream is incomplete" },
	{ "resume.rejected-not-loaded", true, "uAPI RESUMING: invalid data \"must fail the SET_STATE\"",
	  "after a write() was rejected, RESUMING->STOP fails" },
	{ "state.get-valid", true, "uAPI MIG_DEVICE_STATE: GET reports the current state",
	  "GET works at any time, also racing other requests, and reports a supported state" },
	{ "stress.no-hang", true, "uAPI: every request returns (0 or -errno); VMMs issue them from several threads",
	  "reset, SET, data_fd read/write, PRECOPY_INFO, MIG_DATA_SIZE and open/close racing each other all return" },
	{ "stress.errno", true, "uAPI + core per operation (migration_stress_test.c op_rules[])",
	  "racing each other, operations fail only with the errnos documented for them" },
	{ "stress.recovers", true, "uAPI VFIO_DEVICE_RESET",
	  "after the stress, reset brings RUNNING and a save/restore round trip works" },
	{ "dma_log.start-report-stop", true, "uAPI DMA_LOGGING_START: the device returns the page_size it uses",
	  "START returns a power-of-two page size >= 4096; REPORT and STOP then succeed" },
	{ "dma_log.range-alignment", true, "core vfio_ioctl_device_feature_logging_start()",
	  "ranges not aligned to page_size are refused with EINVAL" },
	{ "dma_log.range-overlap", true, "core vfio_ioctl_device_feature_logging_start()",
	  "overlapping ranges are refused with EINVAL; adjacent ones are accepted" },
	{ "dma_log.range-count", true, "core + uAPI: \"at least ... a single kernel page\" of ranges",
	  "0 ranges is EINVAL, more than a page of ranges E2BIG, a page of ranges accepted" },
	{ "dma_log.range-overflow", true, "core vfio_ioctl_device_feature_logging_start()",
	  "a range whose end overflows is refused with EOVERFLOW" },
	{ "dma_log.double-start", false, "practice: mlx5 and pds refuse a second START (the core leaves it to the driver)",
	  "a second START without STOP fails and the first session goes on" },
	{ "dma_log.stop-without-start", false, "practice: vfio_log_ops callers may STOP at any time",
	  "STOP without START returns 0 or EINVAL, and logging still works after it" },
	{ "dma_log.report-needs-start", true, "uAPI DMA_LOGGING_REPORT: \"If DMA logging is not enabled, an error will be returned\"",
	  "REPORT fails before START and after STOP" },
	{ "dma_log.report-page-size", true, "core vfio_ioctl_device_feature_logging_report()",
	  "REPORT page_size must be a power of two >= 4096 (EINVAL); an overflowing range is EOVERFLOW" },
	{ "dma_log.report-only-sets-bits", true, "uAPI DMA_LOGGING_REPORT: \"only set bits in the bitmap and never clear\"",
	  "REPORT never clears a bit the caller set" },
	{ "run.completes", true, "uAPI: every request returns (0 or -errno); a driver must not oops",
	  "each test program finishes in its time limit (MIG_TEST_TIMEOUT), and the kernel reports no oops, BUG or WARNING during it" },
	{ "roundtrip.same-device", true, "uAPI: a saved stream restores into a compatible device",
	  "a stream saved from the device restores into it" },
	{ NULL }
};

static const struct suite_rule *find(const char *id)
{
	const struct suite_rule *r;

	for (r = mig_rules; r->id; r++)
		if (!strcmp(r->id, id))
			return r;
	return NULL;
}

bool mig_rule_result(const char *id, bool ok, const char *file, int line,
		     const char *fmt, ...)
{
	const struct suite_rule *r = find(id);
	const char *log = getenv("MIG_RULES_LOG");
	const char *strict = getenv("MIG_STRICT");
	char msg[512];
	va_list args;

	if (!r) {
		fprintf(stderr, "# %s:%d: unknown rule %s\n", file, line, id);
		return true;
	}
	if (log) {
		int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

		if (fd >= 0) {
			dprintf(fd, "%s %s\n", id, ok ? "ok" : "fail");
			close(fd);
		}
	}
	if (ok)
		return false;

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	fprintf(stderr, "# %s:%d: %s %s (%s): %s\n", file, line, r->must ? "MUST" : "SHOULD",
		id, r->source, msg);
	if (!r->must && !(strict && !strcmp(strict, "1"))) {
		fprintf(stderr, "# (a SHOULD rule: not failing the test; run with --strict to)\n");
		return false;
	}
	return true;
}
