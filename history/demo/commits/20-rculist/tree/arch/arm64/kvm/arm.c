/*
 * Demo model of arch/arm64/kvm/arm.c: VM teardown.
 */
#include <linux/kvm_host.h>
#include <kvm/arm_vgic.h>
#include <asm/kvm_mmu.h>

void kvm_arch_destroy_vm(struct kvm *kvm)
{
	bitmap_free(kvm->arch.pmu_filter);
	free_cpumask_var(kvm->arch.supported_cpus);

	/* The vgic goes before the vCPUs here. */
	kvm_vgic_destroy(kvm);

	if (is_protected_kvm_enabled())
		pkvm_destroy_hyp_vm(kvm);

	kvm_destroy_mpidr_data(kvm);
	kfree(kvm->arch.sysreg_masks);
	kvm_destroy_vcpus(kvm);
	kvm_unshare_hyp(kvm, kvm + 1);
	kvm_arm_teardown_hypercalls(kvm);
}
