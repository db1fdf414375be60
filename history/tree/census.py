"""Provides the device census: every kvm_device kind per architecture, and what
``kvm_arch_destroy_vm()`` still points at when a destroy-style device is freed.

This is Halil Pasic's question (kernel-facts F0.4, table §4.6) answered from code. The
derivation, all read with tree-sitter and cited by line:

1. *Device kinds* are the ``struct kvm_device_ops`` initializers (extract.device_types):
   ``.release`` set means freed at fd close (never reaches kvm_destroy_devices(), F3.7);
   else ``.destroy`` means freed by kvm_destroy_devices().
2. *Holders*: in the device's file, every function taking a ``struct kvm_device *`` stores
   the device (or ``dev->private`` and its aliases) somewhere outside it, e.g.
   ``vcpu->arch.mpic = opp``. A holder the ``.destroy`` callback does not reset to NULL
   dangles once the device is freed.
3. *Uses*: ``kvm_arch_destroy_vm()``, and the vCPU teardown it runs through
   kvm_destroy_vcpus() -> kvm_vcpu_destroy() -> kvm_arch_vcpu_destroy() (checked in
   kvm_main.c), read a dangling holder. Today that read happens *before* the device is
   freed; with the RFC swap it happens after: a use-after-free.

It is a static reading of one level of calls, not an alias analysis: "none found" means none
of this shape, and the verdict says so.
"""

from __future__ import annotations

from history.results import (
    ArchCensus,
    Census,
    DanglingUse,
    DeviceType,
    Evidence,
    Holder,
    SourceInfo,
    StepList,
)
from history.tree import extract
from history.tree.extract import ARCH_FILES, KVM_MAIN, VCPU_FILES
from history.tree.source import KernelSource

ARCHES = tuple(ARCH_FILES)


def _normalise(left: str, device: str) -> str:
    """``dev->kvm->arch.flic`` -> ``kvm->arch.flic`` (the kvm the device belongs to)."""
    return left.replace(f"{device}->kvm->", "kvm->", 1) if left.startswith(f"{device}->kvm->") \
        else left


def holders(src: KernelSource, device: DeviceType) -> tuple[Holder, ...]:
    """Pointers to the device or its private state stored outside it, and whether
    ``.destroy`` resets them."""
    path = device.evidence.path
    cfile = src.cfile(path)
    if cfile is None:
        return ()
    found: dict[str, Holder] = {}
    cleared: set[str] = set()
    for name in cfile.function_names():
        params = cfile.params(name)
        devs = [p.split("*")[-1].strip() for p in params
                if p.startswith("struct kvm_device *") or p.startswith("struct kvm_device*")]
        if not devs:
            continue
        dev = devs[0]
        pairs = cfile.assignments(name)
        aliases = {dev} | {a.left for a in pairs if a.right == f"{dev}->private"
                           and a.left.isidentifier()} \
            | {a.right for a in pairs if a.left == f"{dev}->private" and a.right.isidentifier()}
        for a in pairs:
            target = _normalise(a.left, dev)
            if name == device.destroy and a.right == "NULL":
                cleared.add(target)
            inside = any(a.left.startswith(f"{x}->") for x in aliases) and target == a.left
            if a.right not in aliases or a.left.isidentifier() or inside:
                continue  # not the device, a local, or a store into the device itself
            found.setdefault(target, Holder(device.symbol, target,
                                            extract.evidence(src, path, a.line, f"in {name}()"),
                                            False))
    return tuple(Holder(h.device, h.field, h.stored, h.field in cleared)
                 for h in found.values())


def _freed(src: KernelSource, device: DeviceType) -> Evidence:
    """Where ``.destroy`` frees memory (its first kfree), else its definition."""
    path = device.evidence.path
    listing = extract.steps(src, path, device.destroy)
    if listing is not None:
        free = [s for s in listing.steps if s.name in ("kfree", "kvfree", "vfree")]
        if free:
            return extract.evidence(src, path, free[0].line,
                               f"{device.destroy}() frees {', '.join(s.args[0] for s in free)}")
        return extract.evidence(src, path, listing.start, f"{device.destroy}()")
    return device.evidence


def _uses(src: KernelSource, listing: StepList, holder: Holder, device: DeviceType,
          ) -> list[DanglingUse]:
    uses = []
    path = device.evidence.path
    for step in listing.steps:
        if any(arg == holder.field or arg.startswith(holder.field + "->") for arg in step.args):
            line = extract.function_line(src, path, step.name)
            uses.append(DanglingUse(
                device=device.symbol, holder=holder.field,
                used=extract.evidence(src, listing.path, step.line,
                                 f"{listing.function}() passes {holder.field} to {step.name}()"),
                callee=step.name,
                callee_def=None if line is None else extract.evidence(src, path, line, step.name),
                freed=_freed(src, device)))
    return uses


