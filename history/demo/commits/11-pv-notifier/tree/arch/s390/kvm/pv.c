/*
 * Demo model of arch/s390/kvm/pv.c: creating and destroying the secure
 * configuration of a protected (Secure Execution) VM.
 */
#include <linux/kvm_host.h>
#include <linux/mmu_notifier.h>
#include <asm/uv.h>
#include "kvm-s390.h"

int kvm_s390_pv_deinit_vm(struct kvm *kvm, u16 *rc, u16 *rrc)
{
	int cc;

	cc = uv_cmd_nodata(kvm_s390_pv_get_handle(kvm), UVC_CMD_DESTROY_SEC_CONF, rc, rrc);
	WRITE_ONCE(kvm->arch.gmap->guest_handle, 0);
	/* Give every page back to the host while the address space still exists. */
	if (!cc && mmget_not_zero(kvm->mm)) {
		s390_uv_destroy_range(kvm->mm, 0, TASK_SIZE);
		mmput(kvm->mm);
	}
	if (!cc) {
		atomic_dec(&kvm->mm->context.protected_count);
		kvm_s390_pv_dealloc_vm(kvm);
	} else {
		/* The UV still owns the donated storage: leak it, never reuse the table. */
		s390_replace_asce(kvm->arch.gmap);
	}
	WARN_ONCE(cc, "destroy secure configuration failed: rc %x rrc %x", *rc, *rrc);
	return cc ? -EIO : 0;
}

static void kvm_s390_pv_mmu_notifier_release(struct mmu_notifier *subscription,
					     struct mm_struct *mm)
{
	struct kvm *kvm = container_of(subscription, typeof(*kvm), arch.pv.mmu_notifier);
	u16 dummy;

	/*
	 * No locking is needed since this is the last thread of the last user of this
	 * struct mm.
	 * The notifier is only unregistered when the kvm is deinitialised, so if
	 * it runs at all, the kvm is still valid.
	 */
	kvm_s390_cpus_from_pv(kvm, &dummy, &dummy);
}

static const struct mmu_notifier_ops kvm_s390_pv_mmu_notifier_ops = {
	.release = kvm_s390_pv_mmu_notifier_release,
};

int kvm_s390_pv_init_vm(struct kvm *kvm, u16 *rc, u16 *rrc)
{
	struct uv_cb_cgc uvcb = {
		.header.cmd = UVC_CMD_CREATE_SEC_CONF,
		.header.len = sizeof(uvcb),
	};
	u16 dummy;
	int cc, ret;

	ret = kvm_s390_pv_alloc_vm(kvm);
	if (ret)
		return ret;

	uvcb.guest_asce = kvm->arch.gmap->asce;
	uvcb.conf_base_stor_origin = (u64)kvm->arch.pv.stor_base;
	cc = uv_call_sched(0, (u64)&uvcb);
	*rc = uvcb.header.rc;
	*rrc = uvcb.header.rrc;
	kvm->arch.pv.handle = uvcb.guest_handle;
	atomic_inc(&kvm->mm->context.protected_count);
	if (cc) {
		if (uvcb.header.rc & UVC_RC_NEED_DESTROY)
			kvm_s390_pv_deinit_vm(kvm, &dummy, &dummy);
		else
			kvm_s390_pv_dealloc_vm(kvm);
		return -EIO;
	}
	kvm->arch.gmap->guest_handle = uvcb.guest_handle;

	/* Registered once per VM; removed only by kvm_arch_destroy_vm(). */
	if (!kvm->arch.pv.mmu_notifier.ops) {
		kvm->arch.pv.mmu_notifier.ops = &kvm_s390_pv_mmu_notifier_ops;
		mmu_notifier_register(&kvm->arch.pv.mmu_notifier, kvm->mm);
	}
	return 0;
}
