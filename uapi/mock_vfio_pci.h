/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * mock-vfio-pci: the interface shared by the driver, the harness and the
 * selftests.  Everything a user of the mock device can rely on is defined
 * here; Documentation/device-uapi.rst and Documentation/stream-format.rst
 * describe it in prose.
 */
#ifndef _UAPI_MOCK_VFIO_PCI_H
#define _UAPI_MOCK_VFIO_PCI_H

#include <linux/const.h>
#include <linux/types.h>

/* The name to write to a PCI function's driver_override to bind it. */
#define MOCK_VFIO_PCI_DRIVER_NAME	"mock-vfio-pci"

/*
 * Features of Linux 7.1's uAPI that the driver implements itself on 6.12
 * (the 6.12 core passes unknown feature indices to the driver).
 */
#define MOCK_FEATURE_PRECOPY_INFO_V2		12	/* MIG_PRECOPY_INFOv2 */
#ifndef VFIO_PRECOPY_INFO_REINIT
#define VFIO_PRECOPY_INFO_REINIT		_BITUL(0)
#endif

/*
 * BAR0 register file.  BAR0 is emulated by the driver (never mmap-able); it
 * keeps the size of the underlying function's BAR0 and the registers sit at
 * its start.  Accesses must be 4 or 8 bytes wide and naturally aligned, and
 * 8 bytes only on 64-bit registers (anything else: -EINVAL).  64-bit
 * registers may also be accessed as two 4-byte halves (low at the offset,
 * high at offset + 4).  Offsets past MOCK_REG_END read as 0 and ignore
 * writes.  MEM_DATA accesses need MEM_ADDR aligned to their width and
 * MEM_ADDR + width <= MEM_SIZE; otherwise reads return all-ones and writes
 * are dropped; MEM_DATA is the one 32-bit register that also takes 8-byte
 * accesses (8 bytes of memory).  WL_RATE, P2P_RATE and DMA_RATE are capped
 * at 1000000 per second; P2P_WIN_OFF keeps 64-byte alignment (low bits read
 * 0), DMA_BASE and DMA_SIZE keep 4096-byte alignment.
 *
 * While the device is stopped (migration state STOP, STOP_COPY or RESUMING)
 * every register reads normally, but no access changes device state: writes
 * are dropped and counted in MOCK_REG_DROPPED_WRITES, and MEM_DATA reads do
 * not advance MEM_ADDR.  Nothing outside the user's own accesses is affected.
 */
#define MOCK_REG_ID			0x000	/* RO: MOCK_ID */
#define MOCK_REG_VERSION		0x004	/* RO: register file major << 16 | minor */
#define MOCK_REG_MEM_SIZE		0x008	/* RO 64: device memory bytes */
#define MOCK_REG_PAGE_SIZE		0x010	/* RO: device page size (4096) */
#define MOCK_REG_MIG_STATE		0x014	/* RO: enum vfio_device_mig_state */
#define MOCK_REG_MEM_ADDR		0x018	/* RW 64: offset for MEM_DATA */
#define MOCK_REG_MEM_DATA		0x020	/* RW: memory at MEM_ADDR; advances MEM_ADDR */
#define MOCK_REG_WL_CTRL		0x028	/* RW: MOCK_WL_CTRL_* */
#define MOCK_REG_WL_RATE		0x02c	/* RW: pages per second the workload dirties */
#define MOCK_REG_WL_SEED		0x030	/* RW 64: writing it reseeds the workload PRNG */
#define MOCK_REG_WL_WRITES		0x038	/* RO 64: page writes the workload has made */
#define MOCK_REG_DIGEST			0x040	/* RO 64: hash of the whole device state */
#define MOCK_REG_DEV_CTRL		0x048	/* WO: MOCK_DEV_CTRL_* commands */
#define MOCK_REG_DROPPED_WRITES		0x050	/* RO 64: writes dropped while stopped */
#define MOCK_REG_FABRIC_ID		0x058	/* RO: this device's P2P fabric id */
#define MOCK_REG_P2P_PEER		0x05c	/* RW: fabric id P2P writes go to; 0: none */
#define MOCK_REG_P2P_WIN_OFF		0x060	/* RW 64: window start in the peer's memory */
#define MOCK_REG_P2P_WIN_SIZE		0x068	/* RW 64: window length (>= 64 bytes) */
#define MOCK_REG_P2P_RATE		0x070	/* RW: P2P writes per second */
#define MOCK_REG_P2P_TX			0x078	/* RO 64: P2P writes delivered */
#define MOCK_REG_P2P_RX			0x080	/* RO 64: P2P writes received */
#define MOCK_REG_P2P_DROPPED		0x088	/* RO 64: P2P writes a stopped peer dropped */
#define MOCK_REG_DMA_BASE		0x090	/* RW 64: IOVA window start (low 12 bits read 0) */
#define MOCK_REG_DMA_SIZE		0x098	/* RW 64: IOVA window length (low 12 bits read 0) */
#define MOCK_REG_DMA_CTRL		0x0a0	/* RW: MOCK_DMA_CTRL_* */
#define MOCK_REG_DMA_RATE		0x0a4	/* RW: DMA writes per second */
#define MOCK_REG_DMA_SEED		0x0a8	/* RW 64: writing it reseeds the DMA PRNG */
#define MOCK_REG_DMA_WRITES		0x0b0	/* RO 64: DMA writes that reached memory */
#define MOCK_REG_DMA_FAULTS		0x0b8	/* RO 64: DMA writes to unmapped IOVAs */
#define MOCK_REG_COPY_SRC		0x0c0	/* RW 64: copy engine: source IOVA */
#define MOCK_REG_COPY_DST		0x0c8	/* RW 64: destination IOVA */
#define MOCK_REG_COPY_SIZE		0x0d0	/* RW 64: bytes per copy */
#define MOCK_REG_COPY_COUNT		0x0d8	/* RW: copies per start */
#define MOCK_REG_COPY_CTRL		0x0dc	/* WO: MOCK_COPY_CTRL_START */
#define MOCK_REG_COPY_STATUS		0x0e0	/* RO: MOCK_COPY_STATUS_* */
#define MOCK_REG_COPY_BYTES		0x0e8	/* RO 64: bytes the copy engine wrote */
#define MOCK_REG_END			0x0f0

