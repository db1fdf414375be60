/*
 * Demo model of drivers/vfio/vfio_main.c: device open/close and the kvm
 * reference VFIO core holds while a device is open.
 */
#include <linux/kvm_host.h>
#include <linux/vfio.h>
#include "vfio.h"

/* Pins the VM while the device is open; a VM that is already dying is not pinned. */
void vfio_device_get_kvm_safe(struct vfio_device *device, struct kvm *kvm)
{
	void (*put)(struct kvm *kvm);
	bool (*get_safe)(struct kvm *kvm);
	bool pinned = false;

	if (!kvm)
		return;

	put = symbol_get(kvm_put_kvm);
	get_safe = symbol_get(kvm_get_kvm_safe);
	if (put && get_safe)
		pinned = get_safe(kvm);
	if (get_safe)
		symbol_put(kvm_get_kvm_safe);
	if (!pinned) {
		if (put)
			symbol_put(kvm_put_kvm);
		return;
	}

	device->put_kvm = put;
	device->kvm = kvm;
}

void vfio_device_put_kvm(struct vfio_device *device)
{
	if (!device->kvm)
		return;

	if (!WARN_ON(!device->put_kvm)) {
		device->put_kvm(device->kvm);
		device->put_kvm = NULL;
		symbol_put(kvm_put_kvm);
	}
	device->kvm = NULL;
}

static int vfio_device_first_open(struct vfio_device *device)
{
	int ret = 0;

	if (!try_module_get(device->dev->driver->owner))
		return -ENODEV;
	if (device->ops->open_device)
		ret = device->ops->open_device(device);
	if (ret)
		module_put(device->dev->driver->owner);
	return ret;
}

static void vfio_device_last_close(struct vfio_device *device)
{
	if (device->ops->close_device)
		device->ops->close_device(device);
	module_put(device->dev->driver->owner);
}

/* Both run with dev_set->lock held. */
int vfio_device_open(struct vfio_device *device)
{
	int ret = 0;

	device->open_count++;
	if (device->open_count == 1) {
		ret = vfio_device_first_open(device);
		if (ret)
			device->open_count--;
	}
	return ret;
}

void vfio_device_close(struct vfio_device *device)
{
	if (device->open_count == 1)
		vfio_device_last_close(device);
	device->open_count--;
}
