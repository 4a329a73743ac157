// SPDX-License-Identifier: GPL-2.0-only
/*
 * mock-vfio-pci: a vfio-pci variant driver that emulates a migratable device
 * on top of any PCI function it is bound to.
 *
 * The driver has no ID table on purpose: it binds only to functions whose
 * driver_override names it, so loading it never takes a device unasked.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "mock_vfio_pci.h"

struct mock_device {
	struct vfio_pci_core_device core;
};

static int mock_open_device(struct vfio_device *vdev)
{
	struct vfio_pci_core_device *core =
		container_of(vdev, struct vfio_pci_core_device, vdev);
	int ret;

	ret = vfio_pci_core_enable(core);
	if (ret)
		return ret;

	vfio_pci_core_finish_enable(core);
	return 0;
}

static const struct vfio_device_ops mock_vfio_ops = {
	.name		= MOCK_VFIO_PCI_DRIVER_NAME,
	.init		= vfio_pci_core_init_dev,
	.release	= vfio_pci_core_release_dev,
	.open_device	= mock_open_device,
	.close_device	= vfio_pci_core_close_device,
	.ioctl		= vfio_pci_core_ioctl,
	.device_feature	= vfio_pci_core_ioctl_feature,
	.read		= vfio_pci_core_read,
	.write		= vfio_pci_core_write,
	.mmap		= vfio_pci_core_mmap,
	.request	= vfio_pci_core_request,
	.match		= vfio_pci_core_match,
	.bind_iommufd	= vfio_iommufd_physical_bind,
	.unbind_iommufd	= vfio_iommufd_physical_unbind,
	.attach_ioas	= vfio_iommufd_physical_attach_ioas,
	.detach_ioas	= vfio_iommufd_physical_detach_ioas,
};

static int mock_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct mock_device *mdev;
	int ret;

	mdev = vfio_alloc_device(mock_device, core.vdev, &pdev->dev,
				 &mock_vfio_ops);
	if (IS_ERR(mdev))
		return PTR_ERR(mdev);

	dev_set_drvdata(&pdev->dev, &mdev->core);
	ret = vfio_pci_core_register_device(&mdev->core);
	if (ret)
		goto out_put_vdev;
	return 0;

out_put_vdev:
	vfio_put_device(&mdev->core.vdev);
	return ret;
}

static void mock_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(core);
	vfio_put_device(&core->vdev);
}

static struct pci_driver mock_pci_driver = {
	.name			= MOCK_VFIO_PCI_DRIVER_NAME,
	.probe			= mock_probe,
	.remove			= mock_remove,
	.err_handler		= &vfio_pci_core_err_handlers,
	.driver_managed_dma	= true,
};

module_pci_driver(mock_pci_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Migratable mock device: a vfio-pci variant driver for testing VFIO live migration");
MODULE_IMPORT_NS(IOMMUFD);