def vcpu_chain(src: KernelSource) -> tuple[Evidence, ...]:
    """kvm_destroy_vcpus() -> kvm_vcpu_destroy() -> kvm_arch_vcpu_destroy() in kvm_main.c;
    empty when the tree does not have that chain."""
    chain = []
    for caller, callee in (("kvm_destroy_vcpus", "kvm_vcpu_destroy"),
                           ("kvm_vcpu_destroy", "kvm_arch_vcpu_destroy")):
        listing = extract.steps(src, KVM_MAIN, caller)
        step = listing.find(callee) if listing is not None else None
        if step is None:
            return ()
        chain.append(extract.evidence(src, KVM_MAIN, step.line, f"{caller}() calls {callee}()"))
    return tuple(chain)


def _vfio_arches(src: KernelSource) -> tuple[Evidence, ...]:
    """Arches whose KVM Kconfig has ``select KVM_VFIO`` (Kconfig, not C: read by line)."""
    found = []
    for arch in ARCHES:
        path = f"arch/{arch}/kvm/Kconfig"
        data = src.read_optional(path)
        for number, line in enumerate((data or b"").decode("utf-8", "replace").splitlines(), 1):
            if line.split() == ["select", "KVM_VFIO"]:
                found.append(extract.evidence(src, path, number, arch))
                break
    return tuple(found)


def _verdict(arch: str, destroy_style: list[DeviceType], dangling: list[DanglingUse],
             destroy_vm: StepList | None) -> str:
    if destroy_vm is None:
        return "kvm_arch_destroy_vm() not found"
    if not destroy_style:
        return "no destroy-style kvm_device: kvm_destroy_devices() frees nothing; swap is a no-op"
    names = ", ".join(d.name or d.symbol for d in destroy_style)
    if dangling:
        first = dangling[0]
        return (f"UAF with the swap: {first.used.note} ({first.used.where}) after "
                f"{first.freed.note} ({first.freed.where})")
    return (f"destroy-style {names}: no pointer from arch teardown into device memory found "
            f"(one call level); swap looks safe")


def census_arch(src: KernelSource, arch: str, devices: tuple[DeviceType, ...],
                chain: tuple[Evidence, ...]) -> ArchCensus | None:
    path = ARCH_FILES[arch]
    if not src.exists(path):
        return None
    vcpu_path = VCPU_FILES.get(arch, path)
    destroy_vm = extract.steps(src, path, "kvm_arch_destroy_vm")
    vcpu_destroy = extract.steps(src, vcpu_path, "kvm_arch_vcpu_destroy")
    vcpu_free = extract.steps(src, vcpu_path, "kvm_arch_vcpu_free")
    runs_vcpus = destroy_vm is not None and destroy_vm.find("kvm_destroy_vcpus") is not None
    path_lists = [s for s in (destroy_vm, vcpu_destroy if runs_vcpus and chain else None,
                              vcpu_free) if s is not None]
    destroy_style = [d for d in devices if d.style == "destroy"]
    all_holders: list[Holder] = []
    dangling: list[DanglingUse] = []
    for device in destroy_style:
        for holder in holders(src, device):
            all_holders.append(holder)
            if not holder.cleared_by_destroy:
                for listing in path_lists:
                    dangling.extend(_uses(src, listing, holder, device))
    return ArchCensus(arch=arch, destroy_vm=destroy_vm, vcpu_destroy=vcpu_destroy,
                      vcpu_free=vcpu_free, devices=devices, holders=tuple(all_holders),
                      dangling=tuple(dangling),
                      verdict=_verdict(arch, destroy_style, dangling, destroy_vm))


def census(src: KernelSource) -> Census:
    """Every kvm_device kind per architecture with the teardown evidence for the RFC swap."""

    def compute() -> Census:
        src.prefetch([KVM_MAIN, *ARCH_FILES.values(), *VCPU_FILES.values(),
                      *(f"arch/{a}/kvm/Kconfig" for a in ARCHES)])
        types = extract.device_types(src)
        vfio = _vfio_arches(src)
        vfio_names = {e.note for e in vfio}
        generic = tuple(d for d in types if d.arch == "generic")
        chain = vcpu_chain(src)
        arches = []
        for arch in ARCHES:
            mine = tuple(d for d in types if d.arch == arch) + \
                (generic if arch in vfio_names else ())
            row = census_arch(src, arch, mine, chain)
            if row is not None:
                arches.append(row)
        return Census(source=SourceInfo(str(src.root), src.kind, src.rev), arches=tuple(arches),
                      generic=generic, vfio_arches=vfio, vcpu_chain=chain,
                      files_read=len(src.scanned))

    return src.memo(("census",), compute)
