// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-side unit tests of vfio-migcheck: its three trace parsers, malformed
 * lines included, and the rule evaluation over small hand-written traces of
 * correct and misbehaving VMMs.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "migcheck.h"

/* Parses @lines (format @fmt) into @e; returns how many lines failed. */
static int parse_all(enum mc_format fmt, const char *const *lines, struct mc_events *e)
{
	struct mc_event ev;
	char why[128];
	int bad = 0, r;

	for (; *lines; lines++) {
		r = mc_parse_line(fmt, *lines, &ev, why);
		if (r < 0) {
			bad++;
			continue;
		}
		if (r == 0)
			continue;
		e->ev = realloc(e->ev, (e->n + 1) * sizeof(ev));
		e->ev[e->n++] = ev;
	}
	return bad;
}

/* The verdicts of a trace, as a string of failing rule ids: "P-1 U-11". */
static const char *failing(enum mc_format fmt, const char *const *lines)
{
	static char out[128];
	struct mc_events e = { 0 };
	struct mc_result res;
	int r;

	if (parse_all(fmt, lines, &e))
		return "PARSE ERROR";
	mc_check(&e, &res);
	mc_events_free(&e);
	out[0] = '\0';
	for (r = 0; r < MIG_RULE_NR; r++)
		if (res.rule[r].verdict == MC_FAIL)
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s",
				 out[0] ? " " : "", mig_rule_id(r));
	return out;
}

TEST(mock_lines)
{
	struct mc_event ev;
	char why[128];

	ASSERT_EQ(1, mc_parse_line(MC_FMT_MOCK,
				   "5 41693502790 0000:01:00.0 arc from=RUNNING_P2P to=STOP ret=0\n",
				   &ev, why));
	EXPECT_EQ(MC_ARC, ev.kind);
	EXPECT_STREQ("0000:01:00.0", ev.dev);
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING_P2P, ev.from);
	EXPECT_EQ(VFIO_DEVICE_STATE_STOP, ev.to);
	EXPECT_EQ(0, ev.ret);

	ASSERT_EQ(1, mc_parse_line(MC_FMT_MOCK, "9 1 0000:01:00.0 read len=1048576 ret=-42",
				   &ev, why));
	EXPECT_EQ(MC_READ, ev.kind);
	EXPECT_EQ(1048576, ev.len);
	EXPECT_EQ(-42, ev.ret);

	ASSERT_EQ(1, mc_parse_line(MC_FMT_MOCK,
				   "2 1 0000:01:00.0 p2p peer=0000:02:00.0 writes=240 dropped=3",
				   &ev, why));
	EXPECT_EQ(MC_P2P, ev.kind);
	EXPECT_STREQ("0000:02:00.0", ev.peer);
	EXPECT_EQ(240, ev.writes);
	EXPECT_EQ(3, ev.dropped);

	ASSERT_EQ(1, mc_parse_line(MC_FMT_MOCK,
				   "13 1 0000:03:00.0 violation rule=P-5 p2p into a stopped device: initiator=x",
				   &ev, why));
	EXPECT_EQ(MC_VIOLATION, ev.kind);
	EXPECT_STREQ("P-5", ev.rule);

	ASSERT_EQ(1, mc_parse_line(MC_FMT_MOCK, "15 1 0000:01:00.0 set to=PRE_COPY ret=-22",
				   &ev, why));
	EXPECT_EQ(MC_SET, ev.kind);
	EXPECT_EQ(VFIO_DEVICE_STATE_PRE_COPY, ev.to);
	EXPECT_EQ(-22, ev.ret);

	EXPECT_EQ(0, mc_parse_line(MC_FMT_MOCK,
				   "3 1 0000:01:00.0 fault arc from=RUNNING to=PRE_COPY errno=-5",
				   &ev, why));
	EXPECT_EQ(0, mc_parse_line(MC_FMT_MOCK, "\n", &ev, why));
}

