// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Guest RAM (vfiomig/ram.h): the buffer, its DMA mappings, and the dirty pages
 * the devices report through VFIO_DEVICE_FEATURE_DMA_LOGGING_*.  Anything
 * that cannot be tracked is dirty: a device without logging makes every
 * page dirty in every round, a failed REPORT every page in that round.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/vfio.h>

#include "vfiomig/ram.h"
#include "log.h"

struct vfm_ram *vfm_ram_new(uint64_t size, uint64_t iova)
{
	struct vfm_ram *ram;
	size_t words;

	if (!size || size % VFM_RAM_PAGE || size > VFM_RAM_MAX_SIZE || iova % VFM_RAM_PAGE) {
		errno = EINVAL;
		return NULL;
	}
	ram = calloc(1, sizeof(*ram));
	if (!ram)
		return NULL;
	ram->size = size;
	ram->iova = iova;
	ram->npages = size / VFM_RAM_PAGE;
	ram->first_diff = -1;
	words = (ram->npages + 63) / 64;
	ram->dirty = calloc(words, 8);
	ram->report = calloc(words, 8);
	ram->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* As QEMU's guest RAM: a VMM's fork()ed helper gets none of it. */
	if (ram->mem != MAP_FAILED)
		madvise(ram->mem, size, MADV_DONTFORK);
	if (ram->mem == MAP_FAILED || !ram->dirty || !ram->report) {
		int err = ram->mem == MAP_FAILED ? errno : ENOMEM;

		if (ram->mem == MAP_FAILED)
			ram->mem = NULL;
		vfm_ram_free(ram);
		errno = err;
		return NULL;
	}
	return ram;
}

void vfm_ram_free(struct vfm_ram *ram)
{
	if (!ram)
		return;
	if (ram->mem)
		munmap(ram->mem, ram->size);
	free(ram->dirty);
	free(ram->report);
	free(ram);
}

int vfm_ram_map(struct vfm_ram *ram, const struct vfm_device *dev)
{
	int ret;

	if (ram->ndev == VFM_RAM_MAX_DEVICES)
		return -ENOSPC;
	ret = vfm_dma_map(dev, ram->mem, ram->iova, ram->size);
	if (ret)
		return ret;
	ram->dev[ram->ndev] = dev;
	ram->logging[ram->ndev] = false;
	ram->ndev++;
	return 0;
}

int vfm_ram_parse_size(const char *s, uint64_t *size)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'G':
	case 'g':
		v <<= 10;
		/* fall through */
	case 'M':
	case 'm':
		v <<= 10;
		/* fall through */
	case 'K':
	case 'k':
		v <<= 10;
		end++;
		break;
	default:
		break;
	}
	if (*end && strcmp(end, "iB") && strcmp(end, "B"))
		return -EINVAL;
	*size = v;
	return 0;
}

static void mark_all(struct vfm_ram *ram)
{
	memset(ram->dirty, 0xff, (ram->npages + 63) / 64 * 8);
	/* Bits past the last page stay clear, so counting them is exact. */
	if (ram->npages % 64)
		ram->dirty[ram->npages / 64] = (1ULL << (ram->npages % 64)) - 1;
}

void vfm_ram_log_start(struct vfm_ram *ram)
{
	struct vfio_device_feature_dma_logging_range range = {
		.iova = ram->iova,
		.length = ram->size,
	};
	unsigned int i;

	ram->tracked = ram->ndev > 0;
	if (!ram->ndev)
		snprintf(ram->untracked_why, sizeof(ram->untracked_why),
			 "no device to report DMA writes");
	for (i = 0; i < ram->ndev; i++) {
		int ret = vfm_dma_log_start(ram->dev[i], VFM_RAM_PAGE, &range, 1,
					    &ram->log_page_size[i]);

		ram->logging[i] = !ret;
		if (ret && ram->tracked) {
			ram->tracked = false;
			snprintf(ram->untracked_why, sizeof(ram->untracked_why),
				 "%s: DMA_LOGGING_START: %s", ram->dev[i]->bdf,
				 ret == -ENOTTY ? "not offered (ENOTTY)" : strerror(-ret));
		}
		if (ret && ret != -ENOTTY)
			vfm_err(ram->dev[i]->bdf, "DMA_LOGGING_START over the RAM: %s; all RAM is dirty",
				strerror(-ret));
	}
	mark_all(ram);
}

void vfm_ram_log_stop(struct vfm_ram *ram)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ram->ndev; i++) {
		if (!ram->logging[i])
			continue;
		ret = vfm_dma_log_stop(ram->dev[i]);
		if (ret)
			vfm_err(ram->dev[i]->bdf, "DMA_LOGGING_STOP: %s", strerror(-ret));
		ram->logging[i] = false;
	}
}

void vfm_ram_sync(struct vfm_ram *ram)
{
	size_t words = (ram->npages + 63) / 64, w;
	bool all = !ram->tracked;
	unsigned int i;

	for (i = 0; i < ram->ndev; i++) {
		int ret;

		if (!ram->logging[i])
			continue;
		/* REPORT only sets bits (uAPI): the bitmap starts clear. */
		memset(ram->report, 0, words * 8);
		ret = vfm_dma_log_report(ram->dev[i], ram->iova, ram->size, VFM_RAM_PAGE,
					 ram->report);
		if (ret) {
			/* The uAPI: after a failed REPORT, treat the range as dirty. */
			ram->report_failures++;
			all = true;
			vfm_err(ram->dev[i]->bdf, "DMA_LOGGING_REPORT failed (%s): all RAM is dirty",
				strerror(-ret));
			continue;
		}
		for (w = 0; w < words; w++)
			ram->dirty[w] |= ram->report[w];
	}
	if (all) {
		ram->fallback = true;
		mark_all(ram);
	}
}

uint64_t vfm_ram_dirty_pages(const struct vfm_ram *ram)
{
	size_t words = (ram->npages + 63) / 64, w;
	uint64_t n = 0;

	for (w = 0; w < words; w++)
		n += __builtin_popcountll(ram->dirty[w]);
	return n;
}
