#ifndef VFIO_H
#define VFIO_H

/*
 * Demo model of include/linux/vfio.h: the parts of struct vfio_device
 * that connect a VFIO device to a VM.
 */
#include <linux/device.h>
#include <linux/mm.h>

struct vfio_device {
	struct device *dev;
	const struct vfio_device_ops *ops;
	struct vfio_group *group;
	struct vfio_device_set *dev_set;
	/*
	 * kvm is copied from the group when the device is first opened and
	 * is not reference counted by VFIO: a driver that uses it must take
	 * its own kvm reference in open_device(), or not touch it at all.
	 */
	struct kvm *kvm;
	unsigned int open_count;
};

struct vfio_device_ops {
	char *name;
	int (*open_device)(struct vfio_device *vdev);
	void (*close_device)(struct vfio_device *vdev);
	long (*ioctl)(struct vfio_device *vdev, unsigned int cmd, unsigned long arg);
};

bool vfio_file_enforced_coherent(struct file *file);
void vfio_file_set_kvm(struct file *file, struct kvm *kvm);

#endif