TEST(mock_malformed_lines)
{
	static const char *const bad[] = {
		"garbage",
		"5 41693502790",
		"5 41693502790 0000:01:00.0 arc from=RUNNING_P2P to=STOP",	/* no ret */
		"5 41693502790 0000:01:00.0 arc from=RUNNING_P2P to=HALTED ret=0",
		"5 41693502790 0000:01:00.0 arc from= to=STOP ret=0",
		"5 41693502790 0000:01:00.0 read len=12x ret=0",
		"5 41693502790 0000:01:00.0 p2p writes=1 dropped=0",		/* no peer */
		"5 41693502790 0000:01:00.0 teleport to=STOP",
		"5 41693502790 0000:01:00.0 violation P-1",
		NULL
	};
	const char *const *l;
	struct mc_event ev;
	char why[128];

	for (l = bad; *l; l++) {
		why[0] = '\0';
		EXPECT_EQ(-1, mc_parse_line(MC_FMT_MOCK, *l, &ev, why)) {
			TH_LOG("accepted: %s", *l);
		}
		EXPECT_NE('\0', why[0]);
	}
}

TEST(qemu_lines)
{
	struct mc_event ev;
	char why[128];

	ASSERT_EQ(1, mc_parse_line(MC_FMT_QEMU,
				   "4242@1700000000.123456:vfio_migration_set_device_state  (0000:01:00.0) state RUNNING_P2P\n",
				   &ev, why));
	EXPECT_EQ(MC_STATE, ev.kind);
	EXPECT_STREQ("0000:01:00.0", ev.dev);
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING_P2P, ev.to);

	ASSERT_EQ(1, mc_parse_line(MC_FMT_QEMU,
				   "vfio_migration_set_state  (0000:02:00.0) new state STOP_COPY, recover state ERROR",
				   &ev, why));
	EXPECT_EQ(MC_SET, ev.kind);
	EXPECT_EQ(VFIO_DEVICE_STATE_STOP_COPY, ev.to);

	EXPECT_EQ(0, mc_parse_line(MC_FMT_QEMU,
				   "4242@1700000000.123456:vfio_save_iterate  (0000:01:00.0) precopy initial size 0",
				   &ev, why));
	EXPECT_EQ(-1, mc_parse_line(MC_FMT_QEMU,
				    "vfio_migration_set_device_state  0000:01:00.0 state STOP", &ev, why));
	EXPECT_EQ(-1, mc_parse_line(MC_FMT_QEMU,
				    "vfio_migration_set_device_state  (0000:01:00.0) state PAUSED",
				    &ev, why));
	EXPECT_EQ(-1, mc_parse_line(MC_FMT_QEMU,
				    "vfio_migration_set_state  (0000:01:00.0) new state STOP", &ev, why));
}

TEST(qmp_lines)
{
	struct mc_event ev;
	char why[128];

	ASSERT_EQ(1, mc_parse_line(MC_FMT_QMP,
				   "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"VFIO_MIGRATION\", "
				   "\"data\": {\"device-id\": \"vf0\", \"qom-path\": \"/machine/peripheral/vf0\", "
				   "\"device-state\": \"pre-copy-p2p\"}}",
				   &ev, why));
	EXPECT_EQ(MC_STATE, ev.kind);
	EXPECT_STREQ("vf0", ev.dev);
	EXPECT_EQ(VFIO_DEVICE_STATE_PRE_COPY_P2P, ev.to);

	EXPECT_EQ(0, mc_parse_line(MC_FMT_QMP, "{\"return\": {}}", &ev, why));
	EXPECT_EQ(0, mc_parse_line(MC_FMT_QMP, "{\"event\": \"STOP\", \"data\": {}}", &ev, why));
	EXPECT_EQ(-1, mc_parse_line(MC_FMT_QMP, "{\"event\": \"VFIO_MIGRATION\"", &ev, why));
	EXPECT_EQ(-1, mc_parse_line(MC_FMT_QMP,
				    "{\"event\": \"VFIO_MIGRATION\", \"data\": {\"device-state\": \"stop\"}}",
				    &ev, why));
	EXPECT_EQ(-1, mc_parse_line(MC_FMT_QMP,
				    "{\"event\": \"VFIO_MIGRATION\", \"data\": {\"device-id\": \"a\", \"device-state\": \"paused\"}}",
				    &ev, why));
}

