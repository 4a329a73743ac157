// SPDX-License-Identifier: GPL-2.0-only
/*
 * P2P between mock devices through a migration ordered the way the uAPI's
 * P2P states intend (two-phase stop and start): no P2P write is lost, the
 * monitor sees no violation, and every destination ends with its source's
 * state, P2P data received included.  Needs four mock devices:
 * "mock_p2p_test BDF..." (all get migration_flags 7 while it runs).
 *
 *   two_devices:  A <-> B exchange P2P while pre-copy runs; migrate to C, D.
 *   four_devices: a ring of four exchanging P2P is saved, reset and restored
 *                 into itself (a checkpoint/restore of a four-device VM).
 *
 * wrong_order_is_detected stops, then starts, the ring one device at a time
 * without the P2P phase: the monitor must see every P-1 and P-2 (one per
 * device still running, or still stopped, in the VM) and P2P lost into
 * stopped devices (P-5), and nothing else.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "mock.h"

#define MAX_DEVS	4

static char bdfs[MAX_DEVS][32];
static int nbdfs;

FIXTURE(p2p) {
	struct vfm_device dev[MAX_DEVS];
	char old_flags[MAX_DEVS][32];
	int fd[MAX_DEVS];
	uint8_t *stream[MAX_DEVS];
	size_t len[MAX_DEVS], cap[MAX_DEVS];
};

FIXTURE_VARIANT(p2p) {
	int sources;		/* devices migrated */
	bool to_others;		/* into the next devices, else into themselves */
};

FIXTURE_VARIANT_ADD(p2p, two_devices) { .sources = 2, .to_others = true };
FIXTURE_VARIANT_ADD(p2p, four_devices) { .sources = 4, .to_others = false };

FIXTURE_SETUP(p2p)
{
	char group[16];
	int i;

	for (i = 0; i < MAX_DEVS; i++)
		self->dev[i].fd = -1;
	if (nbdfs < MAX_DEVS)
		SKIP(return, "needs four devices: mock_p2p_test BDF BDF BDF BDF");
	for (i = 0; i < MAX_DEVS; i++)
		if (!vfm_mock_bound(bdfs[i]))
			SKIP(return, "%s is not bound to mock-vfio-pci", bdfs[i]);
	for (i = 0; i < MAX_DEVS; i++) {
		ASSERT_EQ(0, vfm_mock_sysfs_read(bdfs[i], "migration_flags", self->old_flags[i], 32));
		ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[i], "migration_flags", "7"));
		/* Sources are one VM, destinations another. */
		snprintf(group, sizeof(group), "%d", i < variant->sources ? 31 : 32);
		ASSERT_EQ(0, vfm_mock_sysfs_write(bdfs[i], "group", group));
		ASSERT_EQ(0, vfm_device_open(bdfs[i], &self->dev[i]));
		self->fd[i] = -1;
	}
	vfm_mon_clear();
}

FIXTURE_TEARDOWN(p2p)
{
	int i;

	for (i = 0; i < MAX_DEVS; i++) {
		if (self->fd[i] >= 0)
			close(self->fd[i]);
		if (self->dev[i].fd >= 0)
			vfm_device_close(&self->dev[i]);
		free(self->stream[i]);
		if (i < nbdfs) {
			vfm_mock_sysfs_write(bdfs[i], "migration_flags", self->old_flags[i]);
			vfm_mock_sysfs_write(bdfs[i], "group", "0");
		}
	}
	vfm_mon_clear();
}

/* Set every device in [first, first + n) to @state, in order. */
static void phase(struct __test_metadata *_metadata, FIXTURE_DATA(p2p) *self,
		  int first, int n, uint32_t state, bool keep_fd)
{
	int i;

	for (i = first; i < first + n; i++) {
		int fd = -1;

		ASSERT_EQ(0, vfm_set_state(&self->dev[i], state, keep_fd ? &fd : NULL))
			TH_LOG("%s -> %s", bdfs[i], vfm_state_name(state));
		if (fd >= 0)
			self->fd[i] = fd;
	}
}

/* Read what the data_fd has now (PRE_COPY: until ENOMSG; STOP_COPY: EOF). */
static int drain(FIXTURE_DATA(p2p) *self, int i)
{
	for (;;) {
		ssize_t n;

		if (self->cap[i] - self->len[i] < (1 << 20)) {
			self->cap[i] = self->cap[i] * 2 + (1 << 20);
			self->stream[i] = realloc(self->stream[i], self->cap[i]);
			if (!self->stream[i])
				return -ENOMEM;
		}
		n = read(self->fd[i], self->stream[i] + self->len[i], 1 << 20);
		if (n > 0) {
			self->len[i] += n;
			continue;
		}
		return n < 0 ? -errno : 0;
	}
}

static void wire_ring(FIXTURE_DATA(p2p) *self, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct vfm_device *d = &self->dev[i];

		mock_workload(d, 100 + i, 500);
		mock_wr(d, MOCK_REG_P2P_WIN_OFF, 4096 * 8);
		mock_wr(d, MOCK_REG_P2P_WIN_SIZE, 4096 * 16);
		mock_wr(d, MOCK_REG_P2P_PEER,
			mock_rd(&self->dev[(i + 1) % n], MOCK_REG_FABRIC_ID));
		mock_wr(d, MOCK_REG_P2P_RATE, 5000);
	}
}

