/*
 * Demo model of arch/s390/kvm/interrupt.c: the floating interrupt
 * controller (FLIC) kvm_device. Adapter and floating-interrupt state live
 * in kvm->arch; the device only guards against a second FLIC.
 */
#include <linux/kvm_host.h>
#include <asm/kvm_host.h>
#include "kvm-s390.h"

static int flic_create(struct kvm_device *dev, u32 type)
{
	if (!dev)
		return -EINVAL;
	if (dev->kvm->arch.flic)
		return -EINVAL;
	dev->kvm->arch.flic = dev;
	return 0;
}

static void flic_destroy(struct kvm_device *dev)
{
	dev->kvm->arch.flic = NULL;
	kfree(dev);
}

struct kvm_device_ops kvm_flic_ops = {
	.name = "kvm-flic",
	.get_attr = flic_get_attr,
	.set_attr = flic_set_attr,
	.has_attr = flic_has_attr,
	.create = flic_create,
	.destroy = flic_destroy,
};

/*
 * Called from kvm_arch_destroy_vm() before the GISA's page (sie_page2) is
 * freed. An ISC still registered at this point (vfio_ap AQIC, zPCI) is
 * only logged.
 */
void kvm_s390_gisa_destroy(struct kvm *kvm)
{
	struct kvm_s390_gisa_interrupt *gi = &kvm->arch.gisa_int;

	if (!gi->origin)
		return;
	if (gi->alert.mask)
		KVM_EVENT(3, "vm 0x%pK has unexpected iam 0x%02x", kvm, gi->alert.mask);
	while (gisa_in_alert_list(gi->origin))
		cpu_relax();
	hrtimer_cancel(&gi->timer);
	gi->origin = NULL;
}