TEST(sniffing)
{
	EXPECT_EQ(MC_FMT_QMP, mc_sniff("{\"QMP\": {}}"));
	EXPECT_EQ(MC_FMT_QEMU, mc_sniff("1@2.3:vfio_load_cleanup  (x)"));
	EXPECT_EQ(MC_FMT_MOCK, mc_sniff("0 41530177602 0000:01:00.0 reset state=RUNNING"));
	EXPECT_EQ(MC_FMT_NR, mc_sniff("hello"));
}

/* A correct two-device source with pre-copy, as the mock logs it. */
static const char *const good_source[] = {
	"0 1 A reset state=RUNNING",
	"1 1 B reset state=RUNNING",
	"2 1 A arc from=RUNNING to=PRE_COPY ret=0",
	"3 1 B arc from=RUNNING to=PRE_COPY ret=0",
	"4 1 A precopy_info len=24 ret=0",
	"5 1 A read len=4096 ret=4096",
	"6 1 A p2p peer=B writes=10 dropped=0",
	"7 1 A arc from=PRE_COPY to=PRE_COPY_P2P ret=0",
	"8 1 B arc from=PRE_COPY to=PRE_COPY_P2P ret=0",
	"9 1 A arc from=PRE_COPY_P2P to=STOP_COPY ret=0",
	"10 1 B arc from=PRE_COPY_P2P to=STOP_COPY ret=0",
	"11 1 A read len=4096 ret=100",
	"12 1 A read len=4096 ret=0",
	"13 1 B read len=4096 ret=0",
	"14 1 A arc from=STOP_COPY to=STOP ret=0",
	"15 1 B arc from=STOP_COPY to=STOP ret=0",
	NULL
};

TEST(correct_source_breaks_nothing)
{
	EXPECT_STREQ("", failing(MC_FMT_MOCK, good_source));
}

TEST(naive_stop_breaks_p1)
{
	static const char *const t[] = {
		"2 1 A arc from=RUNNING to=RUNNING_P2P ret=0",
		"3 1 A arc from=RUNNING_P2P to=STOP ret=0",
		"4 1 B arc from=RUNNING to=RUNNING_P2P ret=0",
		"5 1 B arc from=RUNNING_P2P to=STOP ret=0",
		NULL
	};

	EXPECT_STREQ("P-1", failing(MC_FMT_MOCK, t));
}

TEST(naive_start_breaks_p2)
{
	/* Devices start in RUNNING (U-7): both go to RESUMING first. */
	static const char *const t[] = {
		"0 1 A arc from=RUNNING to=RUNNING_P2P ret=0",
		"0 1 B arc from=RUNNING to=RUNNING_P2P ret=0",
		"0 1 A arc from=RUNNING_P2P to=STOP ret=0",
		"0 1 B arc from=RUNNING_P2P to=STOP ret=0",
		"0 1 A arc from=STOP to=RESUMING ret=0",
		"0 1 B arc from=STOP to=RESUMING ret=0",
		"1 1 A arc from=RESUMING to=STOP ret=0",
		"2 1 B arc from=RESUMING to=STOP ret=0",
		"3 1 A arc from=STOP to=RUNNING_P2P ret=0",
		"4 1 A arc from=RUNNING_P2P to=RUNNING ret=0",
		"5 1 B arc from=STOP to=RUNNING_P2P ret=0",
		NULL
	};

	EXPECT_STREQ("P-2", failing(MC_FMT_MOCK, t));
}