/* The 64-bit registers (8-byte accesses allowed), for driver and users alike. */
static inline int mock_reg_is64(__u32 reg)
{
	switch (reg) {
	case MOCK_REG_MEM_SIZE:
	case MOCK_REG_MEM_ADDR:
	case MOCK_REG_WL_SEED:
	case MOCK_REG_WL_WRITES:
	case MOCK_REG_DIGEST:
	case MOCK_REG_DROPPED_WRITES:
	case MOCK_REG_P2P_WIN_OFF:
	case MOCK_REG_P2P_WIN_SIZE:
	case MOCK_REG_P2P_TX:
	case MOCK_REG_P2P_RX:
	case MOCK_REG_P2P_DROPPED:
	case MOCK_REG_DMA_BASE:
	case MOCK_REG_DMA_SIZE:
	case MOCK_REG_DMA_SEED:
	case MOCK_REG_DMA_WRITES:
	case MOCK_REG_DMA_FAULTS:
	case MOCK_REG_COPY_SRC:
	case MOCK_REG_COPY_DST:
	case MOCK_REG_COPY_SIZE:
	case MOCK_REG_COPY_BYTES:
		return 1;
	}
	return 0;
}

/*
 * P2P fabric: every mock device has a fabric id (MOCK_REG_FABRIC_ID and
 * sysfs mock/fabric_id, never 0).  A device programmed with a peer, a window
 * and a rate writes MOCK_P2P_WRITE_BYTES bytes of PRNG data at random
 * 64-byte-aligned offsets of the window in the peer's memory, while it may
 * initiate P2P (RUNNING, PRE_COPY).  The P2P registers are wiring, not
 * device state: they are not migrated and not in the digest; the data a
 * device received is.  A write reaching a peer in STOP, STOP_COPY or
 * RESUMING is dropped and recorded as a P-5 violation.
 */
#define MOCK_P2P_WRITE_BYTES		64

/*
 * DMA engine (Documentation/dma.rst): a device programmed with an IOVA window,
 * a rate and MOCK_DMA_CTRL_ENABLE writes MOCK_DMA_WRITE_BYTES bytes of PRNG
 * data (seeded by DMA_SEED) at random 64-byte-aligned IOVAs of the window,
 * into the user's memory through its VFIO container mappings, while it runs
 * (RUNNING, RUNNING_P2P, PRE_COPY, PRE_COPY_P2P).  A write to an IOVA that is
 * not mapped writable is counted in DMA_FAULTS and goes nowhere.  The DMA
 * registers are wiring, like the P2P ones: not migrated, not in the digest.
 * With DMA logging (VFIO_DEVICE_FEATURE_DMA_LOGGING_*, offered only by kernels
 * with CONFIG_IOMMUFD_DRIVER) these writes are what the device logs.
 */
#define MOCK_DMA_WRITE_BYTES		64
#define MOCK_DMA_CTRL_ENABLE		_BITUL(0)

/*
 * Copy engine (Documentation/dma.rst): writing MOCK_COPY_CTRL_START copies
 * COPY_SIZE bytes from the IOVA COPY_SRC to the IOVA COPY_DST, COPY_COUNT
 * times, reading and writing the user's memory through its VFIO container
 * mappings, in the background: COPY_STATUS reads MOCK_COPY_STATUS_BUSY until
 * it is done.  A start while busy, or with COPY_SIZE or COPY_COUNT 0, is
 * ignored.  The copy ends early with MOCK_COPY_STATUS_FAULT at the first
 * IOVA not mapped (readable at the source, writable at the destination),
 * and with MOCK_COPY_STATUS_STOPPED when the device stops (it copies only
 * while it runs, as the DMA engine writes); each start clears both.  The
 * copy registers are wiring: not migrated, not in the digest.
 */
#define MOCK_COPY_CTRL_START		_BITUL(0)
#define MOCK_COPY_STATUS_BUSY		_BITUL(0)
#define MOCK_COPY_STATUS_FAULT		_BITUL(1)
#define MOCK_COPY_STATUS_STOPPED	_BITUL(2)

