/*
 * Demo model of drivers/vfio/vfio.c: how a group's kvm pointer reaches a
 * device at open time.
 */
#include <linux/file.h>
#include <linux/vfio.h>

struct vfio_group {
	struct mutex group_lock;
	struct kvm *kvm;
	struct file *opened_file;
};

/* Called by kvm-vfio with a kvm when a group is added and with NULL when it goes. */
void vfio_file_set_kvm(struct file *file, struct kvm *kvm)
{
	struct vfio_group *group = file->private_data;

	if (file->f_op != &vfio_group_fops)
		return;

	mutex_lock(&group->group_lock);
	group->kvm = kvm;
	mutex_unlock(&group->group_lock);
}
EXPORT_SYMBOL_GPL(vfio_file_set_kvm);

static int vfio_device_first_open(struct vfio_device *device)
{
	int ret = 0;

	mutex_lock(&device->group->group_lock);
	/* No reference is taken here; see the comment on vfio_device.kvm. */
	device->kvm = device->group->kvm;
	if (device->ops->open_device)
		ret = device->ops->open_device(device);
	if (ret)
		device->kvm = NULL;
	mutex_unlock(&device->group->group_lock);
	return ret;
}

static void vfio_device_last_close(struct vfio_device *device)
{
	mutex_lock(&device->group->group_lock);
	if (device->ops->close_device)
		device->ops->close_device(device);
	device->kvm = NULL;
	mutex_unlock(&device->group->group_lock);
}

static int vfio_device_fops_release(struct inode *inode, struct file *filep)
{
	struct vfio_device *device = filep->private_data;

	mutex_lock(&device->dev_set->lock);
	if (device->open_count == 1)
		vfio_device_last_close(device);
	device->open_count--;
	mutex_unlock(&device->dev_set->lock);
	vfio_device_put(device);
	return 0;
}
