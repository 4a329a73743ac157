// SPDX-License-Identifier: GPL-2.0-only
/*
 * mock-vfio-pci: a vfio-pci variant driver that emulates a migratable device
 * on top of any PCI function with a memory BAR0 (QEMU's edu in our tests).
 *
 * The driver has no ID table on purpose: it binds only to functions whose
 * driver_override names it, so loading it never takes a device unasked.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/uaccess.h>

#include "mock.h"

static unsigned long mem_size = 16UL << 20;
module_param(mem_size, ulong, 0444);
MODULE_PARM_DESC(mem_size, "Default device memory in bytes, a multiple of 4096 (default 16 MiB)");

static uint migration_flags = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P |
			      VFIO_MIGRATION_PRE_COPY;
module_param(migration_flags, uint, 0444);
MODULE_PARM_DESC(migration_flags,
		 "Default VFIO_MIGRATION_* flags: 1, 3, 5 or 7 (default 7: STOP_COPY|P2P|PRE_COPY)");

module_param_named(stream_minor, mock_default_stream_minor, uint, 0444);
MODULE_PARM_DESC(stream_minor, "Default minor version of emitted streams: 0 or 1 (default 1)");

static int mock_open_device(struct vfio_device *vdev)
{
	struct mock_device *m = to_mock(vdev);
	int ret;

	ret = vfio_pci_core_enable(&m->core);
	if (ret)
		return ret;
	mock_migration_open(m);
	vfio_pci_core_finish_enable(&m->core);
	return 0;
}

static void mock_close_device(struct vfio_device *vdev)
{
	mock_migration_close(to_mock(vdev));
	vfio_pci_core_close_device(vdev);
}

static bool mock_is_bar0(loff_t pos)
{
	return VFIO_PCI_OFFSET_TO_INDEX(pos) == VFIO_PCI_BAR0_REGION_INDEX;
}

static ssize_t mock_read(struct vfio_device *vdev, char __user *buf,
			 size_t count, loff_t *ppos)
{
	if (mock_is_bar0(*ppos))
		return mock_bar0_rw(to_mock(vdev), buf, count,
				    *ppos & VFIO_PCI_OFFSET_MASK, false);
	return vfio_pci_core_read(vdev, buf, count, ppos);
}

static ssize_t mock_write(struct vfio_device *vdev, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	if (mock_is_bar0(*ppos))
		return mock_bar0_rw(to_mock(vdev), (char __user *)buf, count,
				    *ppos & VFIO_PCI_OFFSET_MASK, true);
	return vfio_pci_core_write(vdev, buf, count, ppos);
}

static int mock_mmap(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	if (mock_is_bar0((loff_t)vma->vm_pgoff << PAGE_SHIFT))
		return -EINVAL;		/* emulated: never mapped */
	return vfio_pci_core_mmap(vdev, vma);
}

