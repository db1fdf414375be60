/*
 * Demo model of arch/powerpc/kvm/book3s_xive.c: XICS-on-XIVE as a
 * release-style kvm_device.
 */
#include <linux/kvm_host.h>
#include <asm/kvm_ppc.h>
#include "book3s_xive.h"

void kvmppc_xive_cleanup_vcpu(struct kvm_vcpu *vcpu)
{
	struct kvmppc_xive_vcpu *xc = vcpu->arch.xive_vcpu;

	if (!xc)
		return;
	kvmppc_xive_disable_vcpu_interrupts(vcpu);
	vcpu->arch.xive_vcpu = NULL;
	vcpu->arch.irq_type = KVMPPC_IRQ_DEFAULT;
	kfree(xc);
}

/*
 * Called when the device fd is closed: userspace can no longer reach the
 * device, so every vCPU is cleaned up under its own mutex and the sources
 * are freed. The kvmppc_xive struct is kept for reuse and freed with the VM.
 */
static void kvmppc_xive_release(struct kvm_device *dev)
{
	struct kvmppc_xive *xive = dev->private;
	struct kvm *kvm = xive->kvm;
	struct kvm_vcpu *vcpu;
	int i;

	debugfs_remove(xive->dentry);
	for (i = 0; i < atomic_read(&kvm->online_vcpus); i++) {
		vcpu = kvm_get_vcpu(kvm, i);
		mutex_lock(&vcpu->mutex);
		kvmppc_xive_cleanup_vcpu(vcpu);
		mutex_unlock(&vcpu->mutex);
	}

	kvm->arch.xive = NULL;
	for (i = 0; i <= xive->max_sbid; i++)
		kvmppc_xive_free_sources(xive->src_blocks[i]);
	kfree(dev);
}

static int kvmppc_xive_create(struct kvm_device *dev, u32 type)
{
	struct kvmppc_xive *xive;
	struct kvm *kvm = dev->kvm;

	if (kvm->arch.xive)
		return -EEXIST;

	xive = kvmppc_xive_get_device(kvm, type);
	if (!xive)
		return -ENOMEM;

	dev->private = xive;
	xive->dev = dev;
	xive->kvm = kvm;
	kvm->arch.xive = xive;
	return 0;
}

struct kvm_device_ops kvm_xive_ops = {
	.name = "kvm-xive",
	.create = kvmppc_xive_create,
	.release = kvmppc_xive_release,
	.set_attr = xive_set_attr,
	.get_attr = xive_get_attr,
	.has_attr = xive_has_attr,
};
