/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mock-vfio-pci's client (harness/lib/mock), the one vfio-migrate, the
 * benchmarks and the mock's own selftests use: its BAR0 registers
 * (uapi/mock_vfio_pci.h: the state digest, the workload, P2P, DMA), its
 * per-device sysfs configuration, its debugfs files (fault knobs, the
 * conformance monitor: Documentation/monitor.rst).  Only for devices bound
 * to mock-vfio-pci; other devices have no such registers or files.
 */
#ifndef VFIOMIG_MOCK_H
#define VFIOMIG_MOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfiomig/device.h"
#include "mock_vfio_rules.h"

/* True if @bdf is bound to mock-vfio-pci. */
bool vfm_mock_bound(const char *bdf);
/* BAR0 register @reg, 4 or 8 bytes wide as the uAPI header says. */
int vfm_mock_read(const struct vfm_device *dev, uint32_t reg, uint64_t *val);
int vfm_mock_write(const struct vfm_device *dev, uint32_t reg, uint64_t val);
/*
 * Raw BAR0 access at @off of @size bytes, for tests of the access rules:
 * pread()'s or pwrite()'s result (-1 and errno on failure, also when the
 * BAR0 region info cannot be read), quiet.
 */
long vfm_mock_bar0_access(const struct vfm_device *dev, uint64_t off, void *buf,
			  size_t size, bool write);
/* Start the workload: PRNG seed, pages dirtied per second (0: stop it). */
int vfm_mock_workload(const struct vfm_device *dev, uint64_t seed, uint32_t rate);
/*
 * P2P traffic: @dev writes @rate times a second into the first quarter (at
 * most 1 MiB) of @peer's memory; @peer may be @dev.  Both must be mocks, and
 * @dev must be running (a stopped device drops register writes).
 */
int vfm_mock_p2p(const struct vfm_device *dev, const struct vfm_device *peer, uint32_t rate);

/*
 * The device's configuration, /sys/bus/pci/devices/BDF/mock/ATTR: read
 * into @buf (up to the first newline), write @val.  0 or -errno, quiet.
 */
int vfm_mock_sysfs_read(const char *bdf, const char *attr, char *buf, size_t len);
int vfm_mock_sysfs_write(const char *bdf, const char *attr, const char *val);

#define VFM_MON_DIR		"/sys/kernel/debug/mock-vfio-pci"
/*
 * The driver's debugfs files: VFM_MON_DIR/FILE (@bdf NULL) or
 * VFM_MON_DIR/BDF/FILE.  Read all of it (at most @len - 1 bytes) into
 * @buf, or write @val.  0 or -errno, quiet.
 */
int vfm_mock_debugfs_read(const char *bdf, const char *file, char *buf, size_t len);
int vfm_mock_debugfs_write(const char *bdf, const char *file, const char *val);

/*
 * The conformance monitor in debugfs: the rule counters, each device's
 * violation count and the violation ring, so a migration can report the
 * violations it caused.  Counters only grow until someone clears them; a
 * snapshot before and one after a migration give what happened in between.
 */
/* Index of @rule ("P-1") among the rules the monitor counts, or -1. */
int vfm_mon_rule_index(const char *rule);

struct vfm_mon_counters {
	uint64_t rule[MIG_RULE_NR_MONITOR];	/* in the order of the "counters" file */
	uint64_t total;
};

/* The "counters" file.  0, or -errno (-ENOENT: no debugfs or no module). */
int vfm_mon_read_counters(struct vfm_mon_counters *c);
/* <BDF>/violations: violations recorded against @bdf.  0 or -errno. */
int vfm_mon_read_device(const char *bdf, uint64_t *count);
/*
 * Walk the "violations" ring: for each line with SEQ > @after_seq, call
 * @fn(bdf, rule index, arg).  *@last_seq gets the highest SEQ seen (or
 * stays as it was).  A "clear" restarts SEQ at 0, so only compare
 * snapshots between which nobody cleared.  0 or -errno.
 */
int vfm_mon_walk(int64_t after_seq, int64_t *last_seq,
		 void (*fn)(const char *bdf, int rule, void *arg), void *arg);
/* Forget all monitor events, violations and counters.  0 or -errno. */
int vfm_mon_clear(void);

#endif /* VFIOMIG_MOCK_H */
