/*
 * Demo model of arch/arm/kvm/arm.c (32-bit KVM/ARM): VM teardown.
 */
#include <linux/kvm_host.h>
#include <asm/kvm_mmu.h>

void kvm_arch_sync_events(struct kvm *kvm)
{
}

void kvm_arch_vcpu_free(struct kvm_vcpu *vcpu)
{
	kvm_mmu_free_memory_caches(vcpu);
	kvm_timer_vcpu_terminate(vcpu);
	kmem_cache_free(kvm_vcpu_cache, vcpu);
}

void kvm_arch_destroy_vm(struct kvm *kvm)
{
	int i;

	free_stage2_pgd(kvm);

	for (i = 0; i < KVM_MAX_VCPUS; ++i) {
		if (kvm->vcpus[i]) {
			kvm_arch_vcpu_free(kvm->vcpus[i]);
			kvm->vcpus[i] = NULL;
		}
	}
}
