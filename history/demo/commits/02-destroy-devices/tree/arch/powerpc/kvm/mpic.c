/*
 * Demo model of arch/powerpc/kvm/mpic.c: the in-kernel MPIC (e500) as a
 * kvm_device, and how vCPUs connect to it.
 */
#include <linux/kvm_host.h>
#include <asm/kvm_ppc.h>
#include "iodev.h"

struct irq_dest {
	struct kvm_vcpu *vcpu;
	int ctpr;
};

struct openpic {
	struct kvm *kvm;
	struct kvm_device *dev;
	struct kvm_io_device mmio;
	int nb_cpus;
	struct irq_dest dst[MAX_CPU];
};

/* The MMIO handlers live inside the device; there is no .destructor. */
static const struct kvm_io_device_ops mpic_mmio_ops = {
	.read = kvm_mpic_read,
	.write = kvm_mpic_write,
};

static void mpic_destroy(struct kvm_device *dev)
{
	struct openpic *opp = dev->private;

	dev->kvm->arch.mpic = NULL;
	kfree(opp);
	kfree(dev);
}

static int mpic_create(struct kvm_device *dev, u32 type)
{
	struct openpic *opp;

	if (dev->kvm->arch.mpic)
		return -EINVAL;

	opp = kzalloc(sizeof(struct openpic), GFP_KERNEL);
	if (!opp)
		return -ENOMEM;

	dev->private = opp;
	opp->kvm = dev->kvm;
	opp->dev = dev;
	kvm_iodevice_init(&opp->mmio, &mpic_mmio_ops);
	dev->kvm->arch.mpic = opp;
	return 0;
}

int kvmppc_mpic_connect_vcpu(struct kvm_device *dev, struct kvm_vcpu *vcpu, u32 cpu)
{
	struct openpic *opp = dev->private;

	if (opp->dst[cpu].vcpu)
		return -EEXIST;

	opp->dst[cpu].vcpu = vcpu;
	vcpu->arch.mpic = opp;
	vcpu->arch.irq_cpu_id = cpu;
	vcpu->arch.irq_type = KVMPPC_IRQ_MPIC;
	return 0;
}

/*
 * This should only happen immediately before the mpic is destroyed,
 * so we shouldn't need to worry about anything still trying to
 * access the vcpu pointer.
 */
void kvmppc_mpic_disconnect_vcpu(struct openpic *opp, struct kvm_vcpu *vcpu)
{
	BUG_ON(!opp->dst[vcpu->arch.irq_cpu_id].vcpu);

	opp->dst[vcpu->arch.irq_cpu_id].vcpu = NULL;
}

struct kvm_device_ops kvm_mpic_ops = {
	.name = "kvm-mpic",
	.create = mpic_create,
	.destroy = mpic_destroy,
	.set_attr = mpic_set_attr,
	.get_attr = mpic_get_attr,
	.has_attr = mpic_has_attr,
};
