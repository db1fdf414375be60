/*
 * Demo model of arch/s390/kvm/kvm-s390.c: VM and vCPU teardown.
 */
#include <linux/kvm_host.h>
#include <asm/sclp.h>
#include "kvm-s390.h"
#include "gaccess.h"

void kvm_arch_sync_events(struct kvm *kvm)
{
}

void kvm_arch_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	if (!kvm_is_ucontrol(vcpu->kvm))
		clear_bit(63 - vcpu->vcpu_id, (unsigned long *)&vcpu->kvm->arch.sca->mcn);
	if (kvm_is_ucontrol(vcpu->kvm))
		gmap_free(vcpu->arch.gmap);
	free_page((unsigned long)(vcpu->arch.sie_block));
	kvm_vcpu_uninit(vcpu);
	kmem_cache_free(kvm_vcpu_cache, vcpu);
}

static void kvm_free_vcpus(struct kvm *kvm)
{
	unsigned int i;

	for (i = 0; i < atomic_read(&kvm->online_vcpus); i++)
		kvm_arch_vcpu_destroy(kvm_get_vcpu(kvm, i));

	mutex_lock(&kvm->lock);
	for (i = 0; i < atomic_read(&kvm->online_vcpus); i++)
		kvm->vcpus[i] = NULL;
	atomic_set(&kvm->online_vcpus, 0);
	mutex_unlock(&kvm->lock);
}

void kvm_arch_destroy_vm(struct kvm *kvm)
{
	kvm_free_vcpus(kvm);
	free_page((unsigned long)(kvm->arch.sca));
	debug_unregister(kvm->arch.dbf);
	if (!kvm_is_ucontrol(kvm))
		gmap_free(kvm->arch.gmap);
}
