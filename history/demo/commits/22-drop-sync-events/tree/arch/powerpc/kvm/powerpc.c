/*
 * Demo model of arch/powerpc/kvm/powerpc.c: VM and vCPU teardown.
 */
#include <linux/kvm_host.h>
#include <asm/kvm_ppc.h>

void kvm_arch_vcpu_free(struct kvm_vcpu *vcpu)
{
	hrtimer_cancel(&vcpu->arch.dec_timer);
	tasklet_kill(&vcpu->arch.tasklet);

	switch (vcpu->arch.irq_type) {
	case KVMPPC_IRQ_MPIC:
		kvmppc_mpic_disconnect_vcpu(vcpu->arch.mpic, vcpu);
		break;
	case KVMPPC_IRQ_XICS:
		if (xics_on_xive())
			kvmppc_xive_cleanup_vcpu(vcpu);
		else
			kvmppc_xics_free_icp(vcpu);
		break;
	case KVMPPC_IRQ_XIVE:
		kvmppc_xive_native_cleanup_vcpu(vcpu);
		break;
	}

	kvmppc_core_vcpu_free(vcpu);
}

void kvm_arch_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	kvm_arch_vcpu_free(vcpu);
}

void kvm_arch_destroy_vm(struct kvm *kvm)
{
	unsigned int i;

	/* Every vCPU goes first; the VM-wide core state follows. */
	for (i = 0; i < atomic_read(&kvm->online_vcpus); i++)
		kvm_arch_vcpu_free(kvm_get_vcpu(kvm, i));

	mutex_lock(&kvm->lock);
	for (i = 0; i < atomic_read(&kvm->online_vcpus); i++)
		kvm->vcpus[i] = NULL;
	atomic_set(&kvm->online_vcpus, 0);
	kvmppc_core_destroy_vm(kvm);
	mutex_unlock(&kvm->lock);
}
