// SPDX-License-Identifier: GPL-2.0-only
/*
 * The emulated BAR0 register file (layout in uapi/mock_vfio_pci.h).
 *
 * BAR0 keeps the size of the function's real BAR0 so config space and the
 * region agree, but none of it reaches the hardware: reads and writes go
 * through the vfio region read/write path to the handlers below, and the
 * region is never offered for mmap.
 */
#include <linux/pci.h>
#include <linux/uaccess.h>

#include "mock.h"

static u64 mock_reg_read(struct mock_device *m, u32 reg)
{
	switch (reg) {
	case MOCK_REG_ID:
		return MOCK_ID;
	case MOCK_REG_VERSION:
		return MOCK_REGS_VERSION;
	case MOCK_REG_MEM_SIZE:
		return m->model.mem_size;
	case MOCK_REG_PAGE_SIZE:
		return MOCK_PAGE_SIZE;
	case MOCK_REG_MIG_STATE:
		return READ_ONCE(m->mig.state);
	case MOCK_REG_MEM_ADDR:
		return m->model.regs.mem_addr;
	case MOCK_REG_WL_CTRL:
		return m->model.regs.wl_ctrl;
	case MOCK_REG_WL_RATE:
		return m->model.regs.wl_rate;
	case MOCK_REG_WL_SEED:
		return m->model.regs.wl_seed;
	case MOCK_REG_WL_WRITES:
		return m->model.regs.wl_writes;
	case MOCK_REG_DIGEST:
		return m->model.digest_latch = mock_digest(m);
	case MOCK_REG_DROPPED_WRITES:
		return m->model.dropped_writes;
	case MOCK_REG_FABRIC_ID:
		return m->fabric.id;
	case MOCK_REG_P2P_PEER:
		return m->p2p.peer;
	case MOCK_REG_P2P_WIN_OFF:
		return m->p2p.win_off;
	case MOCK_REG_P2P_WIN_SIZE:
		return m->p2p.win_size;
	case MOCK_REG_P2P_RATE:
		return m->p2p.rate;
	case MOCK_REG_P2P_TX:
		return m->p2p.tx;
	case MOCK_REG_P2P_RX:
		return m->p2p.rx;
	case MOCK_REG_P2P_DROPPED:
		return m->p2p.dropped;
	case MOCK_REG_DMA_BASE:
		return m->dma.base;
	case MOCK_REG_DMA_SIZE:
		return m->dma.size;
	case MOCK_REG_DMA_CTRL:
		return m->dma.ctrl;
	case MOCK_REG_DMA_RATE:
		return m->dma.rate;
	case MOCK_REG_DMA_SEED:
		return m->dma.seed;
	case MOCK_REG_DMA_WRITES:
		return m->dma.writes;
	case MOCK_REG_DMA_FAULTS:
		return m->dma.faults;
	case MOCK_REG_COPY_SRC:
		return m->copy.src;
	case MOCK_REG_COPY_DST:
		return m->copy.dst;
	case MOCK_REG_COPY_SIZE:
		return m->copy.size;
	case MOCK_REG_COPY_COUNT:
		return m->copy.count;
	case MOCK_REG_COPY_STATUS:
		return m->copy.status;
	case MOCK_REG_COPY_BYTES:
		return m->copy.bytes;
	}
	return 0;
}

/*
 * MEM_DATA: device memory at MEM_ADDR; all-ones beyond the end, and while a
 * resume session loads it (a half-restored state is no state to show).
 */
static u64 mock_mem_read(struct mock_device *m, size_t size)
{
	u64 addr = m->model.regs.mem_addr, val = 0;

	if (m->model.loading || addr % size || addr > m->model.mem_size - size)
		return size == 8 ? ~0ULL : ~0U;
	memcpy(&val, m->model.mem + addr, size);
	/* Reading has a side effect, so a stopped device does not advance. */
	if (m->model.active)
		m->model.regs.mem_addr += size;
	return le64_to_cpu((__force __le64)val);
}

static void mock_mem_write(struct mock_device *m, u64 val, size_t size)
{
	u64 addr = m->model.regs.mem_addr;
	__le64 le = cpu_to_le64(val);

	if (m->model.loading || addr % size || addr > m->model.mem_size - size)
		return;		/* like a master abort: dropped */
	memcpy(m->model.mem + addr, &le, size);
	mock_page_modified(m, addr / MOCK_PAGE_SIZE);
	m->model.regs.mem_addr += size;
}

