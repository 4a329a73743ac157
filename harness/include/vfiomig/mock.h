/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mock-vfio-pci registers the migration harness uses to check its work
 * (uapi/mock_vfio_pci.h): the state digest and the workload.  Only for
 * devices bound to mock-vfio-pci; other devices have no such registers.
 */
#ifndef VFIOMIG_MOCK_H
#define VFIOMIG_MOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "vfiomig/device.h"

/* True if @bdf is bound to mock-vfio-pci. */
bool vfm_mock_bound(const char *bdf);
/* BAR0 register @reg, 4 or 8 bytes wide as the uAPI header says. */
int vfm_mock_read(const struct vfm_device *dev, uint32_t reg, uint64_t *val);
int vfm_mock_write(const struct vfm_device *dev, uint32_t reg, uint64_t val);
/* Start the workload: PRNG seed, pages dirtied per second. */
int vfm_mock_workload(const struct vfm_device *dev, uint64_t seed, uint32_t rate);
/*
 * P2P traffic: @dev writes @rate times a second into the first quarter (at
 * most 1 MiB) of @peer's memory; @peer may be @dev.  Both must be mocks, and
 * @dev must be running (a stopped device drops register writes).
 */
int vfm_mock_p2p(const struct vfm_device *dev, const struct vfm_device *peer, uint32_t rate);

#endif /* VFIOMIG_MOCK_H */
