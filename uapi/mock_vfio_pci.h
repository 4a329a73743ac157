/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * mock-vfio-pci: the interface shared by the driver, the harness and the
 * selftests.  Everything a user of the mock device can rely on is defined
 * here; Documentation/device-uapi.rst describes it in prose.
 */
#ifndef _UAPI_MOCK_VFIO_PCI_H
#define _UAPI_MOCK_VFIO_PCI_H

/* The name to write to a PCI function's driver_override to bind it. */
#define MOCK_VFIO_PCI_DRIVER_NAME	"mock-vfio-pci"

#endif /* _UAPI_MOCK_VFIO_PCI_H */
