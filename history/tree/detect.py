"""Provides the era detectors: which model feature a kernel tree has, read from its source.

One detector per feature of the model's era table (the names are those of ``sim/eras.py``;
history/ may not import sim, so the workbench compares the two). Each reads the files it
names with tree-sitter-c and answers *present*, *absent* or *unknown*, with the evidence
(file:line at the revision) and the kernel-facts id it checks. A file missing from the tree
gives *unknown* with the reason, never a guess: a partial tree is not an old kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from history.c.syntax import CFile
from history.results import (
    ABSENT,
    PRESENT,
    UNKNOWN,
    DetectedProfile,
    Detection,
    Evidence,
    SourceInfo,
    Verdict,
)
from history.tree import extract
from history.tree.extract import (
    AP_QUEUE,
    ARCH_FILES,
    KVM_HOST,
    KVM_MAIN,
    KVM_VFIO,
    PV,
    S390_INTERRUPT,
    VFIO_AP,
    VFIO_GROUP,
    VFIO_H,
    VFIO_MAIN,
    X86,
    X86_NESTED,
)
from history.tree.source import KernelSource

Answer = tuple[Verdict, tuple[Evidence, ...], str]
"""verdict, evidence, reason."""


class _Missing(Exception):
    """A file the detector needs is not in the tree: the answer is unknown."""


@dataclass(frozen=True, slots=True)
class Detector:
    feature: str
    fact: str
    title: str
    files: tuple[str, ...]
    run: Callable[[KernelSource], Answer]


FEATURES: list[Detector] = []


def _detector(feature: str, fact: str, title: str, *files: str,
              ) -> Callable[[Callable[[KernelSource], Answer]], Callable[[KernelSource], Answer]]:
    def register(fn: Callable[[KernelSource], Answer]) -> Callable[[KernelSource], Answer]:
        FEATURES.append(Detector(feature, fact, title, files, fn))
        return fn

    return register


def _need(src: KernelSource, path: str) -> None:
    if not src.exists(path):
        raise _Missing(f"{path} is not in this tree")


def _cfile(src: KernelSource, path: str) -> CFile:
    cfile = src.cfile(path)
    if cfile is None:
        raise _Missing(f"{path} is not in this tree")
    return cfile


def _def(src: KernelSource, path: str, name: str) -> Evidence | None:
    _need(src, path)
    line = extract.function_line(src, path, name)
    return None if line is None else extract.evidence(src, path, line, f"{name}() defined")


def _yes(*evidence: Evidence | None, reason: str) -> Answer:
    return PRESENT, tuple(e for e in evidence if e is not None), reason


def _no(*evidence: Evidence | None, reason: str) -> Answer:
    return ABSENT, tuple(e for e in evidence if e is not None), reason


def _call_in(src: KernelSource, path: str, function: str, callee: str) -> Evidence | None:
    """Where ``function`` calls ``callee`` (raises _Missing if the function is missing)."""
    _need(src, path)
    listing = extract.steps(src, path, function)
    if listing is None:
        raise _Missing(f"{function}() is not defined in {path}")
    step = listing.find(callee)
    if step is None:
        return None
    cond = f" (under {step.condition})" if step.condition else ""
    return extract.evidence(src, path, step.line, f"{function}() calls {callee}(){cond}")


def _destroy_vm(src: KernelSource, callee: str) -> Evidence | None:
    return _call_in(src, KVM_MAIN, "kvm_destroy_vm", callee)


# -- generic KVM ---------------------------------------------------------------------------
@_detector("device-api", "F1.1", "KVM_CREATE_DEVICE, struct kvm_device_ops", KVM_HOST,
           KVM_MAIN)
def _device_api(src: KernelSource) -> Answer:
    fields = _cfile(src, KVM_HOST).struct_fields("kvm_device_ops")
    create = _def(src, KVM_MAIN, "kvm_ioctl_create_device")
    if fields and create:
        return _yes(extract.evidence(src, KVM_HOST, fields[0].line, "struct kvm_device_ops"),
                    create, reason="device ops and KVM_CREATE_DEVICE handler exist")
    return _no(reason="no struct kvm_device_ops / kvm_ioctl_create_device()")


@_detector("device-refcount", "F1.3", "devices refcounted (kvm_device_get/put defined)",
           KVM_MAIN)
def _device_refcount(src: KernelSource) -> Answer:
    get, put = _def(src, KVM_MAIN, "kvm_device_get"), _def(src, KVM_MAIN, "kvm_device_put")
    if get or put:
        return _yes(get, put, reason="kvm_device_get/put are defined: devices are refcounted")
    listed = _def(src, KVM_MAIN, "kvm_destroy_devices")
    return _no(listed, reason="no kvm_device_get/put definitions; devices live on kvm->devices")


@_detector("destroy-devices", "F1.3", "kvm_destroy_devices() in kvm_destroy_vm()", KVM_MAIN)
def _destroy_devices(src: KernelSource) -> Answer:
    call = _destroy_vm(src, "kvm_destroy_devices")
    if call is None:
        return _no(reason="kvm_destroy_vm() does not call kvm_destroy_devices()")
    arch = _destroy_vm(src, "kvm_arch_destroy_vm")
    return _yes(arch, call, reason="kvm_destroy_devices() is a step of kvm_destroy_vm()")


@_detector("sync-events", "F1.6", "kvm_arch_sync_events() first teardown step", KVM_MAIN)
def _sync_events(src: KernelSource) -> Answer:
    call = _destroy_vm(src, "kvm_arch_sync_events")
    if call:
        return _yes(call, reason="kvm_destroy_vm() calls kvm_arch_sync_events()")
    return _no(reason="kvm_destroy_vm() has no kvm_arch_sync_events() step")


@_detector("pre-destroy-hook", "F2.4", "kvm_arch_pre_destroy_vm() hook", KVM_MAIN)
def _pre_destroy(src: KernelSource) -> Answer:
    call = _destroy_vm(src, "kvm_arch_pre_destroy_vm")
    if call:
        return _yes(call, reason="kvm_destroy_vm() calls kvm_arch_pre_destroy_vm()")
    return _no(reason="kvm_destroy_vm() has no kvm_arch_pre_destroy_vm() step")


@_detector("destroy-devices-comment", "F2.3", "the 'no kvm->lock needed' comment", KVM_MAIN)
def _lock_comment(src: KernelSource) -> Answer:
    comments = _cfile(src, KVM_MAIN).body_comments("kvm_destroy_devices")
    hit = extract.comment_with(comments, "We do not need to take the kvm->lock here")
    if hit:
        return _yes(extract.evidence(src, KVM_MAIN, hit.start, "comment in kvm_destroy_devices()"),
                    reason="the comment is in kvm_destroy_devices()")
    return _no(_def(src, KVM_MAIN, "kvm_destroy_devices"),
               reason="kvm_destroy_devices() has no kvm->lock comment")


@_detector("release-callback", "F3.5", "kvm_device_ops.release", KVM_HOST)
def _release_callback(src: KernelSource) -> Answer:
    fields = _cfile(src, KVM_HOST).struct_fields("kvm_device_ops")
    release = next((f for f in fields if f.name == "release"), None)
    if release:
        return _yes(extract.evidence(src, KVM_HOST, release.line, "kvm_device_ops.release"),
                    reason="struct kvm_device_ops has a release member")
    return _no(reason="struct kvm_device_ops has no release member")


@_detector("device-rculist", "F3.2", "kvm->devices is an rculist", KVM_MAIN)
def _rculist(src: KernelSource) -> Answer:
    add_rcu = _call_in(src, KVM_MAIN, "kvm_ioctl_create_device", "list_add_rcu")
    if add_rcu:
        return _yes(add_rcu, reason="devices are added with list_add_rcu()")
    plain = _call_in(src, KVM_MAIN, "kvm_ioctl_create_device", "list_add")
    return _no(plain, reason="devices are added with plain list_add()")


# -- kvm-vfio and VFIO --------------------------------------------------------------------
def _kvm_vfio_ops(src: KernelSource) -> tuple[Evidence, str, str] | None:
    for init in _cfile(src, KVM_VFIO).initializers("kvm_device_ops"):
        ev = extract.evidence(src, KVM_VFIO, init.line, f"struct kvm_device_ops {init.symbol}")
        return ev, init.value("destroy") or "", init.value("release") or ""
    return None


@_detector("kvm-vfio", "F1.7", "kvm-vfio pseudo device", KVM_VFIO)
def _kvm_vfio(src: KernelSource) -> Answer:
    ops = _kvm_vfio_ops(src)
    if ops:
        return _yes(ops[0], reason="virt/kvm/vfio.c defines the kvm-vfio device ops")
    return _no(reason="no kvm_device_ops initializer in virt/kvm/vfio.c")


@_detector("kvm-vfio-release", "F5.5", "kvm-vfio is release-style", KVM_VFIO)
def _kvm_vfio_release(src: KernelSource) -> Answer:
    ops = _kvm_vfio_ops(src)
    if ops is None:
        raise _Missing("no kvm-vfio device ops in virt/kvm/vfio.c")
    ev, destroy, release = ops
    if release:
        return _yes(ev, reason=f".release = {release}: freed at fd close")
    return _no(ev, reason=f".destroy = {destroy}: freed by kvm_destroy_devices()")


@_detector("set-kvm-notifier", "F5.1", "VFIO_GROUP_NOTIFY_SET_KVM", VFIO_H)
def _set_kvm(src: KernelSource) -> Answer:
    cfile = _cfile(src, VFIO_H)
    lines = cfile.identifier_lines("VFIO_GROUP_NOTIFY_SET_KVM")
    if lines:
        return _yes(extract.evidence(src, VFIO_H, lines[0], "VFIO_GROUP_NOTIFY_SET_KVM"),
                    reason="the group notifier event exists")
    field = next((f for f in cfile.struct_fields("vfio_device") if f.name == "kvm"), None)
    ev = extract.evidence(src, VFIO_H, field.line, "struct vfio_device.kvm") if field else None
    return _no(ev, reason="no SET_KVM notifier; drivers get device->kvm at open")


@_detector("vfio-core-kvm-ref", "F5.3", "VFIO core holds a kvm reference", VFIO_MAIN)
def _vfio_core_ref(src: KernelSource) -> Answer:
    cfile = _cfile(src, VFIO_MAIN)
    fn = cfile.function("vfio_device_get_kvm_safe")
    if fn is not None:
        refs = [c for c in cfile.calls("vfio_device_get_kvm_safe") if
                "kvm_get_kvm_safe" in c.args or c.callee == "kvm_get_kvm_safe"]
        return _yes(extract.evidence(src, VFIO_MAIN, fn.start, "vfio_device_get_kvm_safe()"),
                    *(extract.evidence(src, VFIO_MAIN, c.line, f"{c.callee}({', '.join(c.args)})")
                      for c in refs[:1]),
                    reason="VFIO core takes kvm_get_kvm_safe() on first open")
    return _no(reason="drivers/vfio/vfio_main.c has no vfio_device_get_kvm_safe()")


# -- vfio_ap and the AP bus ---------------------------------------------------------------
@_detector("vfio-ap", "F6.2", "vfio_ap mediated device", VFIO_AP)
def _vfio_ap(src: KernelSource) -> Answer:
    ev = _def(src, VFIO_AP, "vfio_ap_mdev_set_kvm")
    if ev is None:
        first = next(iter(_cfile(src, VFIO_AP).definitions()), None)
        ev = extract.evidence(src, VFIO_AP, first.start, f"{first.name}()") if first else None
    return _yes(ev, reason="drivers/s390/crypto/vfio_ap_ops.c exists")


@_detector("vfio-ap-kvm-ref", "F6.2", "vfio_ap takes its own kvm reference", VFIO_AP)
def _vfio_ap_ref(src: KernelSource) -> Answer:
    call = _call_in(src, VFIO_AP, "vfio_ap_mdev_set_kvm", "kvm_get_kvm")
    if call:
        return _yes(call, reason="vfio_ap_mdev_set_kvm() calls kvm_get_kvm()")
    return _no(_def(src, VFIO_AP, "vfio_ap_mdev_set_kvm"),
               reason="vfio_ap_mdev_set_kvm() takes no kvm reference")


@_detector("reset-unbounded", "F6.6", "vfio_ap reset verified by an unbounded work item",
           VFIO_AP)
def _reset(src: KernelSource) -> Answer:
    _need(src, VFIO_AP)
    work = _call_in(src, VFIO_AP, "vfio_ap_mdev_reset_queue", "queue_work")
    check = extract.steps(src, VFIO_AP, "apq_reset_check")
    tapq_check = check.find("ap_tapq") if check else None
    if work and tapq_check:
        loop = _cfile(src, VFIO_AP).calls("apq_reset_check")
        cond = next((c.loop for c in loop if c.callee == "ap_tapq"), "")
        return _yes(work, extract.evidence(src, VFIO_AP, tapq_check.line,
                                      f"apq_reset_check() polls ap_tapq() in while ({cond})"),
                    reason="reset verified in a work item polling TAPQ"
                    + (" without bound" if cond in ("true", "1") else f" while ({cond})"))
    calls = _cfile(src, VFIO_AP).calls("vfio_ap_mdev_reset_queue")
    tapq = next((c for c in calls if c.callee == "ap_tapq"), None)
    if tapq:
        note = f"vfio_ap_mdev_reset_queue() polls ap_tapq() in while ({tapq.loop})"
        return _no(extract.evidence(src, VFIO_AP, tapq.line, note),
                   reason=f"reset verified inline, bounded loop while ({tapq.loop})")
    return UNKNOWN, (), "neither a reset work item nor an inline TAPQ poll was found"


@_detector("guest-se-bind", "F6.9", "guest AP bus SE bind/associate", AP_QUEUE)
def _se_bind(src: KernelSource) -> Answer:
    bind = _def(src, AP_QUEUE, "se_bind_store")
    assoc = _def(src, AP_QUEUE, "se_associate_store")
    if bind:
        return _yes(bind, assoc, reason="ap_queue.c has the se_bind / se_associate attributes")
    return _no(reason="ap_queue.c has no se_bind_store()")


# -- s390 PV -------------------------------------------------------------------------------
@_detector("pv", "F7.1", "s390 Protected Virtualization", PV)
def _pv(src: KernelSource) -> Answer:
    ev = _def(src, PV, "kvm_s390_pv_deinit_vm")
    if ev:
        return _yes(ev, reason="pv.c destroys secure configurations")
    return _no(reason="pv.c has no kvm_s390_pv_deinit_vm()")


@_detector("pv-mmu-notifier", "F7.4", "PV mmu_notifier release hook", PV)
def _pv_notifier(src: KernelSource) -> Answer:
    ev = _def(src, PV, "kvm_s390_pv_mmu_notifier_release")
    inits = _cfile(src, PV).initializers("mmu_notifier_ops")
    hooked = next((i for i in inits if i.value("release") ==
                   "kvm_s390_pv_mmu_notifier_release"), None)
    if ev and hooked:
        return _yes(ev, extract.evidence(src, PV, hooked.line,
                                    f"struct mmu_notifier_ops {hooked.symbol}.release"),
                    reason="pv.c registers an mmu_notifier with a release hook")
    return _no(ev, reason="no PV mmu_notifier_ops.release in pv.c")


@_detector("destroy-fast", "F7.4", "the PV notifier destroys the secure config", PV)
def _destroy_fast(src: KernelSource) -> Answer:
    call = _call_in(src, PV, "kvm_s390_pv_mmu_notifier_release",
                    "kvm_s390_pv_deinit_vm_fast")
    if call:
        return _yes(call, reason="the notifier calls Destroy Secure Configuration Fast")
    only = _call_in(src, PV, "kvm_s390_pv_mmu_notifier_release", "kvm_s390_cpus_from_pv")
    return _no(only, reason="the notifier only converts CPUs out of PV")


@_detector("pv-async-cleanup", "F7.3", "KVM_PV_ASYNC_CLEANUP_*, cleanup_all", PV)
def _pv_async(src: KernelSource) -> Answer:
    aside = _def(src, PV, "kvm_s390_pv_set_aside")
    cleanup = _def(src, PV, "kvm_s390_pv_deinit_cleanup_all")
    if aside:
        return _yes(aside, cleanup, reason="pv.c can set a configuration aside")
    return _no(reason="pv.c has no kvm_s390_pv_set_aside()")


@_detector("pv-ap", "F6.9", "AP instructions allowed for PV guests", PV)
def _pv_ap(src: KernelSource) -> Answer:
    refs = _cfile(src, PV).field_refs("kvm_s390_pv_init_vm")
    hit = next(((t, line) for t, line in refs if t.endswith(".ap_allow_instr")), None)
    if hit:
        return _yes(extract.evidence(src, PV, hit[1], hit[0]),
                    reason="Create Secure Configuration passes ap_allow_instr")
    return _no(_def(src, PV, "kvm_s390_pv_init_vm"),
               reason="kvm_s390_pv_init_vm() sets no AP flags")


@_detector("pv-leak-asce", "F7.1", "a failed destroy replaces the ASCE (old table leaked)",
           PV)
def _pv_leak_asce(src: KernelSource) -> Answer:
    call = _call_in(src, PV, "kvm_s390_pv_deinit_vm", "s390_replace_asce")
    if call:
        return _yes(call, reason="a failed Destroy Secure Configuration replaces the ASCE")
    return _no(_def(src, PV, "kvm_s390_pv_deinit_vm"),
               reason="kvm_s390_pv_deinit_vm() keeps the ASCE on failure")


@_detector("destroy-fast-warn-relaxed", "F7.11", "Destroy Fast RC 0x104 does not WARN", PV)
def _fast_warn(src: KernelSource) -> Answer:
    fast = _def(src, PV, "kvm_s390_pv_deinit_vm_fast")
    if fast is None:
        return _no(reason="pv.c has no kvm_s390_pv_deinit_vm_fast()")
    warns = [c for c in _cfile(src, PV).calls("kvm_s390_pv_deinit_vm_fast")
             if c.callee == "WARN_ONCE"]
    if not warns:
        return UNKNOWN, (fast,), "kvm_s390_pv_deinit_vm_fast() has no WARN_ONCE"
    ev = extract.evidence(src, PV, warns[0].line, f"WARN_ONCE({warns[0].args[0]}, ...)")
    if any("0x104" in c.args[0] for c in warns if c.args):
        return _yes(ev, reason="the WARN_ONCE condition exempts RC 0x104")
    return _no(ev, reason="the WARN_ONCE fires on every failure, 0x104 included")


@_detector("gisa-destroy-warn", "F7.7", "GISA destroy WARNs on a non-zero alert mask",
           S390_INTERRUPT)
def _gisa_warn(src: KernelSource) -> Answer:
    calls = _cfile(src, S390_INTERRUPT).calls("kvm_s390_gisa_destroy")
    if not calls:
        raise _Missing(f"kvm_s390_gisa_destroy() is not defined in {S390_INTERRUPT}")
    warn = next((c for c in calls if c.callee in ("WARN", "WARN_ON", "WARN_ONCE")
                 and c.args and "alert.mask" in c.args[0]), None)
    if warn:
        return _yes(extract.evidence(src, S390_INTERRUPT, warn.line, f"{warn.callee}({warn.args[0]}"
                                ", ...)"), reason="a registered ISC at GISA destroy WARNs")
    return _no(extract.evidence(src, S390_INTERRUPT, calls[0].line, "kvm_s390_gisa_destroy()"),
               reason="a non-zero alert mask is only logged")


@_detector("vfio-group-lock", "F5.8", "VFIO device close holds group_lock across close_device",
           VFIO_MAIN, VFIO_GROUP)
def _vfio_group_lock(src: KernelSource) -> Answer:
    # The group close path by name: vfio_device_group_close() in group.c until the cdev rework
    # renamed it vfio_df_group_close(); in older trees the device fd's release in
    # vfio_main.c took the lock itself.
    for path, function in ((VFIO_GROUP, "vfio_df_group_close"),
                           (VFIO_GROUP, "vfio_device_group_close"),
                           (VFIO_MAIN, "vfio_device_fops_release")):
        if not src.exists(path):
            continue
        calls = _cfile(src, path).calls(function)
        lock = next((c for c in calls if c.callee == "mutex_lock" and c.args
                     and c.args[0].endswith("group_lock")), None)
        if lock:
            return _yes(extract.evidence(src, path, lock.line, f"{function}(): mutex_lock"
                                    f"({lock.args[0]})"),
                        reason="the device close path runs under the group's group_lock")
        if calls:
            return _no(extract.evidence(src, path, calls[0].line, f"{function}()"),
                       reason=f"{function}() takes no group_lock")
    raise _Missing(f"neither {VFIO_GROUP} nor {VFIO_MAIN} has the device close path")


@_detector("x86-nested-exit-reads-pic", "F2.8", "leaving nested mode at free reads the PIC",
           X86_NESTED)
def _x86_nested_pic(src: KernelSource) -> Answer:
    calls = _cfile(src, X86_NESTED).calls("nested_vmx_vmexit")
    if not calls:
        raise _Missing(f"nested_vmx_vmexit() is not defined in {X86_NESTED}")
    hit = next((c for c in calls if c.callee == "kvm_cpu_has_injectable_intr"), None)
    if hit:
        return _yes(extract.evidence(src, X86_NESTED, hit.line,
                                "nested_vmx_vmexit() calls kvm_cpu_has_injectable_intr()"),
                    reason="every nested VM-exit, teardown's included, reads the PIC")
    return _no(extract.evidence(src, X86_NESTED, calls[0].line, "nested_vmx_vmexit()"),
               reason="nested_vmx_vmexit() does not call kvm_cpu_has_injectable_intr()")


# -- other architectures -------------------------------------------------------------------
@_detector("riscv-aia", "F4.14", "RISC-V AIA kvm_device", "arch/riscv/kvm/aia_device.c",
           ARCH_FILES["riscv"])
def _riscv_aia(src: KernelSource) -> Answer:
    path = "arch/riscv/kvm/aia_device.c"
    if not src.exists(path):
        _need(src, ARCH_FILES["riscv"])
        return _no(reason=f"{path} is not in this tree (riscv KVM without AIA)")
    inits = _cfile(src, path).initializers("kvm_device_ops")
    call = _call_in(src, ARCH_FILES["riscv"], "kvm_arch_destroy_vm",
                    "kvm_riscv_aia_destroy_vm")
    if inits:
        return _yes(extract.evidence(src, path, inits[0].line, inits[0].symbol), call,
                    reason="the AIA device ops exist")
    return _no(reason=f"no kvm_device_ops in {path}")


@_detector("x86-vcpus-first", "F2.8", "x86 frees vCPUs before PIC/IOAPIC", X86)
def _x86_vcpus_first(src: KernelSource) -> Answer:
    _need(src, X86)
    listing = extract.steps(src, X86, "kvm_arch_destroy_vm")
    if listing is None:
        raise _Missing("kvm_arch_destroy_vm() is not defined in x86.c")
    vcpus, pic = listing.index("kvm_destroy_vcpus"), listing.index("kvm_pic_destroy")
    if vcpus is None or pic is None:
        return UNKNOWN, (), "kvm_destroy_vcpus or kvm_pic_destroy is not a step"
    ev = tuple(extract.evidence(src, X86, listing.steps[i].line, listing.steps[i].name + "()")
               for i in sorted((vcpus, pic)))
    if vcpus < pic:
        return PRESENT, ev, "kvm_destroy_vcpus() runs before kvm_pic_destroy()"
    return ABSENT, ev, "kvm_pic_destroy() runs before kvm_destroy_vcpus()"


@_detector("x86-eoi-cancel", "F2.8", "IOAPIC EOI work cancelled in pre-destroy", X86)
def _x86_eoi(src: KernelSource) -> Answer:
    _need(src, X86)
    listing = extract.steps(src, X86, "kvm_arch_pre_destroy_vm")
    if listing is None:
        raise _Missing("kvm_arch_pre_destroy_vm() is not defined in x86.c")
    hit = next((s for s in listing.steps if s.name == "cancel_delayed_work_sync"
                and any("eoi_inject" in a for a in s.args)), None)
    if hit:
        return _yes(extract.evidence(src, X86, hit.line,
                                     f"cancel_delayed_work_sync({hit.args[0]})"),
                    reason="pre-destroy cancels the IOAPIC eoi_inject work")
    return _no(extract.evidence(src, X86, listing.start, "kvm_arch_pre_destroy_vm()"),
               reason="kvm_arch_pre_destroy_vm() does not cancel eoi_inject")


def detect_feature(src: KernelSource, detector: Detector) -> Detection:
    """Run one detector; a missing file or function makes the answer unknown, with why."""
    try:
        verdict, evidence, reason = detector.run(src)
    except _Missing as missing:
        verdict, evidence, reason = UNKNOWN, (), str(missing)
    return Detection(detector.feature, detector.fact, detector.title, verdict, evidence, reason)


def files_needed() -> tuple[str, ...]:
    """Every file the detectors and comment checks read (for prefetch and test extraction)."""
    from history.tree.anchors import ANCHOR_FILES

    return tuple(dict.fromkeys(["Makefile", *(p for d in FEATURES for p in d.files),
                                *ANCHOR_FILES]))


def detect(src: KernelSource) -> DetectedProfile:
    """The detected profile of ``src``: version, every feature, every comment check."""
    from history.tree.anchors import check_anchors

    def compute() -> DetectedProfile:
        src.prefetch(files_needed())
        return DetectedProfile(
            source=SourceInfo(str(src.root), src.kind, src.rev),
            version=extract.read_version(src),
            features=tuple(detect_feature(src, d) for d in FEATURES),
            checks=check_anchors(src),
            files_read=len(src.scanned),
        )

    return src.memo(("profile",), compute)
