/*
 * Demo model of kernel/fork.c: the last user of an address space tears
 * it down.
 */
#include <linux/mm.h>
#include <linux/sched.h>

void mmput(struct mm_struct *mm)
{
	might_sleep();

	if (atomic_dec_and_test(&mm->mm_users)) {
		exit_aio(mm);
		ksm_exit(mm);
		exit_mmap(mm);
		set_mm_exe_file(mm, NULL);
		mmdrop(mm);
	}
}
