/*
 * Demo model of kernel/exit.c: the order in which an exiting task gives
 * up its address space, its files and finally itself.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/task_work.h>

/* Drops the task's reference to its address space. */
static void exit_mm(struct task_struct *tsk)
{
	struct mm_struct *mm = tsk->mm;

	if (!mm)
		return;
	task_lock(tsk);
	tsk->mm = NULL;
	task_unlock(tsk);
	mmput(mm);
}

/* Reparents the children and tells the parent; the task becomes a zombie. */
static void exit_notify(struct task_struct *tsk, int group_dead)
{
	write_lock_irq(&tasklist_lock);
	forget_original_parent(tsk);
	tsk->exit_state = EXIT_ZOMBIE;
	do_notify_parent(tsk, tsk->exit_signal);
	write_unlock_irq(&tasklist_lock);
}

void do_exit(long code)
{
	struct task_struct *tsk = current;
	int group_dead;

	exit_signals(tsk);
	group_dead = atomic_dec_and_test(&tsk->signal->live);
	tsk->exit_code = code;

	/*
	 * The address space goes before the files: when this was the last
	 * user of the mm, its mmu notifiers have run before any file of the
	 * task is released.
	 */
	exit_mm(tsk);
	exit_sem(tsk);
	exit_shm(tsk);
	exit_files(tsk);
	exit_fs(tsk);
	/* The last fput() of each file was deferred to here: ->release runs now. */
	exit_task_work(tsk);
	exit_notify(tsk, group_dead);

	tsk->state = TASK_DEAD;
	schedule();
	BUG();
}
