// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mock device itself: its register file, emulated BAR0, workload,
 * stopped-state behaviour, reset and sysfs configuration, and its save
 * data_fd's poll() and PRECOPY_INFO flags.  mock-vfio-pci only; skips on
 * other drivers.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "selftest.h"
#include "mock.h"

FIXTURE(mock) {
	struct vfm_device dev;
};

FIXTURE_SETUP(mock)
{
	if (!vfm_mock_bound(selftest_bdf))
		SKIP(return, "%s is not bound to mock-vfio-pci", selftest_bdf);
	ASSERT_EQ(0, vfm_device_open(selftest_bdf, &self->dev));
}

FIXTURE_TEARDOWN(mock)
{
	vfm_device_close(&self->dev);
}

TEST_F(mock, registers_identify_the_device)
{
	char buf[64];

	EXPECT_EQ(MOCK_ID, mock_rd(&self->dev, MOCK_REG_ID));
	EXPECT_EQ(MOCK_REGS_VERSION, mock_rd(&self->dev, MOCK_REG_VERSION));
	EXPECT_EQ(MOCK_PAGE_SIZE, mock_rd(&self->dev, MOCK_REG_PAGE_SIZE));
	ASSERT_EQ(0, vfm_mock_sysfs_read(selftest_bdf, "mem_size", buf, sizeof(buf)));
	EXPECT_EQ(strtoull(buf, NULL, 0), mock_rd(&self->dev, MOCK_REG_MEM_SIZE));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, mock_rd(&self->dev, MOCK_REG_MIG_STATE));
}

/* An emulated BAR must not be offered for mmap, and mmap must fail. */
TEST_F(mock, bar0_is_not_mappable)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	void *p;

	ASSERT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &info));
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, info.flags);
	EXPECT_EQ(0, info.cap_offset);
	ASSERT_GE(info.size, MOCK_REG_END);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->dev.fd, info.offset);
	EXPECT_EQ(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, 4096);
}

TEST_F(mock, bar0_rejects_odd_accesses)
{
	uint64_t val = 0;

	EXPECT_EQ(-1, vfm_mock_bar0_access(&self->dev, MOCK_REG_ID, &val, 2, false));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, vfm_mock_bar0_access(&self->dev, MOCK_REG_ID + 2, &val, 4, false));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, vfm_mock_bar0_access(&self->dev, MOCK_REG_WL_RATE, &val, 8, false));
	EXPECT_EQ(EINVAL, errno);
	/* 8-byte accesses only on 64-bit registers. */
	EXPECT_EQ(-1, vfm_mock_bar0_access(&self->dev, MOCK_REG_ID, &val, 8, false));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, vfm_mock_bar0_access(&self->dev, MOCK_REG_WL_CTRL, &val, 8, true));
	EXPECT_EQ(EINVAL, errno);
	/* 64-bit registers in 4-byte halves. */
	EXPECT_EQ(4, vfm_mock_bar0_access(&self->dev, MOCK_REG_MEM_SIZE + 4, &val, 4, false));
	EXPECT_EQ(mock_rd(&self->dev, MOCK_REG_MEM_SIZE) >> 32, (uint32_t)val);
	/* Past the register file: reads 0, writes ignored. */
	val = ~0ULL;
	EXPECT_EQ(8, vfm_mock_bar0_access(&self->dev, 0x800, &val, 8, false));
	EXPECT_EQ(0, val);
}

TEST_F(mock, memory_through_bar0)
{
	uint64_t before = mock_rd(&self->dev, MOCK_REG_DIGEST);
	uint64_t size = mock_rd(&self->dev, MOCK_REG_MEM_SIZE);
	int i;

	mock_wr(&self->dev, MOCK_REG_MEM_ADDR, 4096 * 3);
	for (i = 0; i < 4; i++)
		mock_wr(&self->dev, MOCK_REG_MEM_DATA, 0x11110000 + i);
	EXPECT_EQ(4096 * 3 + 16, mock_rd(&self->dev, MOCK_REG_MEM_ADDR));
	EXPECT_NE(before, mock_rd(&self->dev, MOCK_REG_DIGEST));

	mock_wr(&self->dev, MOCK_REG_MEM_ADDR, 4096 * 3);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0x11110000ULL + i, mock_rd(&self->dev, MOCK_REG_MEM_DATA));

	/* Beyond the end, also where MEM_ADDR + 4 wraps: all-ones, nothing written. */
	mock_wr(&self->dev, MOCK_REG_MEM_ADDR, size);
	EXPECT_EQ(0xffffffff, mock_rd(&self->dev, MOCK_REG_MEM_DATA));
	mock_wr(&self->dev, MOCK_REG_MEM_ADDR, ~3ULL);
	before = mock_rd(&self->dev, MOCK_REG_DIGEST);
	EXPECT_EQ(0xffffffff, mock_rd(&self->dev, MOCK_REG_MEM_DATA));
	mock_wr(&self->dev, MOCK_REG_MEM_DATA, 0x12345678);
	EXPECT_EQ(~3ULL, mock_rd(&self->dev, MOCK_REG_MEM_ADDR));
	EXPECT_EQ(before, mock_rd(&self->dev, MOCK_REG_DIGEST));
}

