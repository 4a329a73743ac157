/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the mock-vfio-pci-specific selftests: BAR0 registers and the
 * per-device sysfs configuration.  Tests using them skip on other drivers.
 */
#ifndef MIG_SELFTEST_MOCK_H
#define MIG_SELFTEST_MOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "vfiomig/device.h"
#include "mock_vfio_pci.h"

/* True if @bdf is bound to mock-vfio-pci. */
bool mock_bound(const char *bdf);

/* BAR0 register access through the device fd (8 bytes; 4 if @size says). */
uint64_t mock_rd(const struct vfm_device *dev, uint32_t reg);
void mock_wr(const struct vfm_device *dev, uint32_t reg, uint64_t val);
/* Raw access for tests of the access rules: returns pread/pwrite's result. */
long mock_bar0_access(const struct vfm_device *dev, uint64_t off, void *buf,
		      size_t size, bool write);

/* /sys/bus/pci/devices/BDF/mock/ATTR: read into @buf, write @val. */
int mock_sysfs_read(const char *bdf, const char *attr, char *buf, size_t len);
int mock_sysfs_write(const char *bdf, const char *attr, const char *val);

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

/* Start the workload: seed, pages per second. */
void mock_workload(const struct vfm_device *dev, uint64_t seed, uint32_t rate);

/* Collect up to @max trailing PCI addresses of argv (in order); returns how many. */
int mock_get_bdfs(int *argc, char *argv[], char bdfs[][32], int max);

/*
 * The monitor and fault injection in debugfs: /sys/kernel/debug/mock-vfio-pci/
 * FILE (@bdf NULL) or .../BDF/FILE.
 */
int mock_debugfs_write(const char *bdf, const char *file, const char *val);
int mock_debugfs_read(const char *bdf, const char *file, char *buf, size_t len);
/* Violations counted for @rule ("P-1", ...; "total" for all). */
uint64_t mock_violations(const char *rule);
/* Forget all monitor events, violations and counters. */
void mock_monitor_clear(void);

#endif /* MIG_SELFTEST_MOCK_H */
