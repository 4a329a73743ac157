/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvfiomig's bottom layer, VFIO device access (harness/lib/device):
 * opening a device, DMA mapping and logging, the migration uAPI and its
 * state machine, device names, module loading and driver binding.  It calls
 * nothing else of the library.
 *
 * Functions return 0 (or a non-negative value) on success and a negative
 * errno on failure; they print one line naming the device and the step that
 * failed to stderr, so callers need not repeat it.
 */
#ifndef VFIOMIG_DEVICE_H
#define VFIOMIG_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The rules driver, harness and checker share: mig_flags_legal(), ... */
#include "mock_vfio_rules.h"

struct vfio_precopy_info;	/* <linux/vfio.h> */
struct vfio_device_feature_dma_logging_range;

/*
 * How a device is opened: through its VFIO group and a type1v2 container
 * (/dev/vfio/GROUP, every kernel), or through iommufd and the VFIO device
 * cdev (/dev/vfio/devices/vfioN + /dev/iommu: CONFIG_IOMMUFD and
 * CONFIG_VFIO_DEVICE_CDEV, which Debian's 6.12 lacks).  DEFAULT takes
 * $VFIOMIG_IOMMU ("group" or "iommufd"), else group.
 */
enum vfm_iommu_mode {
	VFM_IOMMU_DEFAULT,
	VFM_IOMMU_GROUP,
	VFM_IOMMU_IOMMUFD,
};

/* An open VFIO device: its device fd and what it was opened through. */
#define VFM_NAME_LEN 40	/* a PCI address or an mdev UUID, with its NUL */

struct vfm_device {
	char bdf[VFM_NAME_LEN];	/* its canonical name (vfm_parse_device()): PCI address or mdev UUID */
	int container_fd;	/* group mode, else -1 */
	int group_fd;		/* group mode, else -1 */
	int fd;
	int group_id;		/* the IOMMU group, in either mode */
	enum vfm_iommu_mode mode;	/* GROUP or IOMMUFD once open */
	int iommufd;		/* iommufd mode: /dev/iommu, else -1 */
	uint32_t ioas_id;	/* iommufd mode: the IOAS the device is attached to */
	uint32_t devid;		/* iommufd mode: VFIO_DEVICE_BIND_IOMMUFD's out_devid */
};

/* Open @bdf in the mode $VFIOMIG_IOMMU names (default: group). */
int vfm_device_open(const char *bdf, struct vfm_device *dev);
/*
 * Open @bdf in @mode.  In iommufd mode, -EOPNOTSUPP when the kernel has no
 * iommufd or no VFIO cdev (vfm_iommufd_available() says which).
 */
int vfm_device_open_mode(const char *bdf, enum vfm_iommu_mode mode, struct vfm_device *dev);
void vfm_device_close(struct vfm_device *dev);
/* $VFIOMIG_IOMMU as a mode; -EINVAL (and a message) if it names none. */
int vfm_iommu_mode_env(void);
const char *vfm_iommu_mode_name(enum vfm_iommu_mode mode);
/*
 * Whether @bdf can be opened in iommufd mode: 0, or -EOPNOTSUPP (the kernel
 * lacks iommufd or the VFIO cdev) or -ENODEV (no such device, not bound to
 * VFIO) with the reason, naming the device, in @why.  Prints nothing.
 */
int vfm_iommufd_available(const char *bdf, char *why, size_t len);

/*
 * Map @size bytes at @vaddr for the device's DMA at @iova (read and write):
 * VFIO_IOMMU_MAP_DMA in group mode, IOMMU_IOAS_MAP with a fixed IOVA in
 * iommufd mode.  Unmap reports in *unmapped how many bytes were mapped
 * there (0 if none).
 */
int vfm_dma_map(const struct vfm_device *dev, void *vaddr, uint64_t iova, uint64_t size);
int vfm_dma_unmap(const struct vfm_device *dev, uint64_t iova, uint64_t size,
		  uint64_t *unmapped);

/*
 * DMA logging (VFIO_DEVICE_FEATURE_DMA_LOGGING_*, dma_log.c): 0 or -errno of
 * the ioctl, quiet (-ENOTTY: the device does not offer it).  START tracks
 * @n @ranges at @page_size; *used_page_size (may be NULL) gets the page
 * size the device chose.  REPORT sets a bit in @bitmap (one per @page_size
 * page of [@iova, @iova + @length)) for every page written since the last
 * REPORT, and never clears one.
 */
int vfm_dma_log_start(const struct vfm_device *dev, uint64_t page_size,
		      const struct vfio_device_feature_dma_logging_range *ranges, uint32_t n,
		      uint64_t *used_page_size);
int vfm_dma_log_stop(const struct vfm_device *dev);
int vfm_dma_log_report(const struct vfm_device *dev, uint64_t iova, uint64_t length,
		       uint64_t page_size, uint64_t *bitmap);

/* VFIO_DEVICE_GET_INFO: the device's VFIO_DEVICE_FLAGS_*. */
int vfm_device_flags(const struct vfm_device *dev, uint32_t *flags);

/* VFIO_DEVICE_FEATURE_MIGRATION: the device's VFIO_MIGRATION_* flags. */
int vfm_migration_flags(const struct vfm_device *dev, uint64_t *flags);
/*
 * Migration state and data transfer (state.c).  Thin wrappers of the uAPI.
 * The calls a caller may make on purpose to provoke an error (SET,
 * DATA_SIZE, PRECOPY info, reading and writing a data_fd) print nothing; the
 * others print one line as usual.
 */
