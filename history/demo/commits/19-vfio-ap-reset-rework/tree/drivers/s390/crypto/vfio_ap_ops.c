/*
 * Demo model of drivers/s390/crypto/vfio_ap_ops.c: how a vfio_ap mdev
 * attaches to a guest's KVM and how its AP queues are reset.
 */
#include <linux/vfio.h>
#include <asm/kvm.h>
#include <asm/zcrypt.h>
#include "vfio_ap_private.h"

#define AP_RESET_INTERVAL 20

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

/* A protected guest's NIB must be shared with the host before AQIC may use it. */
static int ensure_nib_shared(unsigned long addr, struct gmap *gmap)
{
	int ret = uv_pin_shared(addr);

	if (ret) {
		/* Not shared yet: import the page and try once more. */
		gmap_convert_to_secure(gmap, addr);
		ret = uv_pin_shared(addr);
	}
	return ret;
}

static struct ap_queue_status vfio_ap_irq_enable(struct vfio_ap_queue *q, int isc,
						 struct kvm_vcpu *vcpu, unsigned long h_nib)
{
	struct ap_queue_status status = {};

	if (kvm_s390_pv_cpu_is_protected(vcpu) && ensure_nib_shared(h_nib, vcpu->arch.gmap)) {
		status.response_code = AP_RESPONSE_INVALID_ADDRESS;
		return status;
	}
	q->saved_isc = isc;
	status = ap_aqic(q->apqn, kvm_s390_gisc_register(vcpu->kvm, isc), h_nib);
	return status;
}

/* 0: reset verified; -EBUSY: keep waiting; -EAGAIN: issue ZAPQ again. */
static int apq_status_check(int apqn, struct ap_queue_status *status)
{
	switch (status->response_code) {
	case AP_RESPONSE_NORMAL:
		return (!status->queue_empty || status->irq_enabled) ? -EBUSY : 0;
	case AP_RESPONSE_Q_NOT_AVAIL:
	case AP_RESPONSE_DECONFIGURED:
	case AP_RESPONSE_CHECKSTOPPED:
		return 0;
	case AP_RESPONSE_RESET_IN_PROGRESS:
	case AP_RESPONSE_BUSY:
		return -EBUSY;
	case AP_RESPONSE_ASSOC_SECRET_NOT_UNIQUE:
	case AP_RESPONSE_ASSOC_FAILED:
		return -EAGAIN;
	default:
		WARN(true, "queue %04x: unexpected TAPQ response %02x", apqn, status->response_code);
		return -EIO;
	}
}

/* Work item: poll every 20 ms until the reset is verified, with no upper bound. */
static void apq_reset_check(struct work_struct *reset_work)
{
	struct vfio_ap_queue *q = container_of(reset_work, typeof(*q), reset_work);
	struct ap_queue_status status;
	int ret, elapsed = 0;

	for (;;) {
		msleep(AP_RESET_INTERVAL);
		elapsed += AP_RESET_INTERVAL;
		status = ap_tapq(q->apqn, NULL);
		ret = apq_status_check(q->apqn, &status);
		if (ret == -EBUSY) {
			pr_notice_ratelimited("queue %04x: waited %dms for reset\n", q->apqn, elapsed);
			continue;
		}
		/* Somebody else's reset was running, or association failed: reset again. */
		if (ret == -EAGAIN || (ret == 0 && q->reset_status.response_code)) {
			q->reset_status = ap_zapq(q->apqn, 0);
			continue;
		}
		break;
	}
	if (ret == 0)
		vfio_ap_free_aqic_resources(q);
}

static void vfio_ap_mdev_reset_queue(struct vfio_ap_queue *q)
{
	if (!q)
		return;

	q->reset_status = ap_zapq(q->apqn, 0);
	switch (q->reset_status.response_code) {
	case AP_RESPONSE_NORMAL:
	case AP_RESPONSE_RESET_IN_PROGRESS:
	case AP_RESPONSE_BUSY:
	case AP_RESPONSE_STATE_CHANGE_IN_PROGRESS:
		queue_work(system_long_wq, &q->reset_work);
		break;
	case AP_RESPONSE_DECONFIGURED:
	case AP_RESPONSE_CHECKSTOPPED:
	case AP_RESPONSE_Q_NOT_AVAIL:
		vfio_ap_free_aqic_resources(q);
		break;
	default:
		WARN(true, "queue %04x: unexpected ZAPQ response %02x", q->apqn,
		     q->reset_status.response_code);
	}
}

/* All ZAPQs first, then wait for every one of them. */
static int vfio_ap_mdev_reset_queues(struct ap_matrix_mdev *matrix_mdev)
{
	int i, ret = 0;

	for (i = 0; i < matrix_mdev->qtable.nr_queues; i++)
		vfio_ap_mdev_reset_queue(matrix_mdev->qtable.queues[i]);
	for (i = 0; i < matrix_mdev->qtable.nr_queues; i++) {
		flush_work(&matrix_mdev->qtable.queues[i]->reset_work);
		if (matrix_mdev->qtable.queues[i]->reset_status.response_code)
			ret = -EIO;
	}
	return ret;
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
