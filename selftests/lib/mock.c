// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mock selftests' conveniences over the mock's client (mock.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "mock.h"

uint64_t mock_rd(const struct vfm_device *dev, uint32_t reg)
{
	uint64_t val;

	if (vfm_mock_read(dev, reg, &val))
		exit(1);
	return val;
}

void mock_wr(const struct vfm_device *dev, uint32_t reg, uint64_t val)
{
	if (vfm_mock_write(dev, reg, val))
		exit(1);
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
	if (vfm_mock_workload(dev, seed, rate))
		exit(1);
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

uint64_t mock_violations(const char *rule)
{
	struct vfm_mon_counters c;
	int i = vfm_mon_rule_index(rule);

	if (vfm_mon_read_counters(&c))
		return ~0ULL;
	if (i >= 0)
		return c.rule[i];
	return strcmp(rule, "total") ? ~0ULL : c.total;
}
