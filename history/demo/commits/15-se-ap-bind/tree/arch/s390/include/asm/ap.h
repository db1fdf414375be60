#ifndef _ASM_S390_AP_H_
#define _ASM_S390_AP_H_

/*
 * Demo model of arch/s390/include/asm/ap.h: the PQAP functions used on
 * the teardown and SE paths. ap_pqap() stands in for the instruction.
 */
#include <linux/types.h>

typedef unsigned int ap_qid_t;

#define AP_FC_TAPQ 0
#define AP_FC_RAPQ 1
#define AP_FC_ZAPQ 2
#define AP_FC_AQIC 3
#define AP_FC_BAPQ 7
#define AP_FC_AAPQ 8

#define AP_RESPONSE_NORMAL 0x00
#define AP_RESPONSE_Q_NOT_AVAIL 0x01
#define AP_RESPONSE_RESET_IN_PROGRESS 0x02
#define AP_RESPONSE_DECONFIGURED 0x03
#define AP_RESPONSE_CHECKSTOPPED 0x04
#define AP_RESPONSE_BUSY 0x05
#define AP_RESPONSE_INVALID_ADDRESS 0x06
#define AP_RESPONSE_OTHERWISE_CHANGED 0x07
#define AP_RESPONSE_STATE_CHANGE_IN_PROGRESS 0x0B
#define AP_RESPONSE_ASSOC_SECRET_NOT_UNIQUE 0x35
#define AP_RESPONSE_ASSOC_FAILED 0x36

struct ap_queue_status {
	unsigned int queue_empty : 1;
	unsigned int replies_waiting : 1;
	unsigned int queue_full : 1;
	unsigned int async : 1;
	unsigned int irq_enabled : 1;
	unsigned int response_code : 8;
};

struct ap_queue_status ap_pqap(int fc, ap_qid_t qid, unsigned long parm);

static inline struct ap_queue_status ap_tapq(ap_qid_t qid, unsigned long *info)
{
	return ap_pqap(AP_FC_TAPQ, qid, 0);
}

/* Queue resets: an SE guest unbinds with RAPQ and the F bit; vfio_ap uses ZAPQ, F bit clear. */
static inline struct ap_queue_status ap_rapq(ap_qid_t qid, int fbit)
{
	return ap_pqap(AP_FC_RAPQ, qid, fbit);
}

static inline struct ap_queue_status ap_zapq(ap_qid_t qid, int fbit)
{
	return ap_pqap(AP_FC_ZAPQ, qid, fbit);
}

/* Bind the queue to the SE guest that issues it. */
static inline struct ap_queue_status ap_bapq(ap_qid_t qid)
{
	return ap_pqap(AP_FC_BAPQ, qid, 0);
}

/* Associate a bound queue with the guest secret at index sec_idx. */
static inline struct ap_queue_status ap_aapq(ap_qid_t qid, unsigned int sec_idx)
{
	return ap_pqap(AP_FC_AAPQ, qid, sec_idx);
}

#endif
