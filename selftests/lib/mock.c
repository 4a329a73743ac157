// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "mock.h"
#include "selftest.h"

bool mock_bound(const char *bdf)
{
	return selftest_driver_is(bdf, MOCK_VFIO_PCI_DRIVER_NAME);
}

static uint64_t bar0_base(const struct vfm_device *dev)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};

	if (ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, &info)) {
		fprintf(stderr, "%s: BAR0 region info: %s\n", dev->bdf, strerror(errno));
		exit(1);
	}
	return info.offset;
}

long mock_bar0_access(const struct vfm_device *dev, uint64_t off, void *buf,
		      size_t size, bool write)
{
	uint64_t pos = bar0_base(dev) + off;

	return write ? pwrite(dev->fd, buf, size, pos) : pread(dev->fd, buf, size, pos);
}

uint64_t mock_rd(const struct vfm_device *dev, uint32_t reg)
{
	uint64_t val = 0;
	size_t size = mock_reg_is64(reg) ? 8 : 4;

	if (mock_bar0_access(dev, reg, &val, size, false) != (long)size) {
		fprintf(stderr, "%s: BAR0 read at 0x%x: %s\n", dev->bdf, reg, strerror(errno));
		exit(1);
	}
	return val;
}

void mock_wr(const struct vfm_device *dev, uint32_t reg, uint64_t val)
{
	size_t size = mock_reg_is64(reg) ? 8 : 4;

	if (mock_bar0_access(dev, reg, &val, size, true) != (long)size) {
		fprintf(stderr, "%s: BAR0 write at 0x%x: %s\n", dev->bdf, reg, strerror(errno));
		exit(1);
	}
}

int mock_sysfs_read(const char *bdf, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/mock/%s", bdf, attr);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int mock_sysfs_write(const char *bdf, const char *attr, const char *val)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/mock/%s", bdf, attr);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

uint32_t mock_state_of(const struct vfm_device *dev)
{
	uint32_t state = ~0u;

	vfm_get_state(dev, &state);
	return state;
}

int mock_save(const struct vfm_device *dev, void **buf, size_t *len)
{
	int fd, ret;

	*buf = NULL;
	*len = 0;
	ret = vfm_set_state(dev, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (ret)
		return ret;
	ret = vfm_read_all(fd, buf, len);
	close(fd);
	if (!ret)
		ret = vfm_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL);
	return ret;
}

int mock_load(const struct vfm_device *dev, const void *buf, size_t len,
	      size_t chunk, int *write_err)
{
	int fd, ret;

	ret = vfm_set_state(dev, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (ret)
		return ret;
	*write_err = -vfm_write_all(fd, buf, len, chunk);
	ret = vfm_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL);
	close(fd);
	return ret;
}

void mock_workload(const struct vfm_device *dev, uint64_t seed, uint32_t rate)
{
	mock_wr(dev, MOCK_REG_WL_SEED, seed);
	mock_wr(dev, MOCK_REG_WL_RATE, rate);
	mock_wr(dev, MOCK_REG_WL_CTRL, MOCK_WL_CTRL_ENABLE);
}

int mock_get_bdfs(int *argc, char *argv[], char bdfs[][32], int max)
{
	int first = *argc, n, i;

	while (first > 1 && *argc - first < max) {
		char tmp[32];

		if (vfm_parse_bdf(argv[first - 1], tmp, sizeof(tmp)))
			break;
		first--;
	}
	n = *argc - first;
	for (i = 0; i < n; i++)
		vfm_parse_bdf(argv[first + i], bdfs[i], 32);
	*argc = first;
	argv[first] = NULL;
	return n;
}

static void debugfs_path(char *path, size_t len, const char *bdf, const char *file)
{
	if (bdf)
		snprintf(path, len, "/sys/kernel/debug/%s/%s/%s",
			 MOCK_VFIO_PCI_DRIVER_NAME, bdf, file);
	else
		snprintf(path, len, "/sys/kernel/debug/%s/%s", MOCK_VFIO_PCI_DRIVER_NAME, file);
}

int mock_debugfs_write(const char *bdf, const char *file, const char *val)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	debugfs_path(path, sizeof(path), bdf, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

int mock_debugfs_read(const char *bdf, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	size_t got = 0;
	ssize_t n;
	int fd;

	debugfs_path(path, sizeof(path), bdf, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return 0;
}

uint64_t mock_violations(const char *rule)
{
	char buf[1024], *line, *save = NULL;
	size_t rlen = strlen(rule);

	if (mock_debugfs_read(NULL, "counters", buf, sizeof(buf)))
		return ~0ULL;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, rule, rlen) && line[rlen] == ' ')
			return strtoull(line + rlen + 1, NULL, 0);
	return ~0ULL;
}

void mock_monitor_clear(void)
{
	mock_debugfs_write(NULL, "clear", "1");
}