/*
 * Documentation/device-uapi.rst "While stopped": with the workload enabled,
 * nothing changes in @state, every register write is dropped and counted in
 * DROPPED_WRITES, and a MEM_DATA read does not advance MEM_ADDR.
 */
static void check_frozen(struct __test_metadata *_metadata, struct vfm_device *dev,
			 const char *state)
{
	uint64_t writes, digest, dropped, addr;

	EXPECT_EQ(MOCK_WL_CTRL_ENABLE, mock_rd(dev, MOCK_REG_WL_CTRL)) TH_LOG("in %s", state);
	writes = mock_rd(dev, MOCK_REG_WL_WRITES);
	digest = mock_rd(dev, MOCK_REG_DIGEST);
	dropped = mock_rd(dev, MOCK_REG_DROPPED_WRITES);
	addr = mock_rd(dev, MOCK_REG_MEM_ADDR);
	mock_wr(dev, MOCK_REG_MEM_ADDR, addr + 4096);
	mock_wr(dev, MOCK_REG_MEM_DATA, 0xdead);
	mock_wr(dev, MOCK_REG_WL_CTRL, 0);
	mock_rd(dev, MOCK_REG_MEM_DATA);
	usleep(200 * 1000);
	EXPECT_EQ(writes, mock_rd(dev, MOCK_REG_WL_WRITES)) TH_LOG("the workload ran in %s", state);
	EXPECT_EQ(digest, mock_rd(dev, MOCK_REG_DIGEST)) TH_LOG("the digest changed in %s", state);
	EXPECT_EQ(dropped + 3, mock_rd(dev, MOCK_REG_DROPPED_WRITES)) TH_LOG("in %s", state);
	EXPECT_EQ(addr, mock_rd(dev, MOCK_REG_MEM_ADDR))
		TH_LOG("MEM_ADDR moved in %s (a write or a MEM_DATA read)", state);
	EXPECT_EQ(MOCK_WL_CTRL_ENABLE, mock_rd(dev, MOCK_REG_WL_CTRL)) TH_LOG("in %s", state);
}

/*
 * The workload runs in RUNNING and stops in STOP, STOP_COPY and RESUMING,
 * where BAR0 writes are dropped too.  STOP_COPY's stream is read to its end
 * and loaded back in RESUMING, so that the device leaves every state along a
 * correct arc and runs again with the workload still enabled.
 */
TEST_F(mock, workload_changes_state_only_while_running)
{
	uint64_t writes, digest;
	void *stream = NULL;
	size_t len = 0;
	int fd;

	mock_workload(&self->dev, 42, 5000);
	usleep(300 * 1000);
	writes = mock_rd(&self->dev, MOCK_REG_WL_WRITES);
	EXPECT_GT(writes, 0);
	digest = mock_rd(&self->dev, MOCK_REG_DIGEST);
	usleep(100 * 1000);
	EXPECT_NE(digest, mock_rd(&self->dev, MOCK_REG_DIGEST));

	/* STOP: no device state changes at all, user writes are dropped. */
	ASSERT_EQ(0, vfm_set_state(&self->dev, VFIO_DEVICE_STATE_STOP, NULL));
	writes = mock_rd(&self->dev, MOCK_REG_WL_WRITES);
	digest = mock_rd(&self->dev, MOCK_REG_DIGEST);
	check_frozen(_metadata, &self->dev, "STOP");

	/* STOP_COPY, before and after the stream was read. */
	ASSERT_EQ(0, vfm_set_state(&self->dev, VFIO_DEVICE_STATE_STOP_COPY, &fd));
	ASSERT_GE(fd, 0);
	check_frozen(_metadata, &self->dev, "STOP_COPY");
	ASSERT_EQ(0, vfm_read_all(fd, &stream, &len));
	check_frozen(_metadata, &self->dev, "STOP_COPY at end of stream");
	ASSERT_EQ(0, vfm_set_state(&self->dev, VFIO_DEVICE_STATE_STOP, NULL));
	close(fd);

	/* RESUMING, before and after the stream was written. */
	ASSERT_EQ(0, vfm_set_state(&self->dev, VFIO_DEVICE_STATE_RESUMING, &fd));
	ASSERT_GE(fd, 0);
	check_frozen(_metadata, &self->dev, "RESUMING");
	ASSERT_EQ(0, vfm_write_all(fd, stream, len, 0));
	check_frozen(_metadata, &self->dev, "RESUMING with the whole stream written");
	ASSERT_EQ(0, vfm_set_state(&self->dev, VFIO_DEVICE_STATE_STOP, NULL));
	close(fd);
	free(stream);
	EXPECT_EQ(writes, mock_rd(&self->dev, MOCK_REG_WL_WRITES));
	EXPECT_EQ(digest, mock_rd(&self->dev, MOCK_REG_DIGEST))
		TH_LOG("the device's own stream did not restore its state");

	/* Running again, it carries on. */
	ASSERT_EQ(0, vfm_set_state(&self->dev, VFIO_DEVICE_STATE_RUNNING, NULL));
	usleep(200 * 1000);
	EXPECT_GT(mock_rd(&self->dev, MOCK_REG_WL_WRITES), writes);
}

