/*
 * Demo model of drivers/s390/crypto/vfio_ap_ops.c: how a vfio_ap mdev
 * attaches to a guest's KVM and how its AP queues are reset.
 */
#include <linux/vfio.h>
#include <asm/kvm.h>
#include <asm/zcrypt.h>
#include "vfio_ap_private.h"

/* Lock order: guests_lock, kvm->lock, pqap_hook_rwsem, mdevs_lock. */
static int vfio_ap_mdev_set_kvm(struct ap_matrix_mdev *matrix_mdev, struct kvm *kvm)
{
	if (!kvm->arch.crypto.crycbd)
		return 0;

	get_update_locks_for_kvm(kvm);
	if (kvm->arch.crypto.pqap_hook) {
		release_update_locks_for_kvm(kvm);
		return -EPERM;
	}
	kvm->arch.crypto.pqap_hook = &matrix_mdev->pqap_hook;
	kvm_get_kvm(kvm);
	matrix_mdev->kvm = kvm;
	vfio_ap_mdev_update_guest_apcb(matrix_mdev);
	release_update_locks_for_kvm(kvm);
	return 0;
}

static int vfio_ap_mdev_reset_queue(struct vfio_ap_queue *q, unsigned int retry)
{
	struct ap_queue_status status;
	int polls = 2;

	if (!q)
		return 0;

	status = ap_zapq(q->apqn);
	while (status.response_code == AP_RESPONSE_RESET_IN_PROGRESS && retry--) {
		msleep(20);
		status = ap_zapq(q->apqn);
	}

	switch (status.response_code) {
	case AP_RESPONSE_NORMAL:
	case AP_RESPONSE_RESET_IN_PROGRESS:
		break;
	case AP_RESPONSE_Q_NOT_AVAIL:
	case AP_RESPONSE_DECONFIGURED:
	case AP_RESPONSE_CHECKSTOPPED:
		WARN_ON_ONCE(status.irq_enabled);
		vfio_ap_free_aqic_resources(q);
		return -EBUSY;
	default:
		WARN(true, "ZAPQ of queue %04x: unexpected response %u", q->apqn, status.response_code);
		return -EIO;
	}

	/* Bounded: at most two TAPQ polls, 20 ms apart. */
	while (polls-- > 0 && !(status.queue_empty && !status.irq_enabled)) {
		msleep(20);
		status = ap_tapq(q->apqn, NULL);
	}
	WARN_ONCE(!status.queue_empty || status.irq_enabled,
		  "unable to verify reset of queue %04x", q->apqn);
	vfio_ap_free_aqic_resources(q);
	return 0;
}

static int vfio_ap_mdev_reset_queues(struct ap_matrix_mdev *matrix_mdev)
{
	int i, ret, rc = 0;

	/* Keep going on errors: every queue gets its reset attempt. */
	for (i = 0; i < matrix_mdev->qtable.nr_queues; i++) {
		ret = vfio_ap_mdev_reset_queue(matrix_mdev->qtable.queues[i], 1);
		if (ret && !rc)
			rc = ret;
	}
	return rc;
}

static void vfio_ap_mdev_unset_kvm(struct ap_matrix_mdev *matrix_mdev)
{
	struct kvm *kvm = matrix_mdev->kvm;

	if (!kvm || !kvm->arch.crypto.crycbd)
		return;

	get_update_locks_for_kvm(kvm);
	kvm->arch.crypto.pqap_hook = NULL;
	kvm_arch_crypto_clear_masks(kvm);
	vfio_ap_mdev_reset_queues(matrix_mdev);
	matrix_mdev->kvm = NULL;
	release_update_locks_for_kvm(kvm);
	kvm_put_kvm(kvm);
}

static int vfio_ap_mdev_open_device(struct vfio_device *vdev)
{
	struct ap_matrix_mdev *matrix_mdev = container_of(vdev, typeof(*matrix_mdev), vdev);

	if (!vdev->kvm)
		return -EINVAL;
	return vfio_ap_mdev_set_kvm(matrix_mdev, vdev->kvm);
}

static void vfio_ap_mdev_close_device(struct vfio_device *vdev)
{
	struct ap_matrix_mdev *matrix_mdev = container_of(vdev, typeof(*matrix_mdev), vdev);

	vfio_ap_mdev_unset_kvm(matrix_mdev);
}

static long vfio_ap_mdev_ioctl(struct vfio_device *vdev, unsigned int cmd, unsigned long arg)
{
	struct ap_matrix_mdev *matrix_mdev = container_of(vdev, typeof(*matrix_mdev), vdev);
	long ret = -EOPNOTSUPP;

	mutex_lock(&matrix_dev->mdevs_lock);
	if (cmd == VFIO_DEVICE_RESET)
		ret = vfio_ap_mdev_reset_queues(matrix_mdev);
	mutex_unlock(&matrix_dev->mdevs_lock);
	return ret;
}

static const struct vfio_device_ops vfio_ap_matrix_dev_ops = {
	.open_device = vfio_ap_mdev_open_device,
	.close_device = vfio_ap_mdev_close_device,
	.ioctl = vfio_ap_mdev_ioctl,
};
