/*
 * Demo model of arch/x86/kvm/x86.c: VM teardown.
 */
#include <linux/kvm_host.h>
#include "irq.h"
#include "mmu.h"
#include "x86.h"

/*
 * Called first in kvm_destroy_vm(), while the VM is still whole: stop
 * anything that runs asynchronously against it.
 */
void kvm_arch_sync_events(struct kvm *kvm)
{
	kvm_free_all_assigned_devices(kvm);
	kvm_free_pit(kvm);
}

static void kvm_unload_vcpu_mmu(struct kvm_vcpu *vcpu)
{
	vcpu_load(vcpu);
	kvm_mmu_unload(vcpu);
	vcpu_put(vcpu);
}

static void kvm_free_vcpus(struct kvm *kvm)
{
	unsigned int i;

	/* Drop every vCPU's MMU roots before the first vCPU is freed. */
	for (i = 0; i < atomic_read(&kvm->online_vcpus); i++) {
		kvm_clear_async_pf_completion_queue(kvm_get_vcpu(kvm, i));
		kvm_unload_vcpu_mmu(kvm_get_vcpu(kvm, i));
	}
	for (i = 0; i < atomic_read(&kvm->online_vcpus); i++)
		kvm_arch_vcpu_free(kvm_get_vcpu(kvm, i));

	mutex_lock(&kvm->lock);
	for (i = 0; i < atomic_read(&kvm->online_vcpus); i++)
		kvm->vcpus[i] = NULL;
	atomic_set(&kvm->online_vcpus, 0);
	mutex_unlock(&kvm->lock);
}

void kvm_arch_destroy_vm(struct kvm *kvm)
{
	kvm_iommu_unmap_guest(kvm);
	kfree(kvm->arch.vpic);
	kfree(kvm->arch.vioapic);
	kvm_free_vcpus(kvm);
	if (kvm->arch.apic_access_page)
		put_page(kvm->arch.apic_access_page);
	if (kvm->arch.ept_identity_pagetable)
		put_page(kvm->arch.ept_identity_pagetable);
	kfree(rcu_dereference_check(kvm->arch.apic_map, 1));
}