/* GET VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE: an enum vfio_device_mig_state. */
int vfm_get_state(const struct vfm_device *dev, uint32_t *state);
/*
 * SET VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE: 0 or -errno of the ioctl, quiet.
 * *data_fd is the fd of the data transfer session the request started, or
 * -1; with a NULL @data_fd such an fd is closed.
 */
int vfm_set_state(const struct vfm_device *dev, uint32_t state, int *data_fd);
/* VFIO_DEVICE_FEATURE_MIG_DATA_SIZE: the estimated STOP_COPY stream length, quiet. */
int vfm_data_size(const struct vfm_device *dev, uint64_t *bytes);
/*
 * VFIO_MIG_GET_PRECOPY_INFO on a data_fd, quiet.  Sets info->argsz; the
 * caller sets info->flags (the 6.12 uAPI leaves its input meaning open).
 */
int vfm_precopy_info(int data_fd, struct vfio_precopy_info *info);
/* VFIO_DEVICE_RESET: the migration state returns to RUNNING. */
int vfm_reset(const struct vfm_device *dev);
/* "STOP", "RUNNING", ..., "ERROR"; "INVALID" for anything else. */
const char *vfm_state_name(uint32_t state);
/*
 * Read @data_fd to end of stream (read() == 0), appending to *buf (NULL or
 * malloc()ed, *len bytes used).  0 or -errno of the failing read(), quiet;
 * either way *buf and *len hold what was read, and the caller frees *buf.
 */
int vfm_read_all(int data_fd, void **buf, size_t *len);
/* Write all @len bytes in write()s of at most @chunk bytes (0: no limit). */
int vfm_write_all(int data_fd, const void *buf, size_t len, size_t chunk);

/*
 * The migration FSM as the uAPI text defines it (fsm.c): pure logic from a
 * device's VFIO_MIGRATION_* flags, no ioctls.
 */
/* The uAPI's "supported" states: ERROR is one, though it cannot be requested. */
bool vfm_fsm_state_supported(uint64_t flags, uint32_t state);
/* A state that SET may name: supported and not ERROR. */
bool vfm_fsm_state_requestable(uint64_t flags, uint32_t state);
/* Whether the uAPI defines the single arc @from -> @to for this device. */
bool vfm_fsm_is_arc(uint64_t flags, uint32_t from, uint32_t to);
/*
 * The combination transition a SET of @to takes from @cur: path[0..n-1] are
 * the states after @cur, path[n-1] == @to.  Returns n (0 when @cur == @to),
 * -EINVAL when the request must fail (unsupported state, ERROR, a blocked
 * arc) or -ENOSPC when @max is too small.
 */
int vfm_fsm_path(uint64_t flags, uint32_t cur, uint32_t to, uint32_t *path, size_t max);
/* Whether a SET of @to from @cur must succeed. */
bool vfm_fsm_request_ok(uint64_t flags, uint32_t cur, uint32_t to);
/* Whether a successful SET of @to from @cur returns a new data_fd. */
bool vfm_fsm_returns_fd(uint32_t cur, uint32_t to);

/* Normalise "1:0.0" or "0000:01:00.0" to the full form; -EINVAL if malformed. */
int vfm_parse_bdf(const char *in, char *out, unsigned long outlen);
/*
 * A device as a user names it, for every tool and test: a PCI address
 * (DDDD:BB:SS.F or BB:SS.F), a mediated device's UUID, or the sysfs
 * directory of either (/sys/bus/pci/devices/BDF, /sys/bus/mdev/devices/UUID
 * or the /sys/devices/... path they link to).  @out gets the canonical name
 * (the PCI address, or the UUID in lower case); -EINVAL if @in is none of
 * these.  Only a path is looked up: an address or UUID may name no device.
 */
int vfm_parse_device(const char *in, char *out, size_t outlen);
/* Whether canonical name @name is an mdev's (a UUID) rather than a PCI address. */
bool vfm_is_mdev(const char *name);
/* /sys/bus/pci/devices/NAME or /sys/bus/mdev/devices/NAME, then /@sub if any. */
int vfm_sysfs_path(const char *name, const char *sub, char *buf, size_t len);
/* The usage text for a device name, for error messages. */
#define VFM_DEVICE_NAME_HELP \
	"a PCI address DDDD:BB:SS.F, an mdev UUID, or its /sys/bus/{pci,mdev}/devices/ path"

/* Module loading (libkmod) and driver binding (driver_override). */
int vfm_load_modules(const char *module_path, const char *params);
/* Loads @name (e.g. "vfio-pci") and its dependencies unless loaded or built in. */
int vfm_load_module_by_name(const char *name);
int vfm_unload_module(const char *name);
int vfm_bind(const char *bdf, const char *driver);
int vfm_unbind(const char *bdf);
/* The name of the driver @bdf is bound to, or "" when it has none. */
int vfm_current_driver(const char *bdf, char *name, size_t len);
/*
 * For a message about a device that is not where a tool needs it: "it is
 * bound to e1000e", "it has no driver" (or why that cannot be told).
 */
void vfm_describe_driver(const char *bdf, char *out, size_t len);

#endif /* VFIOMIG_DEVICE_H */
