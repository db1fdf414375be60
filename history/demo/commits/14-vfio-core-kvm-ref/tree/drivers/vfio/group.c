/*
 * Demo model of drivers/vfio/group.c: the group's kvm pointer and how it
 * is handed to a device at open time.
 */
#include <linux/file.h>
#include <linux/vfio.h>
#include "vfio.h"

struct vfio_group {
	struct mutex group_lock;
	spinlock_t kvm_ref_lock;
	struct kvm *kvm;
	struct file *opened_file;
};

/* Called by kvm-vfio with a kvm when a group is added and with NULL when it goes. */
void vfio_file_set_kvm(struct file *file, struct kvm *kvm)
{
	struct vfio_group *group = file->private_data;

	if (file->f_op != &vfio_group_fops)
		return;

	spin_lock(&group->kvm_ref_lock);
	group->kvm = kvm;
	spin_unlock(&group->kvm_ref_lock);
}
EXPORT_SYMBOL_GPL(vfio_file_set_kvm);

static void vfio_device_group_get_kvm_safe(struct vfio_device *device)
{
	spin_lock(&device->group->kvm_ref_lock);
	vfio_device_get_kvm_safe(device, device->group->kvm);
	spin_unlock(&device->group->kvm_ref_lock);
}

static int vfio_device_group_open(struct vfio_device *device)
{
	int ret;

	mutex_lock(&device->group->group_lock);
	mutex_lock(&device->dev_set->lock);
	/* The kvm is sampled, and pinned, before the first open only. */
	if (device->open_count == 0)
		vfio_device_group_get_kvm_safe(device);
	ret = vfio_device_open(device);
	if (device->open_count == 0)
		vfio_device_put_kvm(device);
	mutex_unlock(&device->dev_set->lock);
	mutex_unlock(&device->group->group_lock);
	return ret;
}

/*
 * The kvm reference goes after close_device() returned, still under both
 * locks: this put may be the last one and run all of kvm_destroy_vm().
 */
void vfio_device_group_close(struct vfio_device *device)
{
	mutex_lock(&device->group->group_lock);
	mutex_lock(&device->dev_set->lock);
	vfio_device_close(device);
	if (device->open_count == 0)
		vfio_device_put_kvm(device);
	mutex_unlock(&device->dev_set->lock);
	mutex_unlock(&device->group->group_lock);
}
