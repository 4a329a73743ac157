// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-side unit tests of vfio-migcheck: its three trace parsers, malformed
 * lines included, and the rule evaluation over small hand-written traces of
 * correct and misbehaving VMMs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

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

/* The verdicts of @e (freed), as a string of failing rule ids: "P-1 U-11". */
static const char *failing_rules(struct mc_events *e)
{
	static char out[128];
	struct mc_result res;
	int r;

	mc_check(e, &res);
	mc_events_free(e);
	out[0] = '\0';
	for (r = 0; r < MIG_RULE_NR; r++)
		if (res.rule[r].verdict == MC_FAIL)
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s",
				 out[0] ? " " : "", mig_rule_id(r));
	return out;
}

/* The verdicts of a trace, as failing_rules() gives them. */
static const char *failing(enum mc_format fmt, const char *const *lines)
{
	struct mc_events e = { 0 };

	if (parse_all(fmt, lines, &e))
		return "PARSE ERROR";
	return failing_rules(&e);
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
	/* QEMU 11's "about to enter PRE_COPY_P2P": no state change. */
	EXPECT_EQ(0, mc_parse_line(MC_FMT_QMP,
				   "{\"event\": \"VFIO_MIGRATION\", \"data\": {\"device-id\": \"vf0\", "
				   "\"device-state\": \"pre-copy-p2p-prepare\"}}",
				   &ev, why));
	EXPECT_EQ(0, mc_parse_line(MC_FMT_QMP, "{\"event\": \"STOP\", \"data\": {}}", &ev, why));
	EXPECT_EQ(-1, mc_parse_line(MC_FMT_QMP, "{\"event\": \"VFIO_MIGRATION\"", &ev, why));
	EXPECT_EQ(-1, mc_parse_line(MC_FMT_QMP,
				    "{\"event\": \"VFIO_MIGRATION\", \"data\": {\"device-state\": \"stop\"}}",
				    &ev, why));
	EXPECT_EQ(-1, mc_parse_line(MC_FMT_QMP,
				    "{\"event\": \"VFIO_MIGRATION\", \"data\": {\"device-id\": \"a\", \"device-state\": \"paused\"}}",
				    &ev, why));
}

