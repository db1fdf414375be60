/*
 * Demo model of arch/riscv/kvm/vm.c: VM teardown.
 */
#include <linux/kvm_host.h>
#include <asm/kvm_aia.h>

int kvm_arch_init_vm(struct kvm *kvm, unsigned long type)
{
	int r;

	r = kvm_riscv_gstage_alloc_pgd(kvm);
	if (r)
		return r;
	kvm_riscv_aia_init_vm(kvm);
	kvm_riscv_guest_timer_init(kvm);
	return 0;
}

void kvm_arch_destroy_vm(struct kvm *kvm)
{
	kvm_destroy_vcpus(kvm);
	kvm_riscv_aia_destroy_vm(kvm);
}
