/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvfiomig: the VMM side of VFIO live migration, as a small C library.
 *
 * Functions return 0 (or a non-negative value) on success and a negative
 * errno on failure; they print one line naming the device and the step that
 * failed to stderr, so callers need not repeat it.
 */
#ifndef VFIOMIG_H
#define VFIOMIG_H

#include <stdbool.h>
#include <stdint.h>

/* An open VFIO device: its group, its container and its device fd. */
struct vfm_device {
	char bdf[32];		/* PCI address, e.g. 0000:01:00.0 */
	int container_fd;
	int group_fd;
	int fd;
	int group_id;
};

/* Open @bdf through the VFIO group/container API with a type1v2 IOMMU. */
int vfm_device_open(const char *bdf, struct vfm_device *dev);
void vfm_device_close(struct vfm_device *dev);

/* VFIO_DEVICE_FEATURE_MIGRATION: the device's VFIO_MIGRATION_* flags. */
int vfm_migration_flags(const struct vfm_device *dev, uint64_t *flags);
/* True if @flags is one of the four combinations the uAPI defines. */
bool vfm_migration_flags_legal(uint64_t flags);

/* Normalise "1:0.0" or "0000:01:00.0" to the full form; -EINVAL if malformed. */
int vfm_parse_bdf(const char *in, char *out, unsigned long outlen);

/* Module loading (libkmod) and driver binding (driver_override). */
int vfm_load_modules(const char *module_path, const char *params);
int vfm_unload_module(const char *name);
int vfm_bind(const char *bdf, const char *driver);
int vfm_unbind(const char *bdf);

#endif /* VFIOMIG_H */
