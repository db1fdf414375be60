/*
 * Demo model of virt/kvm/vfio.c: the kvm-vfio pseudo device, which keeps
 * the list of VFIO group files userspace attached to this VM.
 */
#include <linux/kvm_host.h>
#include <linux/file.h>
#include <linux/vfio.h>

struct kvm_vfio_group {
	struct list_head node;
	struct file *file;
};

struct kvm_vfio {
	struct list_head group_list;
	struct mutex lock;
	bool noncoherent;
};

/* Tells VFIO which kvm the group file is used with (NULL: none any more). */
static void kvm_vfio_file_set_kvm(struct file *file, struct kvm *kvm)
{
	void (*fn)(struct file *file, struct kvm *kvm);

	fn = symbol_get(vfio_file_set_kvm);
	if (!fn)
		return;
	fn(file, kvm);
	symbol_put(vfio_file_set_kvm);
}

static int kvm_vfio_group_add(struct kvm_device *dev, unsigned int fd)
{
	struct kvm_vfio *kv = dev->private;
	struct kvm_vfio_group *kvg;
	struct file *filp = fget(fd);

	if (!filp)
		return -EBADF;
	kvg = kzalloc(sizeof(*kvg), GFP_KERNEL_ACCOUNT);
	if (!kvg) {
		fput(filp);
		return -ENOMEM;
	}
	kvg->file = filp;
	mutex_lock(&kv->lock);
	list_add_tail(&kvg->node, &kv->group_list);
	kvm_arch_start_assignment(dev->kvm);
	mutex_unlock(&kv->lock);
	kvm_vfio_file_set_kvm(kvg->file, dev->kvm);
	kvm_vfio_update_coherency(dev);
	return 0;
}

/* Called when the kvm-vfio fd is closed, with kvm->lock held. */
static void kvm_vfio_release(struct kvm_device *dev)
{
	struct kvm_vfio *kv = dev->private;
	struct kvm_vfio_group *kvg, *tmp;

	for (kvg = list_first_entry(&kv->group_list, typeof(*kvg), node),
	     tmp = list_next_entry(kvg, node);
	     !list_entry_is_head(kvg, &kv->group_list, node);
	     kvg = tmp, tmp = list_next_entry(tmp, node)) {
#ifdef CONFIG_SPAPR_TCE_IOMMU
		kvm_spapr_tce_release_vfio_group(dev->kvm, kvg);
#endif
		/*
		 * Drops KVM's hold on the group file; devices that are already
		 * open keep their kvm and no VFIO device fd is closed here.
		 */
		kvm_vfio_file_set_kvm(kvg->file, NULL);
		fput(kvg->file);
		list_del(&kvg->node);
		kfree(kvg);
		kvm_arch_end_assignment(dev->kvm);
	}

	kvm_vfio_update_coherency(dev);
	kfree(kv);
	kfree(dev);
}

static int kvm_vfio_create(struct kvm_device *dev, u32 type)
{
	struct kvm_vfio *kv = kzalloc(sizeof(*kv), GFP_KERNEL_ACCOUNT);

	if (!kv)
		return -ENOMEM;
	INIT_LIST_HEAD(&kv->group_list);
	mutex_init(&kv->lock);
	dev->private = kv;
	return 0;
}

static struct kvm_device_ops kvm_vfio_ops = {
	.name = "kvm-vfio",
	.create = kvm_vfio_create,
	.release = kvm_vfio_release,
	.set_attr = kvm_vfio_set_attr,
	.has_attr = kvm_vfio_has_attr,
};

int kvm_vfio_ops_init(void)
{
	return kvm_register_device_ops(&kvm_vfio_ops, KVM_DEV_TYPE_VFIO);
}