/* Members that are JSON null are absent, not a NULL string to read (they crashed). */
TEST(qmp_null_members)
{
	struct mc_event ev;
	char why[128];

	EXPECT_EQ(0, mc_parse_line(MC_FMT_QMP, "{\"event\": null}", &ev, why));
	why[0] = '\0';
	EXPECT_EQ(-1, mc_parse_line(MC_FMT_QMP,
				    "{\"event\": \"VFIO_MIGRATION\", \"data\": {\"device-id\": null, \"device-state\": \"stop\"}}",
				    &ev, why));
	EXPECT_STREQ("VFIO_MIGRATION without data.device-id", why);
	why[0] = '\0';
	EXPECT_EQ(-1, mc_parse_line(MC_FMT_QMP,
				    "{\"event\": \"VFIO_MIGRATION\", \"data\": {\"device-id\": \"a\", \"device-state\": null}}",
				    &ev, why));
	EXPECT_STREQ("VFIO_MIGRATION without data.device-state", why);
	EXPECT_EQ(-1, mc_parse_line(MC_FMT_QMP, "{\"event\": \"VFIO_MIGRATION\", \"data\": null}",
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

/* Two devices of one VM stopped one at a time: B stops while A runs. */
static const char *const naive_stop[] = {
	"2 1 A arc from=RUNNING to=RUNNING_P2P ret=0",
	"3 1 A arc from=RUNNING_P2P to=STOP ret=0",
	"4 1 B arc from=RUNNING to=RUNNING_P2P ret=0",
	"5 1 B arc from=RUNNING_P2P to=STOP ret=0",
	NULL
};

TEST(naive_stop_breaks_p1)
{
	EXPECT_STREQ("P-1", failing(MC_FMT_MOCK, naive_stop));
}

/* --json says what the table says: each rule's verdict, counts, first event. */
TEST(json_verdicts_match_the_table)
{
	struct json_object *o, *rules, *p1, *p2, *v;
	struct mc_events e = { 0 };
	struct mc_result res;
	bool expect[MIG_RULE_NR] = { [MIG_RULE_P1] = true };
	char *text = NULL;
	size_t size = 0;
	FILE *f;

	ASSERT_EQ(0, parse_all(MC_FMT_MOCK, naive_stop, &e));
	mc_check(&e, &res);
	mc_events_free(&e);
	f = open_memstream(&text, &size);
	ASSERT_NE(NULL, f);
	ASSERT_EQ(0, mc_print_json(f, &res, expect));
	fclose(f);
	o = json_tokener_parse(text);
	ASSERT_NE(NULL, o) TH_LOG("not JSON: %s", text);
	ASSERT_TRUE(json_object_object_get_ex(o, "rules", &rules));
	ASSERT_EQ(MIG_RULE_NR, json_object_array_length(rules));
	p1 = json_object_array_get_idx(rules, MIG_RULE_P1);
	p2 = json_object_array_get_idx(rules, MIG_RULE_P2);
	ASSERT_TRUE(json_object_object_get_ex(p1, "rule", &v));
	EXPECT_STREQ("P-1", json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(p1, "verdict", &v));
	EXPECT_STREQ("FAIL", json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(p1, "found", &v));
	EXPECT_EQ(res.rule[MIG_RULE_P1].count, json_object_get_int(v));
	ASSERT_TRUE(json_object_object_get_ex(p1, "first", &v));
	EXPECT_STREQ(res.rule[MIG_RULE_P1].first, json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(p1, "expected", &v));
	EXPECT_STREQ("FAIL", json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(p2, "verdict", &v));
	EXPECT_STREQ("PASS", json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(p2, "first", &v));
	EXPECT_EQ(NULL, v);	/* JSON null: the rule did not fail */
	ASSERT_TRUE(json_object_object_get_ex(o, "devices", &v));
	EXPECT_EQ(res.devices, json_object_get_int(v));
	json_object_put(o);
	free(text);
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
	/* A reset ends session 1; session 2 is live when 1's fd is written. */
#define U8_TRACE(s1, s2)						\
		"1 1 A arc from=RUNNING to=RESUMING ret=0",		\
		"2 1 A set to=RESUMING ret=0",				\
		"3 1 A write len=4096 ret=4096" s1,			\
		"4 1 A reset state=RUNNING vm=0",			\
		"5 1 A arc from=RUNNING to=RESUMING ret=0",		\
		"6 1 A set to=RESUMING ret=0",				\
		"7 1 A write len=4096 ret=-19" s2,			\
		NULL
	static const char *const u8[] = { U8_TRACE(" sess=1 live=1", " sess=1 live=2") };
	static const char *const u8_unknown[] = { U8_TRACE("", "") };
	static const char *const u8_bad[] = { "1 1 A write len=1 ret=1 sess=1", NULL };
	/* The walk's first arc fails: the set reports it, in RESUMING still. */
	static const char *const u14[] = {
		"1 1 A arc from=RUNNING to=RESUMING ret=0",
		"2 1 A set to=RESUMING ret=0",
		"3 1 A write len=4096 ret=4096",
		"4 1 A arc from=RESUMING to=STOP ret=-61",
		"5 1 A set to=RUNNING ret=-61",
		NULL
	};

	EXPECT_STREQ("U-9", failing(MC_FMT_MOCK, u9));
	EXPECT_STREQ("U-10", failing(MC_FMT_MOCK, u10));
	EXPECT_STREQ("U-11", failing(MC_FMT_MOCK, u11));
	EXPECT_STREQ("U-14", failing(MC_FMT_MOCK, u14));
	EXPECT_STREQ("U-8", failing(MC_FMT_MOCK, u8));
	EXPECT_STREQ("", failing(MC_FMT_MOCK, u8_unknown));	/* older logs: n/a */
	EXPECT_STREQ("PARSE ERROR", failing(MC_FMT_MOCK, u8_bad));
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

/*
 * X-1 from a mock log: A (VM 41) saves, B (VM 42) commits A's stream and
 * runs, then A runs again: the same state runs twice.  Not when B was
 * reset first, nor when the stream B loaded is another session of A's, nor
 * within one VM.
 */
TEST(source_running_again_after_the_destination_breaks_x1)
{
#define X1_LOG(vm_b, reset_b, ns)						\
	"1 1 A reset state=RUNNING vm=41",					\
	"2 1 B reset state=RUNNING vm=" vm_b,					\
	"3 1 A arc from=RUNNING to=RUNNING_P2P ret=0",				\
	"4 1 A arc from=RUNNING_P2P to=STOP ret=0",				\
	"5 1 A stream save_ns=5000",						\
	"6 1 A arc from=STOP to=STOP_COPY ret=0",				\
	"7 1 A set to=STOP_COPY ret=0",						\
	"8 1 A read len=4096 ret=0",						\
	"9 1 A arc from=STOP_COPY to=STOP ret=0",				\
	"10 1 A set to=STOP ret=0",						\
	"11 1 B arc from=RUNNING to=RUNNING_P2P ret=0",				\
	"12 1 B arc from=RUNNING_P2P to=STOP ret=0",				\
	"13 1 B arc from=STOP to=RESUMING ret=0",				\
	"14 1 B set to=RESUMING ret=0",						\
	"15 1 B arc from=RESUMING to=STOP ret=0",				\
	"16 1 B loaded source=A save_ns=" ns,					\
	"17 1 B set to=STOP ret=0",						\
	"18 1 B arc from=STOP to=RUNNING_P2P ret=0",				\
	"19 1 B arc from=RUNNING_P2P to=RUNNING ret=0",				\
	"20 1 B set to=RUNNING ret=0",						\
	reset_b,								\
	"22 1 A arc from=STOP to=RUNNING_P2P ret=0",				\
	"23 1 A arc from=RUNNING_P2P to=RUNNING ret=0",				\
	"24 1 A set to=RUNNING ret=0",						\
	NULL
	static const char *const split[] = { X1_LOG("42", "", "5000") };
	static const char *const reset[] = {
		X1_LOG("42", "21 1 B reset state=RUNNING vm=42", "5000")
	};
	static const char *const other_session[] = { X1_LOG("42", "", "4000") };
	static const char *const one_vm[] = { X1_LOG("41", "", "5000") };
	static const char *const bad[] = { "1 1 B loaded save_ns=5000", NULL };
#undef X1_LOG

	EXPECT_STREQ("X-1", failing(MC_FMT_MOCK, split));
	EXPECT_STREQ("", failing(MC_FMT_MOCK, reset));
	EXPECT_STREQ("", failing(MC_FMT_MOCK, other_session));
	/* In one VM the same steps break P-1 and P-2, not X-1. */
	EXPECT_EQ(NULL, strstr(failing(MC_FMT_MOCK, one_vm), "X-1"));
	EXPECT_STREQ("PARSE ERROR", failing(MC_FMT_MOCK, bad));
}

TEST(dropped_p2p_breaks_p5)
{
	static const char *const t[] = {
		"1 1 A p2p peer=B writes=0 dropped=240", NULL
	};

	EXPECT_STREQ("P-5", failing(MC_FMT_MOCK, t));
}

/*
 * A P2P write into a peer that has no event of its own: the peer is added
 * to the device table while the initiator is being replayed, and the
 * initiator's name must still be read from the table as it is now
 * (mc_check() once read it from the table's old place, freed by the
 * realloc(): found by harness/fuzz/migcheck_mock_fuzz.c).  The heap is
 * arranged so that the table cannot grow in place: free blocks of every
 * small table's size, each followed by a live one.
 */
TEST(p2p_into_a_peer_without_events)
{
	static const char *const t[] = {
		"0 1 A reset state=RUNNING vm=1",
		"1 1 C reset state=RUNNING vm=1",
		"2 1 A p2p peer=B writes=0 dropped=240",
		NULL
	};
	static void *hole[512], *fence[512];
	struct mc_events e = { 0 };
	struct mc_result res;
	size_t i;

	ASSERT_EQ(0, parse_all(MC_FMT_MOCK, t, &e));
	for (i = 0; i < 512; i++) {
		hole[i] = malloc(1024 + 16 * i);
		fence[i] = malloc(16);
	}
	for (i = 0; i < 512; i++)
		free(hole[i]);
	EXPECT_EQ(1, mc_check(&e, &res));
	for (i = 0; i < 512; i++)
		free(fence[i]);
	EXPECT_EQ(3, res.devices);
	EXPECT_EQ(MC_FAIL, res.rule[MIG_RULE_P5].verdict);
	EXPECT_NE(NULL, strstr(res.rule[MIG_RULE_P5].first, ": P2P from A into B (RUNNING): "))
		TH_LOG("%s", res.rule[MIG_RULE_P5].first);
	mc_events_free(&e);
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
	/* One device: the multi-device rules had nothing to compare. */
	EXPECT_EQ(MC_UNOBSERVED, res.rule[MIG_RULE_P1].verdict);
	EXPECT_EQ(MC_PASS, res.rule[MIG_RULE_S2].verdict);
	EXPECT_EQ(MC_UNOBSERVED, res.rule[MIG_RULE_U11].verdict);
	EXPECT_EQ(MC_UNOBSERVED, res.rule[MIG_RULE_U8].verdict);
	EXPECT_EQ(MC_UNOBSERVED, res.rule[MIG_RULE_P5].verdict);
	mc_events_free(&e);
}

/*
 * Harness reports, written with ' for " to stay readable.  SET events are
 * "S(seq, dev, from, to, after)", with errno 0.
 */
#define EV(seq, dev, rest) "{'seq':" #seq ",'t_ns':" #seq ",'dev':'" dev "'," rest "}"
#define S(seq, dev, from, to, after) \
	EV(seq, dev, "'event':'set','from':'" from "','to':'" to "','after':'" after "','errno':0")
#define RD(seq, dev, ret) EV(seq, dev, "'event':'read','calls':1,'len':4096,'ret':" #ret)
#define WR(seq, dev, ret) EV(seq, dev, "'event':'write','calls':1,'len':4096,'ret':" #ret)
#define PI(seq, dev, ret) EV(seq, dev, "'event':'precopy_info','ret':" #ret)
#define RST(seq, dev) EV(seq, dev, "'event':'reset','after':'RUNNING','errno':0")
#define SIDE(role, devs, events) \
	"{'role':'" role "','devices':[" devs "],'events_complete':true,'events':[" events "]}"
#define DEV(bdf) "{'bdf':'" bdf "'}"
#define REPORT(src, dst) "{'result':'ok','source':" src ",'destination':" dst "}"

static char hwhy[MC_WHY_LEN];

/* Parses the harness report @q (' for "): 0 or -1 with hwhy. */
static int hparse(const char *q, struct mc_events *e)
{
	char *t = strdup(q), *p;
	int r;

	for (p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	hwhy[0] = '\0';
	r = mc_parse_harness("r.json", t, e, hwhy);
	free(t);
	return r;
}

static const char *hfailing(const char *q)
{
	struct mc_events e = { 0 };

	if (hparse(q, &e)) {
		mc_events_free(&e);
		return "PARSE ERROR";
	}
	return failing_rules(&e);
}

/* A correct two-device P2P migration with pre-copy, both sides. */
#define GOOD_SRC SIDE("source", DEV("A") "," DEV("B"), \
	S(1, "A", "RUNNING", "PRE_COPY", "PRE_COPY") "," \
	S(2, "B", "RUNNING", "PRE_COPY", "PRE_COPY") "," \
	PI(3, "A", 0) "," RD(4, "A", 4096) "," PI(5, "A", 0) "," \
	PI(6, "B", 0) "," RD(7, "B", -61) "," PI(8, "B", 0) "," \
	S(9, "A", "PRE_COPY", "PRE_COPY_P2P", "PRE_COPY_P2P") "," \
	S(10, "B", "PRE_COPY", "PRE_COPY_P2P", "PRE_COPY_P2P") "," \
	S(11, "A", "PRE_COPY_P2P", "STOP_COPY", "STOP_COPY") "," \
	S(12, "B", "PRE_COPY_P2P", "STOP_COPY", "STOP_COPY") "," \
	RD(13, "A", 4096) "," RD(14, "A", 0) "," RD(15, "B", 0) "," \
	S(16, "A", "STOP_COPY", "STOP", "STOP") "," \
	S(17, "B", "STOP_COPY", "STOP", "STOP"))
#define GOOD_DST SIDE("destination", DEV("C") "," DEV("D"), \
	S(1, "C", "RUNNING", "RUNNING_P2P", "RUNNING_P2P") "," \
	S(2, "D", "RUNNING", "RUNNING_P2P", "RUNNING_P2P") "," \
	S(3, "C", "RUNNING_P2P", "RESUMING", "RESUMING") "," \
	WR(4, "C", 4096) "," \
	S(5, "D", "RUNNING_P2P", "RESUMING", "RESUMING") "," \
	WR(6, "D", 4096) "," \
	S(7, "C", "RESUMING", "STOP", "STOP") "," \
	S(8, "D", "RESUMING", "STOP", "STOP") "," \
	S(9, "C", "STOP", "RUNNING_P2P", "RUNNING_P2P") "," \
	S(10, "D", "STOP", "RUNNING_P2P", "RUNNING_P2P") "," \
	S(11, "C", "RUNNING_P2P", "RUNNING", "RUNNING") "," \
	S(12, "D", "RUNNING_P2P", "RUNNING", "RUNNING"))

TEST(harness_correct_migration_breaks_nothing)
{
	struct mc_events e = { 0 };
	struct mc_result res;

	EXPECT_STREQ("", hfailing(REPORT(GOOD_SRC, GOOD_DST)));
	ASSERT_EQ(0, hparse(REPORT(GOOD_SRC, GOOD_DST), &e));
	EXPECT_EQ(0, mc_check(&e, &res));
	EXPECT_EQ(4, res.devices);
	/* What the harness's events show, and what they cannot. */
	EXPECT_EQ(MC_PASS, res.rule[MIG_RULE_P1].verdict);
	EXPECT_EQ(MC_PASS, res.rule[MIG_RULE_U9].verdict);
	EXPECT_EQ(MC_PASS, res.rule[MIG_RULE_U10].verdict);
	EXPECT_EQ(MC_PASS, res.rule[MIG_RULE_U11].verdict);
	EXPECT_EQ(MC_PASS, res.rule[MIG_RULE_U2].verdict);
	EXPECT_EQ(MC_UNOBSERVED, res.rule[MIG_RULE_P5].verdict);
	EXPECT_EQ(MC_UNOBSERVED, res.rule[MIG_RULE_U8].verdict);
	EXPECT_EQ(MC_PASS, res.rule[MIG_RULE_U14].verdict);
	mc_events_free(&e);
	/* One side's report alone, and a save to a file (no destination). */
	EXPECT_STREQ("", hfailing(GOOD_DST));
	EXPECT_STREQ("", hfailing("{'source':" GOOD_SRC ",'destination':null}"));
}

TEST(harness_misbehaviours)
{
	/* naive-stop: B stops while A still runs. */
	EXPECT_STREQ("P-1", hfailing(SIDE("source", DEV("A") "," DEV("B"),
		S(1, "A", "RUNNING", "STOP_COPY", "STOP_COPY") "," RD(2, "A", 0) ","
		S(3, "B", "RUNNING", "STOP_COPY", "STOP_COPY") "," RD(4, "B", 0))));
	/* naive-start: C runs while D is still stopped. */
	EXPECT_STREQ("P-2", hfailing(SIDE("destination", DEV("C") "," DEV("D"),
		S(1, "C", "RUNNING", "RESUMING", "RESUMING") ","
		S(2, "D", "RUNNING", "RESUMING", "RESUMING") ","
		S(3, "C", "RESUMING", "STOP", "STOP") "," S(4, "D", "RESUMING", "STOP", "STOP") ","
		S(5, "C", "STOP", "RUNNING", "RUNNING") "," S(6, "D", "STOP", "RUNNING", "RUNNING"))));
	/* early-stop-copy-exit */
	EXPECT_STREQ("U-11", hfailing(SIDE("source", DEV("A"),
		S(1, "A", "RUNNING", "STOP_COPY", "STOP_COPY") "," RD(2, "A", 4096) ","
		S(3, "A", "STOP_COPY", "STOP", "STOP"))));
	/* restart-precopy-through-stop */
	EXPECT_STREQ("S-2", hfailing(SIDE("source", DEV("A"),
		S(1, "A", "RUNNING", "PRE_COPY", "PRE_COPY") "," RD(2, "A", 4096) ","
		S(3, "A", "PRE_COPY", "STOP", "STOP") "," S(4, "A", "STOP", "STOP_COPY", "STOP_COPY") ","
		RD(5, "A", 0))));
	/* precopy-info-in-stop-copy */
	EXPECT_STREQ("U-10", hfailing(SIDE("source", DEV("A"),
		S(1, "A", "RUNNING", "STOP_COPY", "STOP_COPY") "," PI(2, "A", -22) ","
		RD(3, "A", 0))));
	/* write-before-resuming: a reset, then the old fd written while RUNNING. */
	EXPECT_STREQ("U-9", hfailing(SIDE("destination", DEV("C") "," DEV("D"),
		S(1, "C", "RUNNING", "RESUMING", "RESUMING") ","
		S(2, "D", "RUNNING", "RESUMING", "RESUMING") ","
		RST(3, "C") "," WR(4, "C", -22) ","
		S(5, "C", "RUNNING", "RESUMING", "RESUMING") "," WR(6, "C", 4096))));
	/* stale-data-fd: session 1's fd written while session 2 is live. */
#define RESUME_SESSION(seq, n) EV(seq, "C", "'event':'set','from':'RUNNING','to':'RESUMING'," \
				  "'after':'RESUMING','errno':0,'new_session':" #n)
#define WR_SESSION(seq, ret, n) EV(seq, "C", "'event':'write','calls':1,'len':4096,'ret':" \
				   #ret ",'session':" #n)
	EXPECT_STREQ("U-8", hfailing(SIDE("destination", DEV("C"),
		RESUME_SESSION(1, 1) "," RST(2, "C") "," RESUME_SESSION(3, 2) ","
		WR_SESSION(4, -19, 1) "," WR_SESSION(5, 4096, 2))));
	EXPECT_STREQ("", hfailing(SIDE("destination", DEV("C"),
		RESUME_SESSION(1, 1) "," RST(2, "C") "," RESUME_SESSION(3, 2) ","
		WR_SESSION(4, 4096, 2))));
	EXPECT_STREQ("PARSE ERROR", hfailing(SIDE("destination", DEV("C"),
		RESUME_SESSION(1, 1) "," WR_SESSION(2, 4096, 0))));
	/* leave-resuming-early: RESUMING -> STOP refused, the stream incomplete. */
	EXPECT_STREQ("U-14", hfailing(SIDE("destination", DEV("C"),
		S(1, "C", "RUNNING", "RESUMING", "RESUMING") "," WR(2, "C", 4096) ","
		EV(3, "C", "'event':'set','from':'RESUMING','to':'STOP','after':'RUNNING',"
			   "'errno':61,'recovery':'reset'"))));
	/* Another errno out of RESUMING is not the mock's "incomplete". */
	EXPECT_STREQ("", hfailing(SIDE("destination", DEV("C"),
		S(1, "C", "RUNNING", "RESUMING", "RESUMING") "," WR(2, "C", 4096) ","
		EV(3, "C", "'event':'set','from':'RESUMING','to':'STOP','after':'RESUMING',"
			   "'errno':5,'recovery':'none'"))));
	/* A SET of ERROR: U-2, though the device refused it and stayed. */
	EXPECT_STREQ("U-2", hfailing(SIDE("source", DEV("A"),
		EV(1, "A", "'event':'set','from':'RUNNING','to':'ERROR','after':'RUNNING',"
			   "'errno':22,'recovery':'none'"))));
}

TEST(harness_where)
{
	static const char q[] = "{\"role\":\"source\",\"devices\":[{\"bdf\":\"A\"}],"
				"\"events\":[{\"seq\":4,\"dev\":\"A\",\"event\":\"reset\",\"errno\":0}]}";
	struct mc_events e = { 0 };

	ASSERT_EQ(0, mc_parse_harness("/a/long/directory/of/results/runs/migcheck/naive-stop.json",
				      q, &e, hwhy));
	ASSERT_EQ(2, e.n);
	EXPECT_STREQ("...results/runs/migcheck/naive-stop.json:source.devices[0]", e.ev[0].where);
	EXPECT_STREQ("...results/runs/migcheck/naive-stop.json:source.events[0]", e.ev[1].where);
	EXPECT_EQ(MC_RESET, e.ev[1].kind);
	EXPECT_EQ(1, e.ev[1].vm);
	mc_events_free(&e);
}

TEST(harness_recovery_by_reset_is_not_an_arc)
{
	/* C fails validation and is reset while D is still RESUMING: no P-2. */
	EXPECT_STREQ("", hfailing(SIDE("destination", DEV("C") "," DEV("D"),
		S(1, "C", "RUNNING", "RESUMING", "RESUMING") ","
		S(2, "D", "RUNNING", "RESUMING", "RESUMING") ","
		EV(3, "C", "'event':'set','from':'RESUMING','to':'STOP','after':'RUNNING',"
			   "'errno':5,'recovery':'reset'") ","
		RST(4, "D"))));
}

TEST(harness_sniffing)
{
	EXPECT_TRUE(mc_looks_harness("{\"source\": {}}"));
	EXPECT_TRUE(mc_looks_harness("  {\"role\": \"source\", \"devices\": []}"));
	EXPECT_FALSE(mc_looks_harness("{\"QMP\": {\"version\": {}}}"));
	EXPECT_FALSE(mc_looks_harness("{\"event\": \"VFIO_MIGRATION\"}\n{\"event\": \"X\"}"));
	EXPECT_FALSE(mc_looks_harness("1 2 0000:01:00.0 reset vm=3"));
	EXPECT_EQ(MC_FMT_HARNESS, mc_format_parse("harness"));
}

/* Every malformed report is refused, naming what is wrong and where. */
TEST(harness_malformed)
{
	static const struct {
		const char *json, *why;
	} bad[] = {
		{ "{'source': ", "not one JSON document: it ends early at byte 11" },
		{ "{'role':'source'} x", "not one JSON document: trailing data at byte 18" },
		{ "[1, 2]", "top level: expected an object, got array" },
		{ "1 2 0000:01:00.0 reset vm=1", "top level: expected an object, got int" },
		{ "{'result':'ok'}",
		  "top level: neither a migration report (\"source\") nor a side's (\"role\")" },
		{ "{'source': 7}", "source: expected an object, got int" },
		{ "{'source': {'events': []}}", "source.devices: missing" },
		{ "{'source': {'devices': {}}}", "source.devices: expected array, got object" },
		{ "{'source': {'devices': [7]}}", "source.devices[0]: expected an object, got int" },
		{ "{'source': {'devices': [{'bdf': 1}]}}",
		  "source.devices[0].bdf: expected string, got int" },
		{ "{'source': {'devices': []}}",
		  "source: no \"events\" (a report of a harness without the event list)" },
		{ "{'source': {'devices': [], 'events': 3}}", "source.events: expected array, got int" },
		{ "{'source': {'devices': [], 'events_complete': false, 'events': []}}",
		  "source: events_complete is false: the harness could not record every event" },
		{ SIDE("source", DEV("A"), "'x'"), "source.events[0]: expected an object, got string" },
		{ SIDE("source", DEV("A"), "{'dev':'A'}"), "source.events[0].seq: missing" },
		{ SIDE("source", DEV("A"), "{'seq':'1'}"),
		  "source.events[0].seq: expected int, got string" },
		{ SIDE("source", DEV("A"), RD(2, "A", 0) "," RD(1, "A", 0)),
		  "source.events[1]: seq 1 after 2: not in order" },
		{ SIDE("source", DEV("A"), RD(1, "Z", 0)),
		  "source.events[0]: dev \"Z\" is not one of the source's devices" },
		{ SIDE("source", DEV("A"), EV(1, "A", "'event':'fly'")),
		  "source.events[0]: unknown event \"fly\"" },
		{ SIDE("source", DEV("A"), EV(1, "A", "'event':7")),
		  "source.events[0].event: expected string, got int" },
		{ SIDE("source", DEV("A"), S(1, "A", "RUNNING", "FLYING", "RUNNING")),
		  "source.events[0].to: \"FLYING\" is not a migration state" },
		{ SIDE("source", DEV("A"), S(1, "A", "RUNNING", "UNKNOWN", "RUNNING")),
		  "source.events[0].to: \"UNKNOWN\" is not a migration state" },
		{ SIDE("source", DEV("A"),
		       EV(1, "A", "'event':'set','from':'RUNNING','to':'STOP','errno':0")),
		  "source.events[0].after: missing" },
		{ SIDE("source", DEV("A"),
		       EV(1, "A", "'event':'set','from':'RUNNING','to':'STOP','after':'STOP'")),
		  "source.events[0].errno: missing" },
		{ SIDE("source", DEV("A"), EV(1, "A", "'event':'read','len':-1,'ret':0")),
		  "source.events[0]: len -1 is negative" },
		{ SIDE("source", DEV("A"), EV(1, "A", "'event':'read','len':1,'ret':0.5")),
		  "source.events[0].ret: expected int, got double" },
		{ SIDE("source", DEV("A"), EV(1, "A", "'event':'precopy_info'")),
		  "source.events[0].ret: missing" },
		{ SIDE("source", DEV("A"), EV(1, "A", "'event':'reset','errno':null")),
		  "source.events[0].errno: expected int, got null" },
	};
	struct mc_events e = { 0 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-1, hparse(bad[i].json, &e)) {
			TH_LOG("accepted: %s", bad[i].json);
		}
		EXPECT_STREQ(bad[i].why, hwhy) {
			TH_LOG("for: %s", bad[i].json);
		}
		mc_events_free(&e);
	}
}

/*
 * Files that hold no trace are refused (-1 and one message naming the file
 * and what was expected), never read as "no violation": a wrong file, an
 * empty one, a QEMU trace without the set-state events.
 */
TEST(not_a_trace_is_refused)
{
	static const struct {
		enum mc_format fmt;
		const char *content, *why;
	} bad[] = {
		{ MC_FMT_AUTO, "", "not a trace: expected a mock-vfio-pci event, a QEMU" },
		{ MC_FMT_AUTO, "root:x:0:0:root:/root:/bin/bash\n", "not a trace: expected a mock" },
		{ MC_FMT_AUTO, "\x7f" "ELF\x02\x01\x01", "not a trace: expected a mock" },
		{ MC_FMT_AUTO, "\x01\x02", "not a trace" },
		{ MC_FMT_AUTO, "{\"QMP\": {}}\n{\"return\": {}}\n{\"event\": \"STOP\"}\n",
		  "expected a VFIO_MIGRATION event" },
		{ MC_FMT_AUTO, "1@1.5:vfio_load_state (0000:05:00.0) data 0x1\n",
		  "expected a vfio_migration_set_state or vfio_migration_set_device_state event" },
		{ MC_FMT_QEMU, "{\"event\": \"VFIO_MIGRATION\", \"data\": {}}\n",
		  "expected a vfio_migration_set_state" },
	};
	char path[] = "/tmp/migcheck-test-XXXXXX", msg[512];
	struct mc_events e = { 0 };
	FILE *err = tmpfile();
	int fd, saved = dup(2);
	size_t i, n;

	ASSERT_NE(NULL, err);
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(0, ftruncate(fd, 0));
		ASSERT_EQ((ssize_t)strlen(bad[i].content),
			  pwrite(fd, bad[i].content, strlen(bad[i].content), 0));
		rewind(err);
		ASSERT_EQ(0, ftruncate(fileno(err), 0));
		dup2(fileno(err), 2);
		EXPECT_EQ(-1, mc_read_file(path, bad[i].fmt, false, &e)) {
			TH_LOG("accepted: %s", bad[i].content);
		}
		dup2(saved, 2);
		EXPECT_EQ(0, e.n);
		n = pread(fileno(err), msg, sizeof(msg) - 1, 0);
		msg[n > 0 ? n : 0] = '\0';
		EXPECT_NE(NULL, strstr(msg, path));
		EXPECT_NE(NULL, strstr(msg, bad[i].why)) {
			TH_LOG("for %s: %s", bad[i].content, msg);
		}
		mc_events_free(&e);
	}
	/* A directory, and one event that is enough. */
	dup2(fileno(err), 2);
	EXPECT_EQ(-1, mc_read_file("/", MC_FMT_AUTO, false, &e));
	dup2(saved, 2);
	ASSERT_EQ(0, ftruncate(fd, 0));
	n = strlen("1@1.5:vfio_migration_set_state (d) new state STOP, recover state ERROR\n");
	ASSERT_EQ((ssize_t)n, pwrite(fd, "1@1.5:vfio_migration_set_state (d) new state STOP, "
				 "recover state ERROR\n", n, 0));
	EXPECT_EQ(0, mc_read_file(path, MC_FMT_AUTO, false, &e));
	EXPECT_EQ(1, e.n);
	mc_events_free(&e);
	/* Nothing at all, allowed when asked for. */
	ASSERT_EQ(0, ftruncate(fd, 0));
	EXPECT_EQ(0, mc_read_file(path, MC_FMT_AUTO, true, &e));
	EXPECT_EQ(0, e.n);
	mc_events_free(&e);
	close(fd);
	unlink(path);
	close(saved);
	fclose(err);
}

/* Writes @text to a new temporary file whose name ends in @name; returns it. */
static char *temp_trace(const char *name, const char *text)
{
	static char paths[4][64];
	static int next;
	char *path = paths[next++ % 4];
	int fd;

	snprintf(path, sizeof(paths[0]), "/tmp/migcheck-XXXXXX-%s", name);
	fd = mkstemps(path, strlen(name) + 1);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return NULL;
	close(fd);
	return path;
}

/*
 * A mock log whose ring dropped its start (first SEQ not 0): devices whose
 * open was dropped have an unknown state until their first arc and no VM,
 * so nothing is made up from the missing part (here a write before the
 * device's first arc, and two devices that may be in different VMs).
 */
TEST(truncated_mock_log_invents_nothing)
{
	static const char log[] =
		"1294 1 B write len=32768 ret=32768 sess=61 live=61\n"
		"1295 1 A arc from=PRE_COPY_P2P to=STOP_COPY ret=0\n"
		"1296 1 B arc from=RUNNING_P2P to=RUNNING ret=0\n"
		"1297 1 A read len=4096 ret=0\n"
		"1298 1 A arc from=STOP_COPY to=STOP ret=0\n";
	char *path = temp_trace("truncated.events", log);
	struct mc_events e = { 0 };
	struct mc_result res;

	ASSERT_NE(NULL, path);
	ASSERT_EQ(0, mc_read_file(path, MC_FMT_AUTO, false, &e));
	EXPECT_TRUE(e.file[0].truncated);
	mc_check(&e, &res);
	EXPECT_EQ(MC_PASS, res.rule[MIG_RULE_U9].verdict);
	EXPECT_EQ(MC_UNOBSERVED, res.rule[MIG_RULE_P1].verdict);
	EXPECT_EQ(MC_UNOBSERVED, res.rule[MIG_RULE_P2].verdict);
	mc_events_free(&e);
	unlink(path);
}

/*
 * A correct migration's source and destination QEMU traces, given together:
 * both QEMUs call their devices A and B, yet they are four devices in two
 * VMs, and nothing is violated.  With --one-vm they are one VM's two.
 */
TEST(two_qemu_traces_are_two_vms)
{
	static const char src[] =
		"vfio_migration_set_device_state  (A) state PRE_COPY\n"
		"vfio_migration_set_device_state  (B) state PRE_COPY\n"
		"vfio_migration_set_device_state  (A) state PRE_COPY_P2P\n"
		"vfio_migration_set_device_state  (B) state PRE_COPY_P2P\n"
		"vfio_migration_set_device_state  (A) state STOP_COPY\n"
		"vfio_migration_set_device_state  (B) state STOP_COPY\n"
		"vfio_migration_set_device_state  (A) state STOP\n"
		"vfio_migration_set_device_state  (B) state STOP\n";
	static const char dst[] =
		"vfio_migration_set_device_state  (A) state RESUMING\n"
		"vfio_migration_set_device_state  (B) state RESUMING\n"
		"vfio_migration_set_device_state  (A) state RUNNING_P2P\n"
		"vfio_migration_set_device_state  (B) state RUNNING_P2P\n"
		"vfio_migration_set_device_state  (A) state RUNNING\n"
		"vfio_migration_set_device_state  (B) state RUNNING\n";
	char *s = temp_trace("src.trace", src), *d = temp_trace("dst.trace", dst);
	struct mc_events e = { 0 };
	struct mc_result res;

	ASSERT_NE(NULL, s);
	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, mc_read_file(s, MC_FMT_AUTO, false, &e));
	ASSERT_EQ(0, mc_read_file(d, MC_FMT_AUTO, false, &e));
	mc_check(&e, &res);
	EXPECT_EQ(4, res.devices);
	EXPECT_STREQ("", failing_rules(&e));

	e.one_vm = true;
	ASSERT_EQ(0, mc_read_file(s, MC_FMT_AUTO, false, &e));
	ASSERT_EQ(0, mc_read_file(d, MC_FMT_AUTO, false, &e));
	mc_check(&e, &res);
	EXPECT_EQ(2, res.devices);
	mc_events_free(&e);
	unlink(s);
	unlink(d);
}

