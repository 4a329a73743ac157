/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the mock-vfio-pci-specific selftests add to the mock's client
 * (vfiomig/mock.h, harness/lib/mock), which they use for everything else:
 * register access that ends the test on failure, save and load in one
 * call, and device addresses from the command line.  Tests using them skip
 * on other drivers.
 */
#ifndef MIG_SELFTEST_MOCK_H
#define MIG_SELFTEST_MOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "vfiomig/device.h"
#include "vfiomig/mock.h"
#include "mock_vfio_pci.h"

/* vfm_mock_read()/_write(), exiting when the access fails. */
uint64_t mock_rd(const struct vfm_device *dev, uint32_t reg);
void mock_wr(const struct vfm_device *dev, uint32_t reg, uint64_t val);

/* vfm_mock_workload(), exiting when it fails. */
void mock_workload(const struct vfm_device *dev, uint64_t seed, uint32_t rate);

/* The device's migration state (~0 if it cannot be read). */
uint32_t mock_state_of(const struct vfm_device *dev);
/* RUNNING -> STOP_COPY, read to EOF into a new *@buf, -> STOP: 0 or -errno. */
int mock_save(const struct vfm_device *dev, void **buf, size_t *len);
/*
 * RUNNING -> RESUMING, write @buf in @chunk-byte writes (0: one write), ->
 * STOP.  *@write_err gets the errno of the first failed write (0 if none);
 * returns the result of leaving RESUMING.
 */
int mock_load(const struct vfm_device *dev, const void *buf, size_t len,
	      size_t chunk, int *write_err);

/* Collect up to @max trailing PCI addresses of argv (in order); returns how many. */
int mock_get_bdfs(int *argc, char *argv[], char bdfs[][32], int max);

/* Violations the monitor counted for @rule ("P-1", ...; "total" for all), ~0 if unreadable. */
uint64_t mock_violations(const char *rule);

#endif /* MIG_SELFTEST_MOCK_H */
