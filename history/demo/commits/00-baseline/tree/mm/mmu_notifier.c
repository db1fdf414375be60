/*
 * Demo model of mm/mmu_notifier.c: ->release runs once per notifier,
 * from the mm teardown or from unregister, whichever comes first.
 */
#include <linux/mmu_notifier.h>
#include <linux/srcu.h>

DEFINE_STATIC_SRCU(srcu);

/* Called by exit_mmap(): every registered notifier's ->release, then unhooked. */
void __mmu_notifier_release(struct mm_struct *mm)
{
	struct hlist_head *list = &mm->mmu_notifier_mm->list;
	struct hlist_node *node;
	struct mmu_notifier *mn;
	int id;

	id = srcu_read_lock(&srcu);
	for (node = list->first; node; node = node->next) {
		mn = hlist_entry(node, typeof(*mn), hlist);
		if (mn->ops->release)
			mn->ops->release(mn, mm);
	}
	srcu_read_unlock(&srcu, id);

	spin_lock(&mm->mmu_notifier_mm->lock);
	while (!hlist_empty(list))
		hlist_del_init_rcu(list->first);
	spin_unlock(&mm->mmu_notifier_mm->lock);
	synchronize_srcu(&srcu);
}

/*
 * A notifier still hooked gets its ->release here; one that exit_mmap()
 * already released is only waited for.
 */
void mmu_notifier_unregister(struct mmu_notifier *mn, struct mm_struct *mm)
{
	if (!hlist_unhashed(&mn->hlist)) {
		int id = srcu_read_lock(&srcu);

		if (mn->ops->release)
			mn->ops->release(mn, mm);
		srcu_read_unlock(&srcu, id);

		spin_lock(&mm->mmu_notifier_mm->lock);
		hlist_del_init_rcu(&mn->hlist);
		spin_unlock(&mm->mmu_notifier_mm->lock);
	}
	synchronize_srcu(&srcu);
	mmdrop(mm);
}
