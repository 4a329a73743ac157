// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-device configuration in sysfs: /sys/bus/pci/devices/<BDF>/mock/.
 *
 *   mem_size         device memory in bytes (RW while the device is not open)
 *   migration_flags  VFIO_MIGRATION_* flags, 1, 3, 5 or 7 (RW while not open)
 *   stream_minor     minor version of the streams the device emits (RW)
 *   migration_state  current migration state, by name (RO)
 *   fabric_id        P2P fabric id (RO)
 *   group            the VM this device belongs to for the monitor's
 *                    multi-device rules: 0 (default) means "the process that
 *                    opened it"; any other value groups devices explicitly (RW)
 *   dma_logging      1 if the device offers VFIO DMA logging, 0 on kernels
 *                    without CONFIG_IOMMUFD_DRIVER (RO)
 */
#include <linux/device.h>
#include <linux/pci.h>
#include <linux/sysfs.h>

#include "mock.h"

u32 mock_default_stream_minor = MOCK_STREAM_MINOR;

static struct mock_device *dev_to_mock(struct device *dev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(dev);

	return container_of(core, struct mock_device, core);
}

/* Take state_mutex if the device is not open; -EBUSY (and say so) if it is. */
static int mock_lock_closed(struct mock_device *m, const char *attr)
{
	mutex_lock(&m->state_mutex);
	if (m->mig.opened) {
		mock_state_mutex_unlock(m);
		dev_warn_ratelimited(mock_dev(m),
				     "%s can only change while the device is not open\n", attr);
		return -EBUSY;
	}
	return 0;
}

static ssize_t mem_size_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%llu\n", dev_to_mock(dev)->model.mem_size);
}

static ssize_t mem_size_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t count)
{
	struct mock_device *m = dev_to_mock(dev);
	u64 size;
	int ret;

	ret = kstrtou64(buf, 0, &size);
	if (ret)
		return ret;
	if (!size || size % MOCK_PAGE_SIZE || size > MOCK_MAX_MEM_SIZE) {
		dev_warn_ratelimited(dev, "mem_size %llu: must be a non-zero multiple of %u up to %llu\n",
				     size, MOCK_PAGE_SIZE, MOCK_MAX_MEM_SIZE);
		return -EINVAL;
	}
	ret = mock_lock_closed(m, "mem_size");
	if (ret)
		return ret;
	ret = mock_state_alloc(m, size);
	mock_state_mutex_unlock(m);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(mem_size);

static ssize_t migration_flags_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_mock(dev)->core.vdev.migration_flags);
}

static ssize_t migration_flags_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	struct mock_device *m = dev_to_mock(dev);
	u32 flags;
	int ret;

	ret = kstrtou32(buf, 0, &flags);
	if (ret)
		return ret;
	if (!mig_flags_legal(flags)) {
		dev_warn_ratelimited(dev, "migration_flags %u: must be 1, 3, 5 or 7\n", flags);
		return -EINVAL;
	}
	ret = mock_lock_closed(m, "migration_flags");
	if (ret)
		return ret;
	m->core.vdev.migration_flags = flags;
	mock_state_mutex_unlock(m);
	return count;
}
static DEVICE_ATTR_RW(migration_flags);

static ssize_t stream_minor_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(dev_to_mock(dev)->mig.stream_minor));
}

static ssize_t stream_minor_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct mock_device *m = dev_to_mock(dev);
	u32 minor;
	int ret;

	ret = kstrtou32(buf, 0, &minor);
	if (ret)
		return ret;
	if (minor > MOCK_STREAM_MINOR) {
		dev_warn_ratelimited(dev, "stream_minor %u: must be 0 to %u\n",
				     minor, MOCK_STREAM_MINOR);
		return -EINVAL;
	}
	mutex_lock(&m->state_mutex);
	m->mig.stream_minor = minor;	/* applies to the next save session */
	mock_state_mutex_unlock(m);
	return count;
}
static DEVICE_ATTR_RW(stream_minor);

static ssize_t migration_state_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", mig_state_name(READ_ONCE(dev_to_mock(dev)->mig.state)));
}
static DEVICE_ATTR_RO(migration_state);

static ssize_t fabric_id_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_mock(dev)->fabric.id);
}
static DEVICE_ATTR_RO(fabric_id);

static ssize_t group_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(dev_to_mock(dev)->fabric.group));
}

static ssize_t group_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	u32 group;
	int ret;

	ret = kstrtou32(buf, 0, &group);
	if (ret)
		return ret;
	WRITE_ONCE(dev_to_mock(dev)->fabric.group, group);
	return count;
}
static DEVICE_ATTR_RW(group);

static ssize_t dma_logging_show(struct device *dev, struct device_attribute *attr,
				char *buf)
{
	return sysfs_emit(buf, "%d\n", mock_log_offered(dev_to_mock(dev)));
}
static DEVICE_ATTR_RO(dma_logging);

/*
 * What the device held in all during its last resume session: memory, page
 * hashes and the session's buffers (0 before the first), for make bench to
 * set against mem_size.
 */
static ssize_t resume_mem_bytes_show(struct device *dev, struct device_attribute *attr,
				     char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(dev_to_mock(dev)->mig.resume_mem_bytes));
}
static DEVICE_ATTR_RO(resume_mem_bytes);

static struct attribute *mock_attrs[] = {
	&dev_attr_mem_size.attr,
	&dev_attr_migration_flags.attr,
	&dev_attr_stream_minor.attr,
	&dev_attr_migration_state.attr,
	&dev_attr_fabric_id.attr,
	&dev_attr_group.attr,
	&dev_attr_dma_logging.attr,
	&dev_attr_resume_mem_bytes.attr,
	NULL,
};

static const struct attribute_group mock_attr_group = {
	.name = "mock",
	.attrs = mock_attrs,
};

const struct attribute_group *mock_dev_groups[] = {
	&mock_attr_group,
	NULL,
};
