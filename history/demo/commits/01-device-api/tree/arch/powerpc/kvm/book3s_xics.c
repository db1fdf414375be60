/*
 * Demo model of arch/powerpc/kvm/book3s_xics.c: the emulated XICS
 * interrupt controller (Book3S) as a kvm_device.
 */
#include <linux/kvm_host.h>
#include <asm/kvm_ppc.h>
#include "book3s_xics.h"

/* Per-vCPU presenter; freed from kvm_arch_vcpu_free(). */
void kvmppc_xics_free_icp(struct kvm_vcpu *vcpu)
{
	if (!vcpu->arch.icp)
		return;
	kfree(vcpu->arch.icp);
	vcpu->arch.icp = NULL;
	vcpu->arch.irq_type = KVMPPC_IRQ_DEFAULT;
}

static void kvmppc_xics_free(struct kvm_device *dev)
{
	struct kvmppc_xics *xics = dev->private;
	struct kvm *kvm = xics->kvm;
	int i;

	debugfs_remove(xics->dentry);
	if (kvm)
		kvm->arch.xics = NULL;
	for (i = 0; i <= xics->max_icsid; i++)
		kfree(xics->ics[i]);
	kfree(xics);
	kfree(dev);
}

static int kvmppc_xics_create(struct kvm_device *dev, u32 type)
{
	struct kvmppc_xics *xics;
	struct kvm *kvm = dev->kvm;

	if (kvm->arch.xics)
		return -EEXIST;

	xics = kzalloc(sizeof(*xics), GFP_KERNEL);
	if (!xics)
		return -ENOMEM;

	dev->private = xics;
	xics->dev = dev;
	xics->kvm = kvm;
	kvm->arch.xics = xics;
	return 0;
}

struct kvm_device_ops kvm_xics_ops = {
	.name = "kvm-xics",
	.create = kvmppc_xics_create,
	.destroy = kvmppc_xics_free,
	.set_attr = xics_set_attr,
	.get_attr = xics_get_attr,
	.has_attr = xics_has_attr,
};
