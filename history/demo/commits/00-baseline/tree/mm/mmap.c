/*
 * Demo model of mm/mmap.c: unmapping everything when an address space
 * has no user left.
 */
#include <linux/mm.h>
#include <linux/mmu_notifier.h>

void exit_mmap(struct mm_struct *mm)
{
	struct vm_area_struct *vma;

	/* Notifier users (KVM among them) hear of it before any page goes. */
	mmu_notifier_release(mm);

	vma = mm->mmap;
	if (!vma)
		return;
	unmap_vmas(mm, vma, 0, -1);
	free_pgtables(mm, vma, FIRST_USER_ADDRESS, 0);
	while (vma)
		vma = remove_vma(vma);
}
