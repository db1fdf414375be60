/*
 * Demo model of arch/arm64/kvm/vgic/vgic-init.c: vgic teardown. The GIC
 * state lives in kvm->arch.vgic and in each vCPU, not in the kvm_device.
 */
#include <linux/kvm_host.h>
#include <kvm/arm_vgic.h>
#include "vgic.h"

static void kvm_vgic_dist_destroy(struct kvm *kvm)
{
	struct vgic_dist *dist = &kvm->arch.vgic;

	dist->ready = false;
	dist->initialized = false;
	kfree(dist->spis);
	dist->spis = NULL;
	dist->nr_spis = 0;

	if (vgic_supports_direct_msis(kvm))
		vgic_v4_teardown(kvm);
}

void kvm_vgic_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	struct vgic_cpu *vgic_cpu = &vcpu->arch.vgic_cpu;

	INIT_LIST_HEAD(&vgic_cpu->ap_list_head);
}

void kvm_vgic_destroy(struct kvm *kvm)
{
	struct kvm_vcpu *vcpu;
	int i;

	kvm_vgic_dist_destroy(kvm);

	for (i = 0; i < atomic_read(&kvm->online_vcpus); i++) {
		vcpu = kvm_get_vcpu(kvm, i);
		kvm_vgic_vcpu_destroy(vcpu);
	}
}