/* Reads @paths (NULL-terminated) as vfio-migcheck does; the merge's note in @note. */
static int read_merged(const char *const *paths, struct mc_events *e, char *note, size_t size)
{
	FILE *f = fmemopen(note, size, "w");
	int merged;

	for (; *paths; paths++)
		if (mc_read_file(*paths, MC_FMT_AUTO, false, e))
			return -1;
	merged = mc_merge_same_qemu(e, f);
	fclose(f);
	return merged;
}

/* The sum of every rule's violation count in @res. */
static unsigned int violations(const struct mc_result *res)
{
	unsigned int r, n = 0;

	for (r = 0; r < MIG_RULE_NR; r++)
		n += res->rule[r].count;
	return n;
}

/*
 * --migration: the source's and the destination's QEMU traces of one
 * migration.  A late cancel: the source's devices run again after
 * STOP_COPY and the destination's, loaded, run: X-1, also when both QEMUs
 * quit afterwards (their devices end stopped).  A completed
 * migration (the source stays stopped) and a cancel that wins (the
 * destination never runs) break nothing.  Without --migration, X-1 is n/a.
 */
TEST(paired_qemu_traces_break_x1_when_both_run)
{
	static const char src_split[] =
		"vfio_migration_set_device_state  (A) state RUNNING_P2P\n"
		"vfio_migration_set_device_state  (A) state STOP_COPY\n"
		"vfio_migration_set_device_state  (A) state RUNNING_P2P\n"
		"vfio_migration_set_device_state  (A) state RUNNING\n";
	static const char src_done[] =
		"vfio_migration_set_device_state  (A) state RUNNING_P2P\n"
		"vfio_migration_set_device_state  (A) state STOP_COPY\n"
		"vfio_migration_set_device_state  (A) state STOP\n";
	static const char dst_runs[] =
		"vfio_migration_set_device_state  (B) state RESUMING\n"
		"vfio_migration_set_device_state  (B) state RUNNING_P2P\n"
		"vfio_migration_set_device_state  (B) state RUNNING\n";
	static const char dst_never[] =
		"vfio_migration_set_device_state  (B) state RESUMING\n";
	/* The start fails, QEMU resets the device: RUNNING, its state lost. */
	static const char dst_reset[] =
		"vfio_migration_set_state  (B) new state RESUMING, recover state ERROR\n"
		"vfio_migration_set_device_state  (B) state RESUMING\n"
		"vfio_migration_set_state  (B) new state RUNNING_P2P, recover state ERROR\n"
		"vfio_migration_set_device_state  (B) state RUNNING\n";
	/* Both QEMUs quit afterwards: their devices end stopped. */
	static const char src_split_quit[] =
		"vfio_migration_set_device_state  (A) state STOP_COPY\n"
		"vfio_migration_set_device_state  (A) state RUNNING\n"
		"vfio_migration_set_device_state  (A) state STOP\n";
	static const char dst_runs_quit[] =
		"vfio_migration_set_device_state  (B) state RESUMING\n"
		"vfio_migration_set_device_state  (B) state RUNNING\n"
		"vfio_migration_set_device_state  (B) state STOP\n";
	static const struct {
		const char *src, *dst, *failing;
	} c[] = {
		{ src_split, dst_runs, "X-1" },
		{ src_split_quit, dst_runs_quit, "X-1" },
		{ src_done, dst_runs, "" },
		{ src_split, dst_never, "" },
		{ src_split, dst_reset, "" },
	};
	struct mc_events e = { 0 };
	struct mc_result res;
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *src = strdup(temp_trace("src.trace", c[i].src) ?: "");
		char *dst = strdup(temp_trace("dst.trace", c[i].dst) ?: "");

		ASSERT_EQ(0, mc_read_file(src, MC_FMT_AUTO, false, &e));
		ASSERT_EQ(0, mc_read_file(dst, MC_FMT_AUTO, false, &e));
		ASSERT_EQ(0, mc_pair_vms(&e));
		EXPECT_STREQ(c[i].failing, failing_rules(&e)) TH_LOG("case %u", i);

		ASSERT_EQ(0, mc_read_file(src, MC_FMT_AUTO, false, &e));
		ASSERT_EQ(0, mc_read_file(dst, MC_FMT_AUTO, false, &e));
		mc_check(&e, &res);
		EXPECT_EQ(MC_UNOBSERVED, res.rule[MIG_RULE_X1].verdict);
		mc_events_free(&e);

		/* One file is not a migration. */
		ASSERT_EQ(0, mc_read_file(src, MC_FMT_AUTO, false, &e));
		EXPECT_EQ(-1, mc_pair_vms(&e));
		mc_events_free(&e);
		unlink(src);
		unlink(dst);
		free(src);
		free(dst);
	}
}