#define MOCK_ID				0x4b434f4d	/* "MOCK" */
#define MOCK_REGS_VERSION		0x00010001	/* 1.1: the copy engine */
#define MOCK_PAGE_SIZE			4096

#define MOCK_WL_CTRL_ENABLE		_BITUL(0)

/*
 * Re-initialise the device's migration state during PRE_COPY: all device
 * state must be sent again.  With the MIG_PRECOPY_INFOv2 opt-in the next
 * VFIO_MIG_GET_PRECOPY_INFO reports VFIO_PRECOPY_INFO_REINIT and initial_bytes
 * restarts; without it the pages are reported as dirty_bytes instead.
 */
#define MOCK_DEV_CTRL_REINIT		_BITUL(0)

/*
 * The migration stream (Documentation/stream-format.rst).  All integers are
 * little-endian.  A stream is a sequence of records, each a struct
 * mock_rec_hdr followed by `len` payload bytes:
 *
 *   HEADER  (exactly once, first)   struct mock_stream_header
 *   PAGE    (any number)            one device page; `arg` is its index
 *   SOURCE  (optional, minor >= 1)  struct mock_stream_source
 *   REGS    (exactly once)          struct mock_stream_regs
 *   END     (exactly once, last)    struct mock_stream_end
 *
 * Every page of device memory appears in at least one PAGE record; a later
 * record for the same page replaces an earlier one.  Record types with
 * MOCK_REC_F_OPTIONAL set may be skipped by a reader that does not know them.
 */
#define MOCK_STREAM_MAGIC		0x53464d4b434f4dULL	/* "MOCKMFS\0" */
#define MOCK_STREAM_MAJOR		1
#define MOCK_STREAM_MINOR		1
#define MOCK_STREAM_MAX_PAYLOAD		(64 * 1024)	/* any record */

enum mock_rec_type {
	MOCK_REC_HEADER	= 1,
	MOCK_REC_PAGE	= 2,
	MOCK_REC_REGS	= 3,
	MOCK_REC_END	= 4,
	MOCK_REC_SOURCE	= 5,	/* written with MOCK_REC_F_OPTIONAL */
};

#define MOCK_REC_F_OPTIONAL		_BITUL(0)

/* hdr_csum: low 32 bits of xxh64(header with hdr_csum = 0, seed 0). */
struct mock_rec_hdr {
	__le16 type;
	__le16 flags;
	__le32 hdr_csum;
	__le64 arg;		/* PAGE: page index; 0 otherwise */
	__le64 len;		/* payload bytes */
	__le64 csum;		/* xxh64(payload, seed 0) */
};

struct mock_stream_header {
	__le64 magic;
	__le16 major;
	__le16 minor;
	__le32 features;	/* none defined: must be 0 */
	__le64 mem_size;	/* must equal the destination's */
	__le32 page_size;	/* must be MOCK_PAGE_SIZE */
	__le32 reserved;	/* must be 0 */
};

struct mock_stream_regs {
	__le64 mem_addr;
	__le64 wl_seed;
	__le64 wl_prng;		/* the workload PRNG's current state */
	__le64 wl_writes;
	__le32 wl_ctrl;
	__le32 wl_rate;
};

struct mock_stream_source {
	char name[32];		/* the source device, NUL-terminated */
	__le64 save_ns;		/* CLOCK_MONOTONIC of the source when saving began */
};

/*
 * Errors of a RESUMING data_fd's write() (each also logged once, ratelimited):
 *   EPROTO           not a mock-vfio-pci stream (first record not a HEADER,
 *                    bad magic), or records out of order (second HEADER or
 *                    REGS, PAGE after REGS, anything after END, END before
 *                    REGS and every page)
 *   EPROTONOSUPPORT  unsupported major version
 *   EBADMSG          record header or payload checksum mismatch, or the END
 *                    digest differs from the digest of the state received
 *   EOPNOTSUPP       unknown record type without MOCK_REC_F_OPTIONAL
 *   EINVAL           incompatible configuration: mem_size, page_size,
 *                    features or reserved fields differ from this device's
 *   ERANGE           record content out of range: PAGE index past the end of
 *                    device memory, payload length wrong for the record type,
 *                    register values the device cannot hold (WL_CTRL bits,
 *                    WL_RATE above the cap)
 *   EFBIG            record payload longer than MOCK_STREAM_MAX_PAYLOAD
 *   EIO              any write after the stream was rejected
 * and of leaving RESUMING (RESUMING->STOP):
 *   ENODATA          the stream is incomplete (no END record yet, or a record
 *                    cut short), or it was rejected; the device stays RESUMING
 *                    with its previous state untouched.  An incomplete stream
 *                    may still be completed on the same data_fd; a rejected
 *                    one needs VFIO_DEVICE_RESET.
 */

/* digest: MOCK_REG_DIGEST of the source when the stream ended. */
struct mock_stream_end {
	__le64 digest;
};

#endif /* _UAPI_MOCK_VFIO_PCI_H */
