/*
 * Demo model of arch/powerpc/kvm/book3s_xive_native.c: the XIVE native
 * interrupt mode as a release-style kvm_device.
 */
#include <linux/kvm_host.h>
#include <asm/kvm_ppc.h>
#include "book3s_xive.h"

void kvmppc_xive_native_cleanup_vcpu(struct kvm_vcpu *vcpu)
{
	struct kvmppc_xive_vcpu *xc = vcpu->arch.xive_vcpu;

	if (!xc)
		return;
	kvmppc_xive_native_cleanup_queues(xc);
	vcpu->arch.xive_vcpu = NULL;
	vcpu->arch.irq_type = KVMPPC_IRQ_DEFAULT;
	kfree(xc);
}

/* Same contract as the XICS-on-XIVE release: fd closed, vCPUs cleaned under their mutex. */
static void kvmppc_xive_native_release(struct kvm_device *dev)
{
	struct kvmppc_xive *xive = dev->private;
	struct kvm *kvm = xive->kvm;
	struct kvm_vcpu *vcpu;
	int i;

	for (i = 0; i < atomic_read(&kvm->online_vcpus); i++) {
		vcpu = kvm_get_vcpu(kvm, i);
		mutex_lock(&vcpu->mutex);
		kvmppc_xive_native_cleanup_vcpu(vcpu);
		mutex_unlock(&vcpu->mutex);
	}

	kvm->arch.xive = NULL;
	for (i = 0; i <= xive->max_sbid; i++)
		kvmppc_xive_free_sources(xive->src_blocks[i]);
	kfree(dev);
}

static int kvmppc_xive_native_create(struct kvm_device *dev, u32 type)
{
	struct kvmppc_xive *xive = kvmppc_xive_get_device(dev->kvm, type);

	if (!xive)
		return -ENOMEM;
	dev->private = xive;
	xive->dev = dev;
	xive->kvm = dev->kvm;
	dev->kvm->arch.xive = xive;
	return 0;
}

struct kvm_device_ops kvm_xive_native_ops = {
	.name = "kvm-xive-native",
	.create = kvmppc_xive_native_create,
	.release = kvmppc_xive_native_release,
	.set_attr = kvmppc_xive_native_set_attr,
	.get_attr = kvmppc_xive_native_get_attr,
	.has_attr = kvmppc_xive_native_has_attr,
	.mmap = kvmppc_xive_native_mmap,
};