/* Replace the bytes of a 64-bit register that a 4-byte access covers. */
static u64 mock_merge(u64 old, u64 val, u32 off, size_t size)
{
	if (size == 8)
		return val;
	if (off & 4)
		return (old & 0xffffffffULL) | (val << 32);
	return (old & ~0xffffffffULL) | (u32)val;
}

static void mock_reg_write(struct mock_device *m, u32 reg, u32 off, u64 val,
			   size_t size)
{
	switch (reg) {
	case MOCK_REG_MEM_ADDR:
		m->model.regs.mem_addr = mock_merge(m->model.regs.mem_addr, val, off, size);
		break;
	case MOCK_REG_MEM_DATA:
		mock_mem_write(m, val, size);
		break;
	case MOCK_REG_WL_CTRL:
		m->model.regs.wl_ctrl = val & MOCK_WL_CTRL_ENABLE;
		mock_wl_kick(m);
		break;
	case MOCK_REG_WL_RATE:
		m->model.regs.wl_rate = min_t(u64, (u32)val, MOCK_MAX_WL_RATE);
		mock_wl_kick(m);
		break;
	case MOCK_REG_WL_SEED:
		m->model.regs.wl_seed = mock_merge(m->model.regs.wl_seed, val, off, size);
		m->model.regs.wl_prng = m->model.regs.wl_seed;
		break;
	case MOCK_REG_P2P_PEER:
		m->p2p.peer = val;
		mock_wl_kick(m);
		break;
	case MOCK_REG_P2P_WIN_OFF:
		/* Writes are 64-byte aligned, so none crosses a page. */
		m->p2p.win_off = mock_merge(m->p2p.win_off, val, off, size) &
				 ~(u64)(MOCK_P2P_WRITE_BYTES - 1);
		break;
	case MOCK_REG_P2P_WIN_SIZE:
		m->p2p.win_size = mock_merge(m->p2p.win_size, val, off, size);
		mock_wl_kick(m);
		break;
	case MOCK_REG_P2P_RATE:
		m->p2p.rate = min_t(u64, (u32)val, MOCK_MAX_WL_RATE);
		mock_wl_kick(m);
		break;
	case MOCK_REG_DMA_BASE:
		m->dma.base = mock_merge(m->dma.base, val, off, size) &
			      ~(u64)(MOCK_PAGE_SIZE - 1);
		break;
	case MOCK_REG_DMA_SIZE:
		m->dma.size = mock_merge(m->dma.size, val, off, size) &
			      ~(u64)(MOCK_PAGE_SIZE - 1);
		mock_wl_kick(m);
		break;
	case MOCK_REG_DMA_CTRL:
		m->dma.ctrl = val & MOCK_DMA_CTRL_ENABLE;
		mock_wl_kick(m);
		break;
	case MOCK_REG_DMA_RATE:
		m->dma.rate = min_t(u64, (u32)val, MOCK_MAX_WL_RATE);
		mock_wl_kick(m);
		break;
	case MOCK_REG_DMA_SEED:
		m->dma.seed = mock_merge(m->dma.seed, val, off, size);
		m->dma.prng = m->dma.seed;
		break;
	case MOCK_REG_COPY_SRC:
		m->copy.src = mock_merge(m->copy.src, val, off, size);
		break;
	case MOCK_REG_COPY_DST:
		m->copy.dst = mock_merge(m->copy.dst, val, off, size);
		break;
	case MOCK_REG_COPY_SIZE:
		m->copy.size = mock_merge(m->copy.size, val, off, size);
		break;
	case MOCK_REG_COPY_COUNT:
		m->copy.count = val;
		break;
	case MOCK_REG_COPY_CTRL:
		if (val & MOCK_COPY_CTRL_START)
			mock_copy_start(m);
		break;
	case MOCK_REG_DEV_CTRL:
		if (val & MOCK_DEV_CTRL_REINIT)
			mock_model_reinit(m);
		break;
	}
}

/* The register an access at @off belongs to (64-bit ones span 8 bytes). */
static u32 mock_reg_of(u32 off)
{
	return mock_reg_is64(off & ~7u) ? off & ~7u : off;
}

