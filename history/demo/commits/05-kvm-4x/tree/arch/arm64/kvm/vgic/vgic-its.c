/*
 * Demo model of arch/arm64/kvm/vgic/vgic-its.c: the emulated ITS as a
 * kvm_device. Its state hangs off the device; the LPIs it maps live in
 * kvm->arch.vgic.
 */
#include <linux/kvm_host.h>
#include <kvm/arm_vgic.h>
#include "vgic.h"

static void its_free_ite(struct kvm *kvm, struct its_ite *ite)
{
	list_del(&ite->ite_list);

	if (ite->irq) {
		/* A vLPI forwarded to a GICv4 has to be unmapped first. */
		if (ite->irq->hw)
			WARN_ON(its_unmap_vlpi(ite->irq->host_irq));
		vgic_put_irq(kvm, ite->irq);
	}

	kfree(ite);
}

static int vgic_its_create(struct kvm_device *dev, u32 type)
{
	struct vgic_its *its;

	its = kzalloc(sizeof(struct vgic_its), GFP_KERNEL);
	if (!its)
		return -ENOMEM;

	mutex_init(&its->its_lock);
	INIT_LIST_HEAD(&its->device_list);
	INIT_LIST_HEAD(&its->collection_list);
	its->dev = dev;
	dev->private = its;
	return vgic_its_set_abi(its, NR_ITS_ABIS - 1);
}

static void vgic_its_destroy(struct kvm_device *kvm_dev)
{
	struct kvm *kvm = kvm_dev->kvm;
	struct vgic_its *its = kvm_dev->private;

	mutex_lock(&its->its_lock);
	vgic_its_free_device_list(kvm, its);
	vgic_its_free_collection_list(kvm, its);
	mutex_unlock(&its->its_lock);

	kfree(its);
	kfree(kvm_dev);
}

static struct kvm_device_ops kvm_arm_vgic_its_ops = {
	.name = "kvm-arm-vgic-its",
	.create = vgic_its_create,
	.destroy = vgic_its_destroy,
	.set_attr = vgic_its_set_attr,
	.get_attr = vgic_its_get_attr,
	.has_attr = vgic_its_has_attr,
};

int kvm_vgic_register_its_device(void)
{
	return kvm_register_device_ops(&kvm_arm_vgic_its_ops, KVM_DEV_TYPE_ARM_VGIC_ITS);
}
