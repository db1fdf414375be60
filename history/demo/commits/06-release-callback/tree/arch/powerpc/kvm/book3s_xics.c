/*
 * Demo model of arch/powerpc/kvm/book3s_xics.c: the emulated XICS
 * interrupt controller (Book3S) as a release-style kvm_device.
 */
#include <linux/kvm_host.h>
#include <asm/kvm_ppc.h>
#include "book3s_xics.h"

/* Per-vCPU presenter; freed from kvm_arch_vcpu_free() or on release. */
void kvmppc_xics_free_icp(struct kvm_vcpu *vcpu)
{
	if (!vcpu->arch.icp)
		return;
	kfree(vcpu->arch.icp);
	vcpu->arch.icp = NULL;
	vcpu->arch.irq_type = KVMPPC_IRQ_DEFAULT;
}

/*
 * Runs when the device fd is closed. No fd refers to the device any
 * more, so no attribute or connect call can race with us. Each vCPU's
 * presenter is cleaned up under that vCPU's mutex. The kvmppc_xics
 * struct itself stays cached in kvm->arch.xics_device and is freed with
 * the VM, until every path that might still reach it has been fixed.
 */
static void kvmppc_xics_release(struct kvm_device *dev)
{
	struct kvmppc_xics *xics = dev->private;
	struct kvm *kvm = xics->kvm;
	struct kvm_vcpu *vcpu;
	int i;

	debugfs_remove(xics->dentry);
	for (i = 0; i < atomic_read(&kvm->online_vcpus); i++) {
		vcpu = kvm_get_vcpu(kvm, i);
		mutex_lock(&vcpu->mutex);
		kvmppc_xics_free_icp(vcpu);
		mutex_unlock(&vcpu->mutex);
	}

	kvm->arch.xics = NULL;
	for (i = 0; i <= xics->max_icsid; i++) {
		kfree(xics->ics[i]);
		xics->ics[i] = NULL;
	}
	kfree(dev);
}

static int kvmppc_xics_create(struct kvm_device *dev, u32 type)
{
	struct kvmppc_xics *xics;
	struct kvm *kvm = dev->kvm;

	if (kvm->arch.xics)
		return -EEXIST;

	xics = kvmppc_xics_get_device(kvm);
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
	.release = kvmppc_xics_release,
	.set_attr = xics_set_attr,
	.get_attr = xics_get_attr,
	.has_attr = xics_has_attr,
};
