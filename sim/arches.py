"""Provides the architecture tables: device kinds, fd layout and ``kvm_arch_destroy_vm`` steps.

Each architecture is data (facts F4.x): the kvm_device kinds a typical VM of that
architecture creates, whether each is destroy-style or release-style (and from which feature
on), what its teardown frees and touches, the order of the process's file descriptors, and the
steps of its ``kvm_arch_destroy_vm()``. A step or device that exists only in some eras names
the feature it requires; nothing here tests a version number.

What vCPU teardown dereferences is a table too (:class:`VcpuRef`): per device kind, the
device-private object a connected vCPU keeps a pointer into (MPIC's ``opp->dst[]``), and per
architecture the VM-scope objects it reads (x86's PIC from nested teardown). Kinds whose vCPU
state lives in the vCPU or in ``kvm->arch`` (vGIC, ITS, AIA, FLIC) have none, each with the
fact that says so. Whether a swap is a use-after-free then follows from this table and the
step order; no architecture is special-cased in the rules.

The fd order is the order QEMU opens them: the VM fd (kvm_init), the vCPU fds (s390:
``ccw_init`` creates the CPUs before ``s390_flic_init``), kvm_devices, then per VFIO group
the group fd, the container fd, the kvm-vfio device (created when the first group is added)
and the device fd (hw/vfio: group, container, ``vfio_kvm_device_add_group``, device). At
exit the deferred releases run highest fd first (F7.5).

Only model-relevant steps are listed (those that free or touch an object a claim can see);
the others (``kvm_unshare_hyp``, ``gmap_remove``, ...) change no modelled state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sim.eras import Version
from sim.facts import require_facts


@dataclass(frozen=True, slots=True)
class VcpuRef:
    """Something vCPU teardown (``kvm_destroy_vcpus``) dereferences."""

    obj: str
    """The object read or written (a device's private state, or a VM-scope object)."""
    function: str
    fact: str
    toggle: str = ""
    """Toggle that must be true for the dereference to exist (behaviour nobody confirmed)."""
    requires: tuple[str, ...] = ()
    """Features of the code that dereferences it."""
    when: str = ""
    """'' always, or 'nested': only for a vCPU that runs a nested guest."""
    mark: str = ""
    """Claim mark of the dereferencing step (e.g. 'mpic_disconnect')."""


@dataclass(frozen=True, slots=True)
class DeviceKind:
    """A kvm_device type as one architecture's VM uses it."""

    kind: str
    ops: str
    fact: str
    destroy_fn: str
    release_fn: str = ""
    release_feature: str = ""
    """Feature from which the kind is release-style ('' = always destroy-style)."""
    requires: tuple[str, ...] = ()
    toggle: str = ""
    """Toggle that must be true for the kind to exist at all (uncertain device sets)."""
    irqchip: bool = False
    """vCPUs connect to it (vcpu->arch.irq_type / mpic / icp point at it)."""
    vcpu_refs: tuple[VcpuRef, ...] = ()
    """What the teardown of a connected vCPU dereferences in this device."""
    state: str = ""
    """Device-private object freed with the device (openpic, ...), '' if none."""
    frees_shell: bool = True
    """False where destroy leaves the kvm_device itself allocated (F4.15)."""
    touches_kvm: bool = False
    """ops->destroy dereferences struct kvm (kvm->arch.mpic/flic cleared, kvm->arch.vgic,
    assignment counters)."""


@dataclass(frozen=True, slots=True)
class ArchStep:
    """One modelled step of an architecture's ``kvm_arch_destroy_vm()``."""

    name: str
    fact: str
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    function: str = ""
    """The call chain that performs it when the step is not a function of its own name."""


@dataclass(frozen=True, slots=True)
class FileSpec:
    """One file descriptor of the VMM process, in fd order; 'vcpus' stands for all vCPU fds."""

    name: str
    requires: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Arch:
    """Everything architecture-specific the model needs."""

    name: str
    title: str
    fact: str
    files: tuple[FileSpec, ...]
    devices: tuple[DeviceKind, ...]
    steps: tuple[ArchStep, ...]
    documented: tuple[Version, ...]
    """Trees in which this architecture's teardown was read for its facts."""
    vfio: str = ""
    """'mdev' (vfio_ap), 'pci' (a vfio-pci device) or '' (no VFIO device)."""
    pv: bool = False
    ioapic: bool = False
    vcpu_refs: tuple[VcpuRef, ...] = ()
    """VM-scope objects vCPU teardown reads (independent of any kvm_device)."""

    @property
    def kernel_dir(self) -> str:
        """Its directory under ``arch/`` in a kernel tree (both powerpc flavours share one)."""
        return self.name.split("-", 1)[0]


_MPIC = DeviceKind("mpic", "kvm_mpic_ops", "F4.5", "mpic_destroy", irqchip=True,
                   vcpu_refs=(VcpuRef("openpic", "kvmppc_mpic_disconnect_vcpu", "F4.5",
                                      mark="mpic_disconnect"),),
                   state="openpic", requires=("device-api",), touches_kvm=True)
_XICS = DeviceKind("xics", "kvm_xics_ops", "F4.6", "kvmppc_xics_free", "kvmppc_xics_release",
                   "release-callback", requires=("device-api",), irqchip=True,
                   vcpu_refs=(VcpuRef("xics-state", "kvmppc_xics_free_icp", "F4.4",
                                      toggle="xics-icp-free-touches-device"),),
                   state="xics-state")
# FLIC: nothing in vCPU or arch teardown touches the kvm_device (F4.12).
_FLIC = DeviceKind("flic", "kvm_flic_ops", "F4.12", "flic_destroy", touches_kvm=True)
_KVM_VFIO = DeviceKind("kvm-vfio", "kvm_vfio_ops", "F1.7", "kvm_vfio_destroy",
                       "kvm_vfio_release", "kvm-vfio-release", requires=("kvm-vfio",),
                       touches_kvm=True)
# vGIC: GIC state lives in kvm->arch.vgic and per-vCPU vgic_cpu; the kvm_device is a shell
# (F4.9). ITS: no pointer from vCPU or vgic teardown into struct vgic_its was found (F4.10).
_VGIC = DeviceKind("vgic", "kvm_arm_vgic_v3_ops", "F4.9", "vgic_destroy")
_ITS = DeviceKind("its", "kvm_arm_vgic_its_ops", "F4.10", "vgic_its_destroy", state="its",
                  touches_kvm=True)
# AIA: per-vCPU IMSIC state is cleaned in vCPU deinit, from the vCPU itself (F4.14).
_AIA = DeviceKind("aia", "kvm_riscv_aia_device_ops", "F4.14", "aia_destroy",
                  requires=("riscv-aia",))
_EIOINTC = DeviceKind("eiointc", "kvm_eiointc_dev_ops", "F4.15", "kvm_eiointc_destroy",
                      toggle="loongarch-irqchip-devices", irqchip=True,
                      vcpu_refs=(VcpuRef("eiointc-state", "kvm_arch_vcpu_destroy", "F4.15",
                                         toggle="loongarch-vcpu-uses-irqchip"),),
                      state="eiointc-state", frees_shell=False)
# x86: leaving nested mode at vCPU free reads the PIC only in code newer than [6.12] (F2.8).
_X86_NESTED_PIC = VcpuRef("pic", "nested_vmx_vmexit → kvm_cpu_has_injectable_intr", "F2.8",
                          requires=("x86-nested-exit-reads-pic",), when="nested")

_BOTH: tuple[Version, ...] = ((6, 1), (6, 12))

ARCHES: dict[str, Arch] = {
    arch.name: arch
    for arch in (
        Arch(
            "s390", "s390 (FLIC, kvm-vfio, vfio_ap, PV)", "F4.11",
            files=(FileSpec("vm"), FileSpec("vcpus"), FileSpec("dev:flic"),
                   FileSpec("vfio-group", ("vfio-ap",)), FileSpec("vfio-container", ("vfio-ap",)),
                   FileSpec("dev:kvm-vfio", ("vfio-ap",)), FileSpec("mdev", ("vfio-ap",))),
            devices=(_FLIC, DeviceKind("kvm-vfio", "kvm_vfio_ops", "F1.7", "kvm_vfio_destroy",
                                       "kvm_vfio_release", "kvm-vfio-release",
                                       requires=("kvm-vfio", "vfio-ap"), touches_kvm=True)),
            steps=(ArchStep("kvm_destroy_vcpus", "F4.11"),
                   ArchStep("kvm_s390_gisa_destroy", "F7.7"),
                   ArchStep("kvm_s390_pv_deinit_vm", "F7.1", ("pv",), ("pv-async-cleanup",)),
                   ArchStep("kvm_s390_pv_deinit_cleanup_all", "F7.6", ("pv", "pv-async-cleanup")),
                   ArchStep("mmu_notifier_unregister", "F7.4", ("pv", "pv-mmu-notifier")),
                   # no function of its own: kvm_arch_destroy_vm() frees kvm->arch.sie_page2
                   # with free_page() ([6.12] arch/s390/kvm/kvm-s390.c:3482, F4.11)
                   ArchStep("free_sie_page2", "F6.4",
                            function="kvm_arch_destroy_vm → free_page")),
            documented=_BOTH, vfio="mdev", pv=True,
        ),
        Arch(
            "x86", "x86 (kvm-vfio only; PIC/IOAPIC are not kvm_devices)", "F4.1",
            files=(FileSpec("vm"), FileSpec("vcpus"), FileSpec("vfio-group"),
                   FileSpec("vfio-container"), FileSpec("dev:kvm-vfio"), FileSpec("vfio-dev")),
            devices=(_KVM_VFIO,),
            steps=(ArchStep("kvm_destroy_vcpus", "F2.8", ("x86-vcpus-first",)),
                   ArchStep("kvm_pic_destroy", "F4.1"),
                   ArchStep("kvm_ioapic_destroy", "F4.1"),
                   ArchStep("kvm_destroy_vcpus", "F4.1", (), ("x86-vcpus-first",))),
            documented=_BOTH, vfio="pci", ioapic=True, vcpu_refs=(_X86_NESTED_PIC,),
        ),
        Arch(
            "powerpc-e500", "powerpc e500 (in-kernel MPIC)", "F4.5",
            files=(FileSpec("vm"), FileSpec("vcpus"), FileSpec("dev:mpic", ("device-api",))),
            devices=(_MPIC,),
            steps=(ArchStep("kvm_destroy_vcpus", "F4.5"),
                   ArchStep("kvmppc_core_destroy_vm", "F4.3")),
            documented=_BOTH,
        ),
        Arch(
            "powerpc-book3s", "powerpc Book3S (XICS/XIVE)", "F4.6",
            files=(FileSpec("vm"), FileSpec("vcpus"), FileSpec("dev:xics", ("device-api",))),
            devices=(_XICS,),
            steps=(ArchStep("kvm_destroy_vcpus", "F4.4"),
                   ArchStep("kvmppc_core_destroy_vm", "F4.6")),
            documented=_BOTH,
        ),
        Arch(
            "arm64", "arm64 (vGIC v3, ITS)", "F4.8",
            files=(FileSpec("vm"), FileSpec("vcpus"), FileSpec("dev:vgic"), FileSpec("dev:its")),
            devices=(_VGIC, _ITS),
            steps=(ArchStep("kvm_vgic_destroy", "F4.8"), ArchStep("kvm_destroy_vcpus", "F4.8")),
            documented=_BOTH,
        ),
        Arch(
            "riscv", "RISC-V (AIA)", "F4.14",
            files=(FileSpec("vm"), FileSpec("vcpus"), FileSpec("dev:aia")),
            devices=(_AIA,),
            steps=(ArchStep("kvm_destroy_vcpus", "F4.14"),
                   ArchStep("kvm_riscv_aia_destroy_vm", "F4.14", ("riscv-aia",))),
            documented=_BOTH,
        ),
        Arch(
            "loongarch", "LoongArch (irqchip devices only with a toggle)", "F4.15",
            files=(FileSpec("vm"), FileSpec("vcpus"), FileSpec("dev:eiointc")),
            devices=(_EIOINTC,),
            steps=(ArchStep("kvm_destroy_vcpus", "F4.15"),),
            documented=((6, 12),),
        ),
    )
}


def cited_facts(arches: dict[str, Arch]) -> Iterator[tuple[str, str]]:
    """(entry, fact id) for every architecture, step, device and vCPU dereference."""
    for arch in arches.values():
        yield repr(arch.name), arch.fact
        for step in arch.steps:
            yield f"{arch.name!r} step {step.name!r}", step.fact
        for ref in arch.vcpu_refs:
            yield f"{arch.name!r} vCPU ref {ref.obj!r}", ref.fact
        for kind in arch.devices:
            yield f"{arch.name!r} device {kind.kind!r}", kind.fact
            for ref in kind.vcpu_refs:
                yield f"{arch.name!r} device {kind.kind!r} vCPU ref {ref.obj!r}", ref.fact


require_facts("sim.arches.ARCHES", cited_facts(ARCHES))