/* Source and destination in one guest's log: only devices of one VM compare. */
TEST(devices_of_other_vms_do_not_count)
{
	static const char *const t[] = {
		"0 1 S reset state=RUNNING vm=100",
		"1 1 D reset state=RUNNING vm=200",
		"2 1 S arc from=RUNNING to=RUNNING_P2P ret=0",
		"3 1 S arc from=RUNNING_P2P to=STOP ret=0",
		"4 1 D arc from=RUNNING to=RUNNING_P2P ret=0",
		NULL
	};
	static const char *const same[] = {
		"0 1 S reset state=RUNNING vm=100",
		"1 1 D reset state=RUNNING vm=100",
		"2 1 S arc from=RUNNING to=RUNNING_P2P ret=0",
		"3 1 S arc from=RUNNING_P2P to=STOP ret=0",
		NULL
	};

	EXPECT_STREQ("", failing(MC_FMT_MOCK, t));
	EXPECT_STREQ("P-1", failing(MC_FMT_MOCK, same));
}

/* A destination moves fresh devices to RESUMING one by one: not P-1. */
TEST(walks_to_resuming_are_exempt_from_p1)
{
	static const char *const t[] = {
		"0 1 A reset state=RUNNING vm=7",
		"1 1 B reset state=RUNNING vm=7",
		"2 1 A arc from=RUNNING to=RUNNING_P2P ret=0",
		"3 1 A arc from=RUNNING_P2P to=STOP ret=0",
		"4 1 A arc from=STOP to=RESUMING ret=0",
		"5 1 A set to=RESUMING ret=0",
		"6 1 B arc from=RUNNING to=RUNNING_P2P ret=0",
		"7 1 B arc from=RUNNING_P2P to=STOP ret=0",
		"8 1 B arc from=STOP to=RESUMING ret=0",
		"9 1 B set to=RESUMING ret=0",
		NULL
	};
	static const char *const to_stop[] = {
		"0 1 A reset state=RUNNING vm=7",
		"1 1 B reset state=RUNNING vm=7",
		"2 1 A arc from=RUNNING to=RUNNING_P2P ret=0",
		"3 1 A arc from=RUNNING_P2P to=STOP ret=0",
		"4 1 A set to=STOP ret=0",
		NULL
	};

	EXPECT_STREQ("", failing(MC_FMT_MOCK, t));
	EXPECT_STREQ("P-1", failing(MC_FMT_MOCK, to_stop));
}

/* Recovery after a failure leaves STOP_COPY early on purpose: not U-11. */
TEST(walks_back_to_running_are_exempt_from_u11)
{
	static const char *const t[] = {
		"1 1 A arc from=RUNNING to=RUNNING_P2P ret=0",
		"2 1 A arc from=RUNNING_P2P to=STOP ret=0",
		"3 1 A arc from=STOP to=STOP_COPY ret=0",
		"4 1 A set to=STOP_COPY ret=0",
		"5 1 A read len=4096 ret=4096",
		"6 1 A arc from=STOP_COPY to=STOP ret=0",
		"7 1 A arc from=STOP to=RUNNING_P2P ret=0",
		"8 1 A arc from=RUNNING_P2P to=RUNNING ret=0",
		"9 1 A set to=RUNNING ret=0",
		NULL
	};

	EXPECT_STREQ("", failing(MC_FMT_MOCK, t));
}

