#ifndef _LINUX_MMU_NOTIFIER_H
#define _LINUX_MMU_NOTIFIER_H

/*
 * Demo model of include/linux/mmu_notifier.h: the release hook and how
 * the mm teardown reaches it.
 */
#include <linux/list.h>
#include <linux/mm_types.h>

struct mmu_notifier;

struct mmu_notifier_ops {
	/* The address space is going away (exit_mmap) or the notifier is unregistered. */
	void (*release)(struct mmu_notifier *mn, struct mm_struct *mm);
};

struct mmu_notifier {
	struct hlist_node hlist;
	const struct mmu_notifier_ops *ops;
};

void __mmu_notifier_release(struct mm_struct *mm);
int mmu_notifier_register(struct mmu_notifier *mn, struct mm_struct *mm);
void mmu_notifier_unregister(struct mmu_notifier *mn, struct mm_struct *mm);

static inline void mmu_notifier_release(struct mm_struct *mm)
{
	if (mm_has_notifiers(mm))
		__mmu_notifier_release(mm);
}

#endif
