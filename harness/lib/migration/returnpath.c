// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The return path, destination to source (QEMU's MIG_RP_MSG_*, reduced to
 * what the harness needs): switchover-ack and the destination's result.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int put_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

static int get_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		p += n;
		len -= n;
	}
	return 0;
}

int vfm_rp_send(int fd, uint32_t type, const void *buf, uint32_t len)
{
	uint32_t hdr[2] = { htobe32(type), htobe32(len) };
	int ret;

	ret = put_all(fd, hdr, sizeof(hdr));
	if (!ret && len)
		ret = put_all(fd, buf, len);
	return ret;
}

int vfm_rp_recv(int fd, int timeout_ms, uint32_t *type, char **buf, uint32_t *len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint32_t hdr[2];
	int ret;

	*buf = NULL;
	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -EAGAIN;
	ret = get_all(fd, hdr, sizeof(hdr));
	if (ret)
		return ret;
	*type = be32toh(hdr[0]);
	*len = be32toh(hdr[1]);
	if (*len > VFM_RP_MAX)
		return -EMSGSIZE;
	*buf = malloc(*len + 1);
	if (!*buf)
		return -ENOMEM;
	ret = get_all(fd, *buf, *len);
	if (ret) {
		free(*buf);
		*buf = NULL;
		return ret;
	}
	(*buf)[*len] = '\0';
	return 0;
}
