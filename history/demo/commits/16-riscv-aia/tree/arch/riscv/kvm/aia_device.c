/*
 * Demo model of arch/riscv/kvm/aia_device.c: the in-kernel AIA irqchip as
 * a kvm_device. The APLIC and IMSIC state hang off kvm->arch.aia and the
 * vCPUs; the device object itself carries nothing.
 */
#include <linux/kvm_host.h>
#include <asm/kvm_aia_imsic.h>
#include <asm/kvm_aia_aplic.h>

static int aia_create(struct kvm_device *dev, u32 type)
{
	struct kvm *kvm = dev->kvm;
	int i, ret = -EBUSY;

	if (irqchip_in_kernel(kvm))
		return -EEXIST;
	if (!lock_all_vcpus(kvm))
		return ret;

	/* The irqchip has to exist before any vCPU has run. */
	for (i = 0; i < atomic_read(&kvm->online_vcpus); i++) {
		if (kvm_get_vcpu(kvm, i)->arch.ran_atleast_once)
			goto out_unlock;
	}
	kvm->arch.aia.in_kernel = true;
	ret = 0;
out_unlock:
	unlock_all_vcpus(kvm);
	return ret;
}

static void aia_destroy(struct kvm_device *dev)
{
	kfree(dev);
}

struct kvm_device_ops kvm_riscv_aia_device_ops = {
	.name = "kvm-riscv-aia",
	.create = aia_create,
	.destroy = aia_destroy,
	.set_attr = aia_set_attr,
	.get_attr = aia_get_attr,
	.has_attr = aia_has_attr,
};

void kvm_riscv_aia_destroy_vm(struct kvm *kvm)
{
	/* Nothing to do unless the in-kernel AIA was initialised. */
	if (!kvm_riscv_aia_initialized(kvm))
		return;

	kvm_riscv_aia_aplic_cleanup(kvm);
}