static bool has_pre_copy(struct vfm_device *dev)
{
	uint64_t flags = 0;

	return !vfm_migration_flags(dev, &flags) && (flags & VFIO_MIGRATION_PRE_COPY);
}

/*
 * poll() for POLLIN | POLLRDNORM (poll() reports only the events asked for,
 * and POLLERR and POLLHUP) for up to @timeout_ms: the revents, 0 on timeout,
 * -1 on error.
 */
static int poll_revents(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDNORM };
	int n = poll(&p, 1, timeout_ms);

	return n < 0 ? -1 : n ? p.revents : 0;
}

/*
 * The save data_fd's poll() as Documentation/migration.rst describes it,
 * beyond what the uAPI asks of every driver (migration_data_fd_test):
 * EPOLLIN | EPOLLRDNORM while data is pending; nothing at the temporary end;
 * waiters woken when the workload dirties a page; EPOLLERR | EPOLLHUP, read()
 * ENODEV and PRECOPY_INFO EINVAL once the session ended.
 */
TEST_F(mock, precopy_data_fd_poll)
{
	struct vfio_precopy_info info = {};
	void *data = NULL;
	size_t len = 0;
	char byte;
	int fd;

	if (!has_pre_copy(&self->dev))
		SKIP(return, "the device's migration_flags have no PRE_COPY");
	ASSERT_EQ(0, vfm_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY, &fd));
	ASSERT_GE(fd, 0);
	EXPECT_EQ(POLLIN | POLLRDNORM, poll_revents(fd, 0));
	EXPECT_EQ(-ENOMSG, vfm_read_all(fd, &data, &len));
	free(data);
	ASSERT_EQ(0, vfm_precopy_info(fd, &info));
	EXPECT_EQ(0, info.initial_bytes);
	EXPECT_EQ(0, info.dirty_bytes);
	EXPECT_EQ(0, poll_revents(fd, 0)) TH_LOG("readable at the temporary end of stream");

	/* A waiter is woken by the first dirtied page. */
	mock_workload(&self->dev, 3, 100);
	EXPECT_EQ(POLLIN | POLLRDNORM, poll_revents(fd, 2000))
		TH_LOG("not readable 2 s after the workload started");
	ASSERT_EQ(0, vfm_precopy_info(fd, &info));
	EXPECT_GT(info.dirty_bytes, 0);
	mock_wr(&self->dev, MOCK_REG_WL_CTRL, 0);

	/* PRE_COPY -> RUNNING ends the session. */
	ASSERT_EQ(0, vfm_set_state(&self->dev, VFIO_DEVICE_STATE_RUNNING, NULL));
	EXPECT_EQ(POLLERR | POLLHUP, poll_revents(fd, 0));
	EXPECT_EQ(-1, read(fd, &byte, 1));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-EINVAL, vfm_precopy_info(fd, &info));
	close(fd);
}

/*
 * Documentation/migration.rst "MIG_PRECOPY_INFOv2": without the opt-in (a
 * fresh open has none) VFIO_MIG_GET_PRECOPY_INFO hands flags back as the user
 * passed them, like every driver up to Linux 7.0, also after a
 * MOCK_DEV_CTRL_REINIT.
 */
