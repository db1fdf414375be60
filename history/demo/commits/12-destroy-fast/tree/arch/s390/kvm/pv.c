/*
 * Demo model of arch/s390/kvm/pv.c: creating and destroying the secure
 * configuration of a protected (Secure Execution) VM.
 */
#include <linux/kvm_host.h>
#include <linux/mmu_notifier.h>
#include <asm/uv.h>
#include "kvm-s390.h"

/* Caller holds kvm->lock. */
int kvm_s390_pv_deinit_vm(struct kvm *kvm, u16 *rc, u16 *rrc)
{
	int cc;

	cc = uv_cmd_nodata(kvm_s390_pv_get_handle(kvm), UVC_CMD_DESTROY_SEC_CONF, rc, rrc);
	WRITE_ONCE(kvm->arch.gmap->guest_handle, 0);
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

/* Destroy Secure Configuration Fast: storage is only freed on success. */
static int kvm_s390_pv_deinit_vm_fast(struct kvm *kvm, u16 *rc, u16 *rrc)
{
	int cc;

	cc = uv_cmd_nodata(kvm_s390_pv_get_handle(kvm), UVC_CMD_DESTROY_SEC_CONF_FAST, rc, rrc);
	WRITE_ONCE(kvm->arch.gmap->guest_handle, 0);
	if (!cc) {
		atomic_dec(&kvm->mm->context.protected_count);
		kvm_s390_pv_dealloc_vm(kvm);
	}
	WARN_ONCE(cc, "destroy secure configuration fast failed: rc %x rrc %x", *rc, *rrc);
	return cc ? -EIO : 0;
}

/* ASYNC_CLEANUP_PREPARE, under kvm->lock: the guest continues unprotected. */
int kvm_s390_pv_set_aside(struct kvm *kvm, u16 *rc, u16 *rrc)
{
	struct pv_vm_to_be_destroyed *priv;
	int res = 0;

	if (kvm->arch.pv.set_aside)
		return -EINVAL;
	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;

	/* With Destroy Fast the configuration goes now; otherwise it is stashed. */
	if (is_destroy_fast_available())
		res = kvm_s390_pv_deinit_vm_fast(kvm, rc, rrc);
	else
		res = kvm_s390_pv_stash_config(kvm, priv);
	if (res) {
		kfree(priv);
		return res;
	}
	kvm_s390_destroy_lower_2g(kvm);
	kvm_s390_clear_pv_state(kvm);
	kvm->arch.pv.set_aside = priv;
	return 0;
}

/* ASYNC_CLEANUP_PERFORM: must be called without kvm->lock. */
int kvm_s390_pv_deinit_aside_vm(struct kvm *kvm, u16 *rc, u16 *rrc)
{
	struct pv_vm_to_be_destroyed *p;
	int ret = 0;

	mutex_lock(&kvm->lock);
	p = kvm->arch.pv.set_aside;
	kvm->arch.pv.set_aside = NULL;
	mutex_unlock(&kvm->lock);
	if (!p)
		return -EINVAL;
	if (p->handle)
		ret = kvm_s390_pv_dispose_one_leftover(kvm, p, rc, rrc);
	if (fatal_signal_pending(current)) {
		/* Leave the rest for kvm_s390_pv_deinit_cleanup_all(). */
		mutex_lock(&kvm->lock);
		list_add(&p->list, &kvm->arch.pv.need_cleanup);
		mutex_unlock(&kvm->lock);
		return -EINTR;
	}
	kfree(p);
	return ret;
}

/*
 * Destroys the current configuration and every leftover (set aside or
 * waiting for cleanup). kvm->lock must be held, unless called from
 * kvm_arch_destroy_vm().
 */
int kvm_s390_pv_deinit_cleanup_all(struct kvm *kvm, u16 *rc, u16 *rrc)
{
	struct pv_vm_to_be_destroyed *cur;
	bool need_zap = false;
	int cc = 0;

	if (!atomic_inc_not_zero(&kvm->mm->context.protected_count))
		return 0;

	if (kvm_s390_pv_get_handle(kvm)) {
		cc = kvm_s390_pv_deinit_vm(kvm, rc, rrc);
		need_zap = true;
	}
	if (kvm->arch.pv.set_aside) {
		list_add(&kvm->arch.pv.set_aside->list, &kvm->arch.pv.need_cleanup);
		kvm->arch.pv.set_aside = NULL;
	}
	while (!list_empty(&kvm->arch.pv.need_cleanup)) {
		cur = list_first_entry(&kvm->arch.pv.need_cleanup, typeof(*cur), list);
		need_zap = true;
		if (kvm_s390_pv_dispose_one_leftover(kvm, cur, rc, rrc))
			cc = 1;
		list_del(&cur->list);
		kfree(cur);
	}
	if (need_zap && mmget_not_zero(kvm->mm)) {
		s390_uv_destroy_range(kvm->mm, 0, TASK_SIZE);
		mmput(kvm->mm);
	}
	atomic_dec(&kvm->mm->context.protected_count);
	return cc ? -EIO : 0;
}

static void kvm_s390_pv_mmu_notifier_release(struct mmu_notifier *subscription,
					     struct mm_struct *mm)
{
	struct kvm *kvm = container_of(subscription, typeof(*kvm), arch.pv.mmu_notifier);
	u16 dummy;
	int r;

	/*
	 * No locking is needed since this is the last thread of the last user of this
	 * struct mm.
	 * The notifier is only unregistered when the kvm is deinitialised, so if
	 * it runs at all, the kvm is still valid.
	 */
	r = kvm_s390_cpus_from_pv(kvm, &dummy, &dummy);
	if (!r && is_destroy_fast_available() && kvm_s390_pv_get_handle(kvm))
		kvm_s390_pv_deinit_vm_fast(kvm, &dummy, &dummy);
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
