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
	/* Pinned by VFIO core from the first open until the last close. */
	struct kvm *kvm;
	void (*put_kvm)(struct kvm *kvm);
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
