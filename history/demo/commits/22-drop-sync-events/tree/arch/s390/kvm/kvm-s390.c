/*
 * Demo model of arch/s390/kvm/kvm-s390.c: VM and vCPU teardown.
 */
#include <linux/kvm_host.h>
#include <asm/sclp.h>
#include "kvm-s390.h"
#include "gaccess.h"

int kvm_arch_init(void *opaque)
{
	/* Register the FLIC so that userspace can create one per VM. */
	return kvm_register_device_ops(&kvm_flic_ops, KVM_DEV_TYPE_FLIC);
}

/*
 * The AP masks of the guest's CRYCB. Both helpers expect kvm->lock to be
 * held; all vCPUs are kept out of SIE while the masks change.
 */
void kvm_arch_crypto_set_masks(struct kvm *kvm, unsigned long *apm,
			       unsigned long *aqm, unsigned long *adm)
{
	struct kvm_s390_crypto_cb *crycb = kvm->arch.crypto.crycb;

	kvm_s390_vcpu_block_all(kvm);
	if ((kvm->arch.crypto.crycbd & CRYCB_FORMAT_MASK) == CRYCB_FORMAT2) {
		memcpy(crycb->apcb1.apm, apm, 32);
		memcpy(crycb->apcb1.aqm, aqm, 32);
		memcpy(crycb->apcb1.adm, adm, 32);
	} else {
		memcpy(crycb->apcb0.apm, apm, 8);
		memcpy(crycb->apcb0.aqm, aqm, 2);
		memcpy(crycb->apcb0.adm, adm, 2);
	}
	kvm_s390_sync_request_broadcast(kvm, KVM_REQ_VSIE_RESTART);
	kvm_s390_vcpu_unblock_all(kvm);
}

void kvm_arch_crypto_clear_masks(struct kvm *kvm)
{
	kvm_s390_vcpu_block_all(kvm);
	memset(&kvm->arch.crypto.crycb->apcb0, 0, sizeof(kvm->arch.crypto.crycb->apcb0));
	memset(&kvm->arch.crypto.crycb->apcb1, 0, sizeof(kvm->arch.crypto.crycb->apcb1));
	kvm_s390_sync_request_broadcast(kvm, KVM_REQ_VSIE_RESTART);
	kvm_s390_vcpu_unblock_all(kvm);
}

/*
 * Errors do not stop the loop, so that as many CPUs as possible leave
 * protected mode. A CPU whose destroy failed keeps its resources: the
 * Ultravisor still owns them, so they are leaked on purpose.
 */
int kvm_s390_cpus_from_pv(struct kvm *kvm, u16 *rc, u16 *rrc)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;
	u16 _rc, _rrc;
	int ret = 0;

	for (i = 0; i < atomic_read(&kvm->online_vcpus); i++) {
		vcpu = kvm_get_vcpu(kvm, i);
		mutex_lock(&vcpu->mutex);
		if (kvm_s390_pv_destroy_cpu(vcpu, &_rc, &_rrc) && !ret) {
			*rc = _rc;
			*rrc = _rrc;
			ret = -EIO;
		}
		mutex_unlock(&vcpu->mutex);
	}
	return ret;
}

static int kvm_s390_handle_pv(struct kvm *kvm, struct kvm_pv_cmd *cmd)
{
	int r = 0;

	switch (cmd->cmd) {
	case KVM_PV_ENABLE:
		r = kvm_s390_pv_init_vm(kvm, &cmd->rc, &cmd->rrc);
		if (!r)
			r = kvm_s390_cpus_to_pv(kvm, &cmd->rc, &cmd->rrc);
		break;
	case KVM_PV_ASYNC_CLEANUP_PREPARE:
		r = kvm_s390_cpus_from_pv(kvm, &cmd->rc, &cmd->rrc);
		if (!r)
			r = kvm_s390_pv_set_aside(kvm, &cmd->rc, &cmd->rrc);
		break;
	case KVM_PV_ASYNC_CLEANUP_PERFORM:
		/* The only PV command that runs without kvm->lock. */
		mutex_unlock(&kvm->lock);
		r = kvm_s390_pv_deinit_aside_vm(kvm, &cmd->rc, &cmd->rrc);
		mutex_lock(&kvm->lock);
		break;
	case KVM_PV_DISABLE:
		r = kvm_s390_cpus_from_pv(kvm, &cmd->rc, &cmd->rrc);
		if (!r)
			r = kvm_s390_pv_deinit_cleanup_all(kvm, &cmd->rc, &cmd->rrc);
		break;
	default:
		r = -ENOTTY;
	}
	return r;
}

void kvm_arch_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	u16 rc, rrc;

	kvm_s390_clear_local_irqs(vcpu);
	kvm_clear_async_pf_completion_queue(vcpu);
	if (!kvm_is_ucontrol(vcpu->kvm))
		sca_del_vcpu(vcpu);
	kvm_s390_update_topology_change_report(vcpu->kvm, 1);
	if (kvm_is_ucontrol(vcpu->kvm))
		gmap_remove(vcpu->arch.gmap);
	if (vcpu->kvm->arch.use_cmma)
		kvm_s390_vcpu_unsetup_cmma(vcpu);
	/* The VM is dying: vcpu->mutex is neither taken nor needed here. */
	if (kvm_s390_pv_cpu_get_handle(vcpu))
		kvm_s390_pv_destroy_cpu(vcpu, &rc, &rrc);
	free_page((unsigned long)(vcpu->arch.sie_block));
}

void kvm_arch_destroy_vm(struct kvm *kvm)
{
	u16 rc, rrc;

	kvm_destroy_vcpus(kvm);
	sca_dispose(kvm);
	kvm_s390_gisa_destroy(kvm);
	/*
	 * End of the VM's life and kvm->lock is not held. That is fine: the
	 * VM's file descriptor is closed and nobody can change the protected
	 * state any more, which is also why kvm_s390_pv_is_protected() (it
	 * asserts the lock) is not used here.
	 */
	kvm_s390_pv_deinit_cleanup_all(kvm, &rc, &rrc);
	/* Only now, and only if one was ever registered, drop the PV notifier. */
	if (kvm->arch.pv.mmu_notifier.ops)
		mmu_notifier_unregister(&kvm->arch.pv.mmu_notifier, kvm->mm);

	debug_unregister(kvm->arch.dbf);
	free_page((unsigned long)kvm->arch.sie_page2);
	if (!kvm_is_ucontrol(kvm))
		gmap_remove(kvm->arch.gmap);
	kvm_s390_destroy_adapters(kvm);
	kvm_s390_clear_float_irqs(kvm);
	kvm_s390_vsie_destroy(kvm);
	KVM_EVENT(3, "vm 0x%pK destroyed", kvm);
}