/**
 * mock_bar0_rw() - a user read or write of BAR0
 * @m: the device
 * @buf: user buffer
 * @count: 4 or 8
 * @pos: offset into BAR0, aligned to @count
 * @write: direction
 *
 * Returns @count, or -EINVAL for a bad size, alignment or offset, -EFAULT.
 */
ssize_t mock_bar0_rw(struct mock_device *m, char __user *buf, size_t count,
		     loff_t pos, bool write)
{
	resource_size_t bar_len = pci_resource_len(m->core.pdev, 0);
	u32 off = pos, reg;
	u64 val = 0;

	if ((count != 4 && count != 8) || pos % count || pos + count > bar_len) {
		dev_warn_ratelimited(mock_dev(m),
				     "BAR0 access of %zu bytes at 0x%llx rejected: need 4 or 8 bytes, naturally aligned, inside the BAR\n",
				     count, (unsigned long long)pos);
		return -EINVAL;
	}
	if (off >= MOCK_REG_END) {
		if (!write && clear_user(buf, count))
			return -EFAULT;
		return count;
	}
	reg = mock_reg_of(off);
	if (count == 8 && !mock_reg_is64(reg) && reg != MOCK_REG_MEM_DATA) {
		dev_warn_ratelimited(mock_dev(m),
				     "BAR0 8-byte access at 0x%x: the register there is 32-bit\n",
				     off);
		return -EINVAL;
	}

	if (write) {
		if (copy_from_user(&val, buf, count))
			return -EFAULT;
		val = le64_to_cpu((__force __le64)val);
		mock_reg_access(m, off, &val, count, true);
		return count;
	}
	mock_reg_access(m, off, &val, count, false);
	val = (__force u64)cpu_to_le64(val);
	if (copy_to_user(buf, &val, count))
		return -EFAULT;
	return count;
}

/**
 * mock_reg_access() - one register access, from BAR0 or from debugfs
 * @m: the device
 * @off: offset of the access in the register file, below MOCK_REG_END
 * @val: the value written, or where the value read goes
 * @size: 4 or 8, @off aligned to it (8 only for 64-bit registers and MEM_DATA)
 * @write: direction
 *
 * The caller has checked @off and @size.  A write while the device is
 * stopped is dropped and counted, like any BAR0 write then.
 */
void mock_reg_access(struct mock_device *m, u32 off, u64 *val, size_t size, bool write)
{
	u32 reg = mock_reg_of(off);

	mutex_lock(&m->mem_lock);
	if (write) {
		if (m->model.active)
			mock_reg_write(m, reg, off, *val, size);
		else
			m->model.dropped_writes++;
	} else if (reg == MOCK_REG_MEM_DATA) {
		*val = mock_mem_read(m, size);
	} else if (reg == MOCK_REG_DIGEST && off != reg) {
		*val = m->model.digest_latch >> 32;	/* high half of the last read */
	} else if (off != reg) {
		*val = mock_reg_read(m, reg) >> 32;	/* high half */
	} else {
		*val = mock_reg_read(m, reg);
	}
	mutex_unlock(&m->mem_lock);
}

/* BAR0: read/write, no mmap and no capabilities, whatever the real BAR offers. */
static void mock_bar0_region_info(struct mock_device *m, struct vfio_region_info *info)
{
	info->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	info->cap_offset = 0;
	info->size = pci_resource_len(m->core.pdev, 0);
	info->offset = VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_BAR0_REGION_INDEX);
}

/**
 * mock_region_info() - VFIO_DEVICE_GET_REGION_INFO for BAR0
 * @m: the device
 * @arg: user struct vfio_region_info
 */
long mock_region_info(struct mock_device *m, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	mock_bar0_region_info(m, &info);
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

#ifdef HAVE_VFIO_GET_REGION_INFO_CAPS
/**
 * mock_get_region_info_caps() - &vfio_device_ops.get_region_info_caps
 * @vdev: the device
 * @info: the region info the core copied in, filled in here
 * @caps: its capabilities (none for BAR0)
 */
int mock_get_region_info_caps(struct vfio_device *vdev,
			      struct vfio_region_info *info,
			      struct vfio_info_cap *caps)
{
	if (info->index != VFIO_PCI_BAR0_REGION_INDEX)
		return vfio_pci_ioctl_get_region_info(vdev, info, caps);
	mock_bar0_region_info(to_mock(vdev), info);
	return 0;
}
#endif
