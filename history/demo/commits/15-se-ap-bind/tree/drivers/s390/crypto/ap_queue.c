/*
 * Demo model of drivers/s390/crypto/ap_queue.c: the SE guest's bind and
 * associate attributes of an AP queue device.
 */
#include <linux/device.h>
#include <linux/sysfs.h>
#include <asm/ap.h>
#include "ap_bus.h"

static ssize_t se_bind_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct ap_queue *aq = to_ap_queue(dev);

	return sysfs_emit(buf, "%s\n", ap_q_is_bound(aq) ? "bound" : "unbound");
}

static ssize_t se_bind_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct ap_queue *aq = to_ap_queue(dev);
	struct ap_queue_status status;
	bool value;

	if (!ap_q_supports_bind(aq) || kstrtobool(buf, &value))
		return -EINVAL;

	if (!value) {
		/* Unbind: drain the queue, then reset it with the F bit set. */
		spin_lock_bh(&aq->lock);
		ap_flush_queue(aq);
		aq->rapq_fbit = 1;
		_ap_queue_init_state(aq);
		spin_unlock_bh(&aq->lock);
		return count;
	}

	status = ap_bapq(aq->qid);
	if (status.response_code != AP_RESPONSE_NORMAL)
		return -EIO;
	return count;
}

static DEVICE_ATTR_RW(se_bind);

static ssize_t se_associate_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct ap_queue *aq = to_ap_queue(dev);

	return sysfs_emit(buf, "%u\n", aq->assoc_idx);
}

static ssize_t se_associate_store(struct device *dev, struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct ap_queue *aq = to_ap_queue(dev);
	struct ap_queue_status status;
	unsigned int value;

	if (!ap_q_supports_assoc(aq) || kstrtouint(buf, 0, &value) || value > 0xffff)
		return -EINVAL;
	if (!ap_q_is_bound(aq))
		return -EINVAL;

	status = ap_aapq(aq->qid, value);
	switch (status.response_code) {
	case AP_RESPONSE_NORMAL:
	case AP_RESPONSE_STATE_CHANGE_IN_PROGRESS:
		/* Completes asynchronously; the state machine polls with TAPQ. */
		spin_lock_bh(&aq->lock);
		aq->assoc_idx = value;
		ap_wait(ap_sm_event(aq, AP_SM_EVENT_POLL));
		spin_unlock_bh(&aq->lock);
		return count;
	default:
		return -EIO;
	}
}

static DEVICE_ATTR_RW(se_associate);

static struct attribute *ap_queue_dev_sb_attrs[] = {
	&dev_attr_se_bind.attr,
	&dev_attr_se_associate.attr,
	NULL
};
