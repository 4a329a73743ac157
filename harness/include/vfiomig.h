/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvfiomig: the VMM side of VFIO live migration, as a small C library.
 * This header brings in all of it; each layer has its own header in
 * vfiomig/, and a program that needs one layer may include just that one
 * (the conformance suite includes vfiomig/device.h only).  Layers, from the
 * bottom up (Documentation/design.rst, "The harness's layers"):
 *
 *   device.h     VFIO device access: open, DMA mapping and logging, the
 *                migration uAPI and its state machine, names, binding
 *   stream.h     the migration stream: framing, writer, checking parser
 *   ring.h       the stream's shared-memory transport
 *   ram.h        guest RAM: the buffer, dirty tracking, its stream records
 *   mock.h       mock-vfio-pci's client: registers, sysfs, debugfs, monitor
 *   mockstream.h mock-vfio-pci's own stream records
 *   migration.h  the source and destination roles: QEMU's discipline
 *
 * Functions return 0 (or a non-negative value) on success and a negative
 * errno on failure; they print one line naming the device and the step that
 * failed to stderr, so callers need not repeat it (unless their header says
 * they are quiet).
 */
#ifndef VFIOMIG_H
#define VFIOMIG_H

#include "vfiomig/device.h"
#include "vfiomig/stream.h"
#include "vfiomig/ring.h"
#include "vfiomig/ram.h"
#include "vfiomig/mock.h"
#include "vfiomig/mockstream.h"
#include "vfiomig/migration.h"

#endif /* VFIOMIG_H */