TEST_F(mock, precopy_info_flags_echoed_without_opt_in)
{
	static const uint32_t in[] = { 0xdeadbeef, 0, VFIO_PRECOPY_INFO_REINIT };
	struct vfio_precopy_info info;
	unsigned int i;
	int fd;

	if (!has_pre_copy(&self->dev))
		SKIP(return, "the device's migration_flags have no PRE_COPY");
	ASSERT_EQ(0, vfm_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY, &fd));
	ASSERT_GE(fd, 0);
	for (i = 0; i < 2 * ARRAY_SIZE(in); i++) {
		if (i == ARRAY_SIZE(in))
			mock_wr(&self->dev, MOCK_REG_DEV_CTRL, MOCK_DEV_CTRL_REINIT);
		memset(&info, 0, sizeof(info));
		info.flags = in[i % ARRAY_SIZE(in)];
		ASSERT_EQ(0, vfm_precopy_info(fd, &info));
		EXPECT_EQ(in[i % ARRAY_SIZE(in)], info.flags)
			TH_LOG("flags in 0x%x, out 0x%x%s", in[i % ARRAY_SIZE(in)], info.flags,
			       i >= ARRAY_SIZE(in) ? " after MOCK_DEV_CTRL_REINIT" : "");
	}
	ASSERT_EQ(0, vfm_set_state(&self->dev, VFIO_DEVICE_STATE_RUNNING, NULL));
	close(fd);
}

TEST_F(mock, same_seed_same_state)
{
	uint64_t d1, d2;

	/* A reset returns to power-on state; the same writes then give the same digest. */
	ASSERT_EQ(0, vfm_reset(&self->dev));
	d1 = mock_rd(&self->dev, MOCK_REG_DIGEST);
	mock_wr(&self->dev, MOCK_REG_MEM_ADDR, 64);
	mock_wr(&self->dev, MOCK_REG_MEM_DATA, 7);
	ASSERT_NE(d1, mock_rd(&self->dev, MOCK_REG_DIGEST));
	ASSERT_EQ(0, vfm_reset(&self->dev));
	d2 = mock_rd(&self->dev, MOCK_REG_DIGEST);
	EXPECT_EQ(d1, d2);
	EXPECT_EQ(0, mock_rd(&self->dev, MOCK_REG_WL_CTRL));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, mock_state_of(&self->dev));
}

TEST_F(mock, configuration_locked_while_open)
{
	EXPECT_EQ(-EBUSY, vfm_mock_sysfs_write(selftest_bdf, "mem_size", "65536"));
	EXPECT_EQ(-EBUSY, vfm_mock_sysfs_write(selftest_bdf, "migration_flags", "1"));
	EXPECT_EQ(-EINVAL, vfm_mock_sysfs_write(selftest_bdf, "migration_flags", "2"));
	EXPECT_EQ(-EINVAL, vfm_mock_sysfs_write(selftest_bdf, "mem_size", "1000"));
	EXPECT_EQ(-EINVAL, vfm_mock_sysfs_write(selftest_bdf, "stream_minor", "9"));
}

/* Up to 1 GiB of device memory: configure, open, use, restore. */
TEST(one_gib_device)
{
	struct vfm_device dev;
	char old[64];

	if (!vfm_mock_bound(selftest_bdf))
		SKIP(return, "%s is not bound to mock-vfio-pci", selftest_bdf);
	ASSERT_EQ(0, vfm_mock_sysfs_read(selftest_bdf, "mem_size", old, sizeof(old)));
	ASSERT_EQ(0, vfm_mock_sysfs_write(selftest_bdf, "mem_size", "1073741824"));
	ASSERT_EQ(0, vfm_device_open(selftest_bdf, &dev));
	EXPECT_EQ(1ULL << 30, mock_rd(&dev, MOCK_REG_MEM_SIZE));
	mock_wr(&dev, MOCK_REG_MEM_ADDR, (1ULL << 30) - 8);
	mock_wr(&dev, MOCK_REG_MEM_DATA, 0x5a5a5a5a);
	mock_wr(&dev, MOCK_REG_MEM_ADDR, (1ULL << 30) - 8);
	EXPECT_EQ(0x5a5a5a5a, mock_rd(&dev, MOCK_REG_MEM_DATA));
	vfm_device_close(&dev);
	ASSERT_EQ(0, vfm_mock_sysfs_write(selftest_bdf, "mem_size", old));
}

int main(int argc, char *argv[])
{
	selftest_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
