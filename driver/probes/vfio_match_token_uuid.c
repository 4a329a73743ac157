// SPDX-License-Identifier: GPL-2.0-only
/*
 * After Linux 6.12 (present in 7.3): the VF token is checked through
 * vfio_device_ops.match_token_uuid, which vfio_pci_core_match() calls
 * unconditionally.
 */
#include <linux/vfio_pci_core.h>

extern const struct vfio_device_ops mock_probe_ops;
const struct vfio_device_ops mock_probe_ops = {
	.match_token_uuid = vfio_pci_core_match_token_uuid,
};