/*
 * One QEMU given as its trace and its QMP log (connected after the VM
 * started: the first two state changes are missing there).  Device A stops
 * while B still runs: the violation is counted once, the QMP log's events
 * being the trace's, and the note says which devices are which.  The
 * destination's QMP log, a QMP log a minute off and one that misses a
 * mapped device's state change are other QEMUs: checked on their own.
 */
TEST(qmp_log_of_a_traced_qemu_is_checked_once)
{
	static const char trace[] =
		"7@100.000001:vfio_migration_set_device_state  (A) state RUNNING_P2P\n"
		"7@100.000002:vfio_migration_set_device_state  (A) state RUNNING\n"
		"7@101.000001:vfio_migration_set_state  (A) new state PRE_COPY, recover state ERROR\n"
		"7@101.000002:vfio_migration_set_device_state  (A) state PRE_COPY\n"
		"7@101.000003:vfio_migration_set_device_state  (B) state PRE_COPY\n"
		"7@102.000001:vfio_migration_set_device_state  (A) state STOP_COPY\n"
		"7@102.000002:vfio_migration_set_device_state  (B) state PRE_COPY_P2P\n"
		"7@102.000003:vfio_migration_set_device_state  (B) state STOP_COPY\n"
		"7@102.000004:vfio_migration_set_device_state  (A) state STOP\n"
		"7@102.000005:vfio_migration_set_device_state  (B) state STOP\n";
#define QMP(sec, usec, state, id) "{\"timestamp\": {\"seconds\": " #sec ", \"microseconds\": " \
	#usec "}, \"event\": \"VFIO_MIGRATION\", \"data\": {\"device-state\": \"" state \
	"\", \"device-id\": \"" id "\"}}\n"
	static const char qmp[] =
		"{\"QMP\": {\"version\": {}}}\n"
		QMP(101, 2, "pre-copy", "vf0") QMP(101, 3, "pre-copy", "vf1")
		QMP(102, 1, "stop-copy", "vf0") QMP(102, 2, "pre-copy-p2p", "vf1")
		QMP(102, 3, "stop-copy", "vf1") QMP(102, 4, "stop", "vf0")
		QMP(102, 5, "stop", "vf1");
	static const char later[] =
		QMP(160, 2, "pre-copy", "vf0") QMP(160, 3, "pre-copy", "vf1");
	static const char dst[] =
		QMP(101, 2, "resuming", "vf0") QMP(101, 3, "resuming", "vf1");
	static const char gap[] = QMP(101, 2, "pre-copy", "vf0") QMP(102, 4, "stop", "vf0");
	static const char *const others[] = { later, dst, gap };
	static const unsigned int devices[] = { 4, 4, 3 };
	/* Only vf0 has migration-events=on. */
	static const char one[] =
		QMP(101, 2, "pre-copy", "vf0") QMP(102, 1, "stop-copy", "vf0")
		QMP(102, 4, "stop", "vf0");
#undef QMP
	/* Copies: temp_trace() reuses its names. */
	char *t = strdup(temp_trace("qemu.trace", trace) ?: "");
	char *q = strdup(temp_trace("qemu.qmp", qmp) ?: "");
	struct mc_events e = { 0 };
	struct mc_result alone, both;
	char note[1024];
	unsigned int i;

	ASSERT_STRNE("", t);
	ASSERT_STRNE("", q);
	ASSERT_EQ(0, read_merged((const char *[]){ t, NULL }, &e, note, sizeof(note)));
	mc_check(&e, &alone);
	mc_events_free(&e);
	EXPECT_EQ(1, violations(&alone));

	ASSERT_EQ(1, read_merged((const char *[]){ t, q, NULL }, &e, note, sizeof(note)));
	mc_check(&e, &both);
	mc_events_free(&e);
	EXPECT_EQ(2, both.devices);
	EXPECT_EQ(1, violations(&both));
	EXPECT_NE(NULL, strstr(note, "vf0=A, vf1=B): checked once, from the trace"));
	EXPECT_NE(NULL, strstr(note, "qemu.trace:4 on"));

	q = strcpy(q, temp_trace("qemu.qmp", one) ?: "");
	ASSERT_EQ(1, read_merged((const char *[]){ t, q, NULL }, &e, note, sizeof(note)));
	mc_check(&e, &both);
	mc_events_free(&e);
	EXPECT_EQ(2, both.devices);
	EXPECT_NE(NULL, strstr(note, "(vf0=A): checked once"));
	unlink(q);

	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		const char *o = temp_trace("other.qmp", others[i]);

		ASSERT_NE(NULL, o);
		EXPECT_EQ(0, read_merged((const char *[]){ t, o, NULL }, &e, note, sizeof(note)));
		mc_check(&e, &both);
		mc_events_free(&e);
		EXPECT_EQ(devices[i], both.devices);
		unlink(o);
	}
	unlink(t);
	unlink(q);
	free(t);
	free(q);
}

TEST_HARNESS_MAIN
