/*
 * Demo model of arch/powerpc/kvm/book3s.c: Book3S VM teardown and the
 * registration of its interrupt-controller devices.
 */
#include <linux/kvm_host.h>
#include <asm/kvm_ppc.h>
#include "book3s.h"

void kvmppc_core_destroy_vm(struct kvm *kvm)
{
	kvm->arch.kvm_ops->destroy_vm(kvm);
	kvmppc_rtas_tokens_free(kvm);
	/* TCE tables are fds that pin the VM, so none can be left here. */
	WARN_ON(!list_empty(&kvm->arch.spapr_tce_tables));

	/* The interrupt-controller structs cached by their release methods. */
	kfree(kvm->arch.xive_devices.native);
	kvm->arch.xive_devices.native = NULL;
	kfree(kvm->arch.xive_devices.xics_on_xive);
	kvm->arch.xive_devices.xics_on_xive = NULL;
	kfree(kvm->arch.xics_device);
	kvm->arch.xics_device = NULL;
}

int kvmppc_book3s_init(void)
{
	int r;

	r = kvm_init(NULL, sizeof(struct kvm_vcpu), 0, THIS_MODULE);
	if (r)
		return r;
	if (xics_on_xive()) {
		kvm_register_device_ops(&kvm_xive_ops, KVM_DEV_TYPE_XICS);
		if (kvmppc_xive_native_supported())
			kvm_register_device_ops(&kvm_xive_native_ops, KVM_DEV_TYPE_XIVE);
	} else {
		kvm_register_device_ops(&kvm_xics_ops, KVM_DEV_TYPE_XICS);
	}
	return 0;
}