TEST_F_TIMEOUT(p2p, migrate_without_losing_p2p, 120)
{
	int n = variant->sources, first_dst = variant->to_others ? n : 0;
	uint64_t digest[MAX_DEVS];
	int i, round;

	wire_ring(self, n);
	usleep(200 * 1000);

	/* Source: pre-copy while P2P and the workload run. */
	phase(_metadata, self, 0, n, VFIO_DEVICE_STATE_PRE_COPY, true);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < n; i++)
			ASSERT_EQ(-ENOMSG, drain(self, i));
		usleep(50 * 1000);
	}
	/* Two-phase stop: all quiesce P2P, then all stop. */
	phase(_metadata, self, 0, n, VFIO_DEVICE_STATE_PRE_COPY_P2P, false);
	phase(_metadata, self, 0, n, VFIO_DEVICE_STATE_STOP_COPY, false);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, drain(self, i));
		close(self->fd[i]);
		self->fd[i] = -1;
		digest[i] = mock_rd(&self->dev[i], MOCK_REG_DIGEST);
		EXPECT_GT(mock_rd(&self->dev[i], MOCK_REG_P2P_TX), 0);
		EXPECT_GT(mock_rd(&self->dev[i], MOCK_REG_P2P_RX), 0);
		EXPECT_EQ(0, mock_rd(&self->dev[i], MOCK_REG_P2P_DROPPED))
			TH_LOG("%s lost P2P writes", bdfs[i]);
	}
	phase(_metadata, self, 0, n, VFIO_DEVICE_STATE_STOP, false);

	/* A restore into the same devices starts from power-on state. */
	if (!variant->to_others)
		for (i = 0; i < n; i++)
			ASSERT_EQ(0, vfm_reset(&self->dev[i]));

	/* Destination: all to RESUMING through RUNNING_P2P, load, two-phase start. */
	phase(_metadata, self, first_dst, n, VFIO_DEVICE_STATE_RUNNING_P2P, false);
	phase(_metadata, self, first_dst, n, VFIO_DEVICE_STATE_RESUMING, true);
	for (i = 0; i < n; i++) {
		int d = first_dst + i;

		ASSERT_EQ(0, vfm_write_all(self->fd[d], self->stream[i], self->len[i], 0));
	}
	phase(_metadata, self, first_dst, n, VFIO_DEVICE_STATE_STOP, false);
	for (i = 0; i < n; i++) {
		close(self->fd[first_dst + i]);
		self->fd[first_dst + i] = -1;
		EXPECT_EQ(digest[i], mock_rd(&self->dev[first_dst + i], MOCK_REG_DIGEST))
			TH_LOG("%s -> %s: state differs", bdfs[i], bdfs[first_dst + i]);
	}
	phase(_metadata, self, first_dst, n, VFIO_DEVICE_STATE_RUNNING_P2P, false);
	phase(_metadata, self, first_dst, n, VFIO_DEVICE_STATE_RUNNING, false);
	/* The sources stay stopped: running them again now would be X-1. */

	EXPECT_EQ(0, mock_violations("total"));
}

static uint64_t device_violations(int i)
{
	char val[64];

	if (vfm_mock_debugfs_read(bdfs[i], "violations", val, sizeof(val)))
		return ~0ULL;
	return strtoull(val, NULL, 10);
}

TEST_F_TIMEOUT(p2p, wrong_order_is_detected, 120)
{
	int n = variant->sources, pairs = n * (n - 1) / 2, i;
	uint64_t dropped = 0;

	wire_ring(self, n);
	usleep(200 * 1000);
	/* Each device straight to STOP while those after it still run. */
	for (i = 0; i < n; i++) {
		phase(_metadata, self, i, 1, VFIO_DEVICE_STATE_STOP, false);
		usleep(100 * 1000);	/* the running ones write into it */
	}
	EXPECT_EQ(pairs, mock_violations("P-1"));
	for (i = 0; i < n - 1; i++)
		EXPECT_GE(device_violations(i), n - 1 - i) TH_LOG("%s", bdfs[i]);
	/* Each straight back to RUNNING while those after it are stopped. */
	for (i = 0; i < n; i++) {
		phase(_metadata, self, i, 1, VFIO_DEVICE_STATE_RUNNING, false);
		usleep(100 * 1000);
	}
	EXPECT_EQ(pairs, mock_violations("P-2"));
	for (i = 0; i < n; i++)
		dropped += mock_rd(&self->dev[i], MOCK_REG_P2P_DROPPED);
	EXPECT_GT(dropped, 0);
	EXPECT_GE(mock_violations("P-5"), 1);
	EXPECT_EQ(mock_violations("P-1") + mock_violations("P-2") + mock_violations("P-5"),
		  mock_violations("total")) TH_LOG("another rule fired");
}

int main(int argc, char *argv[])
{
	nbdfs = mock_get_bdfs(&argc, argv, bdfs, MAX_DEVS);
	return test_harness_run(argc, argv);
}