/* MOCK_BUG_NO_RESET_FLAG: hide VFIO_DEVICE_FLAGS_RESET, as mtty does. */
static long mock_info_without_reset(struct vfio_device *vdev, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;
	long ret = vfio_pci_core_ioctl(vdev, VFIO_DEVICE_GET_INFO, arg);

	if (ret)
		return ret;
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	info.flags &= ~VFIO_DEVICE_FLAGS_RESET;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static long mock_ioctl(struct vfio_device *vdev, unsigned int cmd,
		       unsigned long arg)
{
	struct vfio_region_info info;

	switch (cmd) {
	case VFIO_DEVICE_GET_REGION_INFO:
		if (copy_from_user(&info, (void __user *)arg,
				   offsetofend(struct vfio_region_info, index)))
			return -EFAULT;
		if (info.index == VFIO_PCI_BAR0_REGION_INDEX)
			return mock_region_info(to_mock(vdev), (void __user *)arg);
		break;
	case VFIO_DEVICE_IOEVENTFD:
		/* ioeventfds write the real BAR behind our back. */
		return -ENOTTY;
	case VFIO_DEVICE_GET_INFO:
		if (mock_bug_hides_reset_flag())
			return mock_info_without_reset(vdev, arg);
		break;
	}
	return vfio_pci_core_ioctl(vdev, cmd, arg);
}

static int mock_init_dev(struct vfio_device *vdev)
{
	struct mock_device *m = to_mock(vdev);
	int ret;

	mutex_init(&m->state_mutex);
	mutex_init(&m->mem_lock);
	init_rwsem(&m->mem_free_sem);
	mock_migration_init(m, mock_default_stream_minor);
	mock_faults_init(m);
	mock_dma_init(m);
	ret = mock_workload_init(m);
	if (ret)
		goto out_destroy;
	ret = mock_model_init(m, mem_size);
	if (ret)
		goto out_workload;
	vdev->migration_flags = migration_flags;
	vdev->mig_ops = &mock_mig_ops;
	/* Without it REPORT cannot work (Documentation/dma.rst). */
	if (IS_ENABLED(CONFIG_IOMMUFD_DRIVER))
		vdev->log_ops = &mock_log_ops;

	ret = vfio_pci_core_init_dev(vdev);
	if (ret)
		goto out_free_state;
	return 0;

out_free_state:
	mock_state_free(m);
out_workload:
	mock_workload_destroy(m);
out_destroy:
	mock_dma_destroy(m);
	mutex_destroy(&m->mem_lock);
	mutex_destroy(&m->state_mutex);
	return ret;
}

static void mock_release_dev(struct vfio_device *vdev)
{
	struct mock_device *m = to_mock(vdev);

	mock_workload_destroy(m);
	mock_state_free(m);
	mock_dma_destroy(m);
	mutex_destroy(&m->mem_lock);
	mutex_destroy(&m->state_mutex);
	vfio_pci_core_release_dev(vdev);
}

static const struct vfio_device_ops mock_vfio_ops = {
	.name		= MOCK_VFIO_PCI_DRIVER_NAME,
	.init		= mock_init_dev,
	.release	= mock_release_dev,
	.open_device	= mock_open_device,
	.close_device	= mock_close_device,
	.ioctl		= mock_ioctl,
#ifdef HAVE_VFIO_GET_REGION_INFO_CAPS
	.get_region_info_caps = mock_get_region_info_caps,
#endif
	.device_feature	= mock_device_feature,
	.read		= mock_read,
	.write		= mock_write,
	.mmap		= mock_mmap,
	.request	= vfio_pci_core_request,
	.match		= vfio_pci_core_match,
#ifdef HAVE_VFIO_MATCH_TOKEN_UUID
	.match_token_uuid = vfio_pci_core_match_token_uuid,
#endif
	.bind_iommufd	= vfio_iommufd_physical_bind,
	.unbind_iommufd	= vfio_iommufd_physical_unbind,
	.attach_ioas	= vfio_iommufd_physical_attach_ioas,
	.detach_ioas	= vfio_iommufd_physical_detach_ioas,
};

static int mock_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct mock_device *m;
	int ret;

	if (!(pci_resource_flags(pdev, 0) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, 0) < MOCK_REG_END) {
		pci_err(pdev, "needs a memory BAR0 of at least %u bytes to emulate registers\n",
			MOCK_REG_END);
		return -ENODEV;
	}

	m = vfio_alloc_device(mock_device, core.vdev, &pdev->dev, &mock_vfio_ops);
	if (IS_ERR(m))
		return PTR_ERR(m);

	dev_set_drvdata(&pdev->dev, &m->core);
	mock_fabric_join(m);
	mock_debugfs_create(m);
	ret = vfio_pci_core_register_device(&m->core);
	if (ret)
		goto out_leave;
	return 0;

out_leave:
	mock_debugfs_remove(m);
	mock_fabric_leave(m);
	vfio_put_device(&m->core.vdev);
	return ret;
}

static void mock_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);
	struct mock_device *m = container_of(core, struct mock_device, core);

	vfio_pci_core_unregister_device(core);
	mock_debugfs_remove(m);
	mock_fabric_leave(m);
	vfio_put_device(&core->vdev);
}

static const struct pci_error_handlers mock_err_handlers = {
	.reset_done = mock_reset_done,
	.error_detected = vfio_pci_core_aer_err_detected,
};

static struct pci_driver mock_pci_driver = {
	.name			= MOCK_VFIO_PCI_DRIVER_NAME,
	.probe			= mock_probe,
	.remove			= mock_remove,
	.err_handler		= &mock_err_handlers,
	.dev_groups		= mock_dev_groups,
	.driver_managed_dma	= true,
};

static int __init mock_init(void)
{
	int ret;

	if (!mem_size || mem_size % MOCK_PAGE_SIZE || mem_size > MOCK_MAX_MEM_SIZE) {
		pr_err("mem_size=%lu: must be a non-zero multiple of %u up to %llu\n",
		       mem_size, MOCK_PAGE_SIZE, MOCK_MAX_MEM_SIZE);
		return -EINVAL;
	}
	if (!mig_flags_legal(migration_flags)) {
		pr_err("migration_flags=%u: must be 1, 3, 5 or 7\n", migration_flags);
		return -EINVAL;
	}
	if (mock_default_stream_minor > MOCK_STREAM_MINOR) {
		pr_err("stream_minor=%u: must be 0 to %u\n", mock_default_stream_minor,
		       MOCK_STREAM_MINOR);
		return -EINVAL;
	}
	ret = mock_events_init();
	if (ret)
		return ret;
	ret = pci_register_driver(&mock_pci_driver);
	if (ret)
		mock_events_exit();
	return ret;
}

static void __exit mock_exit(void)
{
	pci_unregister_driver(&mock_pci_driver);
	mock_events_exit();
}

module_init(mock_init);
module_exit(mock_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Migratable mock device: a vfio-pci variant driver for testing VFIO live migration");
MODULE_IMPORT_NS(MOCK_NS_IOMMUFD);