TEST(data_fd_rules)
{
	static const char *const u9[] = {
		"1 1 A read len=4096 ret=-22", NULL
	};
	static const char *const u10[] = {
		"1 1 A arc from=RUNNING to=RUNNING_P2P ret=0",
		"2 1 A arc from=RUNNING_P2P to=STOP ret=0",
		"3 1 A arc from=STOP to=STOP_COPY ret=0",
		"4 1 A precopy_info len=24 ret=-22",
		"5 1 A read len=4096 ret=0",
		NULL
	};
	static const char *const u11[] = {
		"1 1 A arc from=RUNNING to=RUNNING_P2P ret=0",
		"2 1 A arc from=RUNNING_P2P to=STOP ret=0",
		"3 1 A arc from=STOP to=STOP_COPY ret=0",
		"4 1 A read len=4096 ret=4096",
		"5 1 A arc from=STOP_COPY to=STOP ret=0",
		NULL
	};

	EXPECT_STREQ("U-9", failing(MC_FMT_MOCK, u9));
	EXPECT_STREQ("U-10", failing(MC_FMT_MOCK, u10));
	EXPECT_STREQ("U-11", failing(MC_FMT_MOCK, u11));
}

TEST(precopy_restarted_through_stop_breaks_s2)
{
	static const char *const t[] = {
		"1 1 A arc from=RUNNING to=PRE_COPY ret=0",
		"2 1 A read len=4096 ret=4096",
		"3 1 A arc from=PRE_COPY to=PRE_COPY_P2P ret=0",
		"4 1 A arc from=PRE_COPY_P2P to=RUNNING_P2P ret=0",
		"5 1 A arc from=RUNNING_P2P to=STOP ret=0",
		"6 1 A arc from=STOP to=STOP_COPY ret=0",
		"7 1 A read len=4096 ret=0",
		NULL
	};

	EXPECT_STREQ("S-2", failing(MC_FMT_MOCK, t));
}

TEST(dropped_p2p_breaks_p5)
{
	static const char *const t[] = {
		"1 1 A p2p peer=B writes=0 dropped=240", NULL
	};

	EXPECT_STREQ("P-5", failing(MC_FMT_MOCK, t));
}

TEST(qemu_two_phase_stop_and_u3)
{
	static const char *const good[] = {
		"1@1.000001:vfio_migration_set_state  (A) new state PRE_COPY, recover state ERROR",
		"1@1.000002:vfio_migration_set_device_state  (A) state PRE_COPY",
		"1@1.000003:vfio_migration_set_device_state  (B) state PRE_COPY",
		"1@1.000004:vfio_migration_set_device_state  (A) state PRE_COPY_P2P",
		"1@1.000005:vfio_migration_set_device_state  (B) state PRE_COPY_P2P",
		"1@1.000006:vfio_migration_set_device_state  (A) state STOP_COPY",
		"1@1.000007:vfio_migration_set_device_state  (B) state STOP_COPY",
		"1@1.000008:vfio_migration_set_device_state  (A) state STOP",
		"1@1.000009:vfio_migration_set_device_state  (B) state STOP",
		NULL
	};
	static const char *const u3[] = {
		"vfio_migration_set_device_state  (A) state PRE_COPY_P2P",
		"vfio_migration_set_device_state  (A) state STOP_COPY",
		"vfio_migration_set_state  (A) new state PRE_COPY, recover state ERROR",
		NULL
	};

	EXPECT_STREQ("", failing(MC_FMT_QEMU, good));
	EXPECT_STREQ("U-3", failing(MC_FMT_QEMU, u3));
}

TEST(unobservable_rules_are_not_passed)
{
	static const char *const t[] = {
		"vfio_migration_set_device_state  (A) state STOP", NULL
	};
	struct mc_events e = { 0 };
	struct mc_result res;

	ASSERT_EQ(0, parse_all(MC_FMT_QEMU, t, &e));
	EXPECT_EQ(0, mc_check(&e, &res));
	EXPECT_EQ(MC_PASS, res.rule[MIG_RULE_P1].verdict);
	EXPECT_EQ(MC_UNOBSERVED, res.rule[MIG_RULE_U11].verdict);
	EXPECT_EQ(MC_UNOBSERVED, res.rule[MIG_RULE_U8].verdict);
	EXPECT_EQ(MC_UNOBSERVED, res.rule[MIG_RULE_P5].verdict);
	mc_events_free(&e);
}

TEST_HARNESS_MAIN
