/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What differs between the kernels the driver builds against (Debian's 6.12
 * and mainline 7.x), decided by driver/Kbuild's feature probes
 * (driver/probes/NAME.c defines HAVE_NAME), never by version numbers.
 *
 *   HAVE_VFIO_PRECOPY_INFO_V2     the core takes the MIG_PRECOPY_INFOv2
 *                                 opt-in (vfio_device.precopy_info_v2,
 *                                 cleared on close) and offers
 *                                 vfio_check_precopy_ioctl(); without it
 *                                 the driver takes the opt-in itself
 *                                 (mock_device_feature()) and checks the
 *                                 ioctl with the same code as the helper.
 *   HAVE_VFIO_GET_REGION_INFO_CAPS  VFIO_DEVICE_GET_REGION_INFO goes to
 *                                 vfio_device_ops.get_region_info_caps,
 *                                 no longer to .ioctl.
 *   HAVE_VFIO_MATCH_TOKEN_UUID    vfio_pci_core_match() calls
 *                                 vfio_device_ops.match_token_uuid, which
 *                                 must be set.
 *   HAVE_MODULE_IMPORT_NS_IDENT   MODULE_IMPORT_NS() takes an identifier,
 *                                 not a string literal.
 *
 * The driver emulates BAR0 and never maps the real one, so the change from
 * vfio_pci_core_setup_barmap() to vfio_pci_core_get_iomap() (7.2) does not
 * concern it.  On a kernel whose core keeps the opt-in, the
 * MOCK_BUG_ECHO_FLAGS build cannot echo the user's flags after it:
 * vfio_check_precopy_ioctl() has already cleared them.
 */
#ifndef MOCK_VFIO_PCI_COMPAT_H
#define MOCK_VFIO_PCI_COMPAT_H

#include <linux/uaccess.h>
#include <linux/vfio.h>

#ifndef HAVE_PROBE_WORKS
/* driver/Kbuild's probe command is broken: see driver/probes/probe_works.c */
#error "driver/Kbuild's feature probes do not compile against this kernel"
#endif

#ifdef HAVE_MODULE_IMPORT_NS_IDENT
#define MOCK_NS_IOMMUFD IOMMUFD
#else
#define MOCK_NS_IOMMUFD "IOMMUFD"
#endif

/* The user opted in to MIG_PRECOPY_INFOv2 on this open of the device. */
static inline bool mock_compat_precopy_v2(struct vfio_device *vdev,
					  const bool *own_opt_in)
{
#ifdef HAVE_VFIO_PRECOPY_INFO_V2
	return READ_ONCE(vdev->precopy_info_v2);
#else
	return READ_ONCE(*own_opt_in);
#endif
}

#ifdef HAVE_VFIO_PRECOPY_INFO_V2
#define mock_check_precopy_ioctl vfio_check_precopy_ioctl
#else
/* vfio_check_precopy_ioctl() of Linux 7.1, less the opt-in it cannot see. */
static inline int mock_check_precopy_ioctl(struct vfio_device *vdev,
					   unsigned int cmd, unsigned long arg,
					   struct vfio_precopy_info *info)
{
	unsigned long minsz = offsetofend(struct vfio_precopy_info, dirty_bytes);

	if (cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	if (copy_from_user(info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info->argsz < minsz)
		return -EINVAL;
	return 0;
}
#endif

#ifdef HAVE_VFIO_GET_REGION_INFO_CAPS
/* bar0.c: BAR0's region info, the rest from vfio-pci-core. */
int mock_get_region_info_caps(struct vfio_device *vdev,
			      struct vfio_region_info *info,
			      struct vfio_info_cap *caps);
#endif

#endif /* MOCK_VFIO_PCI_COMPAT_H */
