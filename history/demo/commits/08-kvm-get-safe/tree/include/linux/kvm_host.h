#ifndef __KVM_HOST_H
#define __KVM_HOST_H

/*
 * Demo model of include/linux/kvm_host.h: only the members and the
 * declarations that VM teardown touches.
 */
#include <linux/types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/srcu.h>
#include <linux/mmu_notifier.h>
#include <asm/kvm_host.h>

struct kvm {
	spinlock_t mmu_lock;
	struct mutex slots_lock;
	struct mm_struct *mm;
	struct kvm_memslots *memslots[KVM_ADDRESS_SPACE_NUM];
	struct srcu_struct srcu;
	struct srcu_struct irq_srcu;
	struct kvm_vcpu *vcpus[KVM_MAX_VCPUS];
	atomic_t online_vcpus;
	struct list_head vm_list;
	struct mutex lock;
	struct kvm_io_bus *buses[KVM_NR_BUSES];
	struct list_head devices;
	struct kvm_arch arch;
	refcount_t users_count;
	struct mmu_notifier mmu_notifier;
	long mn_active_invalidate_count;
	struct rcuwait mn_memslots_update_rcuwait;
	struct dentry *debugfs_dentry;
	struct kvm_stat_data **debugfs_stat_data;
};

void kvm_get_kvm(struct kvm *kvm);
bool kvm_get_kvm_safe(struct kvm *kvm);
void kvm_put_kvm(struct kvm *kvm);
void kvm_put_kvm_no_destroy(struct kvm *kvm);

int kvm_arch_init_vm(struct kvm *kvm, unsigned long type);
int kvm_arch_post_init_vm(struct kvm *kvm);
void kvm_arch_sync_events(struct kvm *kvm);
void kvm_arch_pre_destroy_vm(struct kvm *kvm);
void kvm_arch_destroy_vm(struct kvm *kvm);
void kvm_flush_shadow_all(struct kvm *kvm);
void kvm_arch_vcpu_free(struct kvm_vcpu *vcpu);
void kvm_arch_vcpu_destroy(struct kvm_vcpu *vcpu);

static inline struct kvm_vcpu *kvm_get_vcpu(struct kvm *kvm, int i)
{
	return kvm->vcpus[i];
}

static inline void kvm_arch_free_vm(struct kvm *kvm)
{
	kfree(kvm);
}

struct kvm_device {
	struct kvm_device_ops *ops;
	struct kvm *kvm;
	void *private;
	struct list_head vm_node;
};

/* Every device type must provide name, create and destroy. */
struct kvm_device_ops {
	const char *name;

	/*
	 * create runs with kvm->lock held. Anything that cannot be done
	 * under that lock belongs in init, which runs right after a
	 * successful create, without the lock.
	 */
	int (*create)(struct kvm_device *dev, u32 type);
	void (*init)(struct kvm_device *dev);

	/*
	 * Destroy is responsible for freeing dev.
	 *
	 * It may run before or after the destructors of emulated I/O
	 * regions have been called, depending on whether a vcpu or another
	 * kvm component that is destroyed after the emulated I/O still
	 * holds a reference to the device.
	 */
	void (*destroy)(struct kvm_device *dev);

	/*
	 * Release is the other way to free a device: it is called when the
	 * device fd is closed, with kvm->lock held, after the device has been
	 * taken off kvm->devices. Destroy is therefore never called for a
	 * device once it has been released.
	 */
	void (*release)(struct kvm_device *dev);

	int (*set_attr)(struct kvm_device *dev, struct kvm_device_attr *attr);
	int (*get_attr)(struct kvm_device *dev, struct kvm_device_attr *attr);
	int (*has_attr)(struct kvm_device *dev, struct kvm_device_attr *attr);
	long (*ioctl)(struct kvm_device *dev, unsigned int ioctl, unsigned long arg);
	int (*mmap)(struct kvm_device *dev, struct vm_area_struct *vma);
};

void kvm_device_get(struct kvm_device *dev);
void kvm_device_put(struct kvm_device *dev);

int kvm_register_device_ops(struct kvm_device_ops *ops, u32 type);

extern struct kvm_device_ops kvm_mpic_ops;
extern struct kvm_device_ops kvm_arm_vgic_v2_ops;
extern struct kvm_device_ops kvm_arm_vgic_v3_ops;

#endif
