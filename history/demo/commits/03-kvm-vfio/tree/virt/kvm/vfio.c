/*
 * Demo model of virt/kvm/vfio.c: the kvm-vfio pseudo device, which keeps
 * the list of VFIO groups userspace attached to this VM.
 */
#include <linux/kvm_host.h>
#include <linux/vfio.h>

struct kvm_vfio_group {
	struct list_head node;
	struct vfio_group *vfio_group;
};

struct kvm_vfio {
	struct list_head group_list;
	struct mutex lock;
};

static void kvm_vfio_group_put_external_user(struct vfio_group *vfio_group)
{
	void (*fn)(struct vfio_group *);

	fn = symbol_get(vfio_group_put_external_user);
	if (!fn)
		return;
	fn(vfio_group);
	symbol_put(vfio_group_put_external_user);
}

static int kvm_vfio_set_group(struct kvm_device *dev, long attr, u64 arg)
{
	struct kvm_vfio *kv = dev->private;
	struct kvm_vfio_group *kvg;

	switch (attr) {
	case KVM_DEV_VFIO_GROUP_ADD:
		kvg = kzalloc(sizeof(*kvg), GFP_KERNEL);
		if (!kvg)
			return -ENOMEM;
		kvg->vfio_group = kvm_vfio_group_get_external_user(arg);
		mutex_lock(&kv->lock);
		list_add_tail(&kvg->node, &kv->group_list);
		mutex_unlock(&kv->lock);
		return 0;
	case KVM_DEV_VFIO_GROUP_DEL:
		mutex_lock(&kv->lock);
		kvg = kvm_vfio_find_group(kv, arg);
		if (kvg) {
			list_del(&kvg->node);
			kvm_vfio_group_put_external_user(kvg->vfio_group);
			kfree(kvg);
		}
		mutex_unlock(&kv->lock);
		return kvg ? 0 : -ENOENT;
	}
	return -ENXIO;
}

static void kvm_vfio_destroy(struct kvm_device *dev)
{
	struct kvm_vfio *kv = dev->private;
	struct kvm_vfio_group *kvg, *tmp;

	for (kvg = list_first_entry(&kv->group_list, typeof(*kvg), node),
	     tmp = list_next_entry(kvg, node);
	     !list_entry_is_head(kvg, &kv->group_list, node);
	     kvg = tmp, tmp = list_next_entry(tmp, node)) {
		kvm_vfio_group_put_external_user(kvg->vfio_group);
		list_del(&kvg->node);
		kfree(kvg);
	}

	kfree(kv);
	kfree(dev);
}

static int kvm_vfio_create(struct kvm_device *dev, u32 type)
{
	struct kvm_vfio *kv = kzalloc(sizeof(*kv), GFP_KERNEL);

	if (!kv)
		return -ENOMEM;
	INIT_LIST_HEAD(&kv->group_list);
	mutex_init(&kv->lock);
	dev->private = kv;
	return 0;
}

struct kvm_device_ops kvm_vfio_ops = {
	.name = "kvm-vfio",
	.create = kvm_vfio_create,
	.destroy = kvm_vfio_destroy,
	.set_attr = kvm_vfio_set_attr,
	.has_attr = kvm_vfio_has_attr,
};
