"""Provides the comment anchors: the code comments the RFC's review turns on, found by symbol.

An anchor names a file, the symbol the comment is attached to (a function: the block above
it or a comment in its body; a struct or one of its members) and a phrase of the comment.
``find`` returns the real comment text and lines at a revision, or None: a comment missing at
a revision is reported as absent, never skipped. Each anchor cites its kernel-facts id.
"""

from __future__ import annotations

from dataclasses import dataclass

from history.c.syntax import Comment
from history.results import ABSENT, PRESENT, UNKNOWN, Detection, Evidence
from history.tree import extract
from history.tree.extract import KVM_HOST, KVM_MAIN, MPIC, PV, S390, VFIO_H, X86
from history.tree.source import KernelSource


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a comment lives and a phrase that identifies it."""

    key: str
    fact: str
    path: str
    kind: str
    """``above`` (block above a function), ``body`` (inside a function), ``struct`` (above a
    struct), ``field`` (above a struct member, symbol ``struct.member``)."""
    symbol: str
    phrase: str


ANCHORS: tuple[Anchor, ...] = (
    Anchor("destroy-devices-lock", "F3.1", KVM_MAIN, "body", "kvm_destroy_devices",
           "We do not need to take the kvm->lock here"),
    Anchor("destroy-devices-rculist", "F3.2", KVM_MAIN, "body", "kvm_destroy_devices",
           "The device list is generally managed as an rculist"),
    Anchor("ops-destroy", "F3.3", KVM_HOST, "field", "kvm_device_ops.destroy",
           "Destroy is responsible for freeing dev"),
    Anchor("ops-release", "F3.4", KVM_HOST, "field", "kvm_device_ops.release",
           "Release is an alternative method to free the device"),
    Anchor("ops-mandatory", "F3.4", KVM_HOST, "struct", "kvm_device_ops",
           "create, destroy, and name are mandatory"),
    Anchor("destroy-vm-memslots", "F8.4", KVM_MAIN, "body", "kvm_destroy_vm",
           "last reference on KVM has been dropped"),
    Anchor("vcpu-destroy-pid", "F8.5", KVM_MAIN, "body", "kvm_vcpu_destroy",
           "No need for rcu_read_lock"),
    Anchor("vfio-device-kvm", "F5.4", VFIO_H, "field", "vfio_device.kvm",
           "Driver must reference the kvm during open_device or never touch it"),
    Anchor("s390-destroy-vm", "F7.8", S390, "body", "kvm_arch_destroy_vm",
           "We are already at the end of life and kvm->lock is not taken"),
    Anchor("pv-notifier", "F8.11", PV, "body", "kvm_s390_pv_mmu_notifier_release",
           "No locking is needed since this is the last thread of the last user"),
    Anchor("pv-cleanup-all", "F8.12", PV, "above", "kvm_s390_pv_deinit_cleanup_all",
           "kvm->lock needs to be held unless being called from kvm_arch_destroy_vm"),
    Anchor("mpic-disconnect", "F8.14", MPIC, "above", "kvmppc_mpic_disconnect_vcpu",
           "This should only happen immediately before the mpic is destroyed"),
    Anchor("xics-release", "F8.15", "arch/powerpc/kvm/book3s_xics.c", "body",
           "kvmppc_xics_release", "freed when the VM is destroyed for now until we fix all"),
    Anchor("x86-pre-destroy", "F8.16", X86, "body", "kvm_arch_pre_destroy_vm",
           "Do NOT free the in-kernel PIC or I/O APIC here"),
)

ANCHOR_FILES: tuple[str, ...] = tuple(dict.fromkeys(a.path for a in ANCHORS))


def find(src: KernelSource, anchor: Anchor) -> Comment | None:
    """The comment ``anchor`` names at this revision, or None (file, symbol or text gone)."""
    cfile = src.cfile(anchor.path)
    if cfile is None:
        return None
    if anchor.kind == "above":
        found = cfile.function_comment(anchor.symbol)
        candidates = [found] if found is not None else []
    elif anchor.kind == "body":
        candidates = list(cfile.body_comments(anchor.symbol))
    elif anchor.kind == "struct":
        found = cfile.struct_comment(anchor.symbol)
        candidates = [found] if found is not None else []
    else:
        struct, _, member = anchor.symbol.partition(".")
        field = next((f for f in cfile.struct_fields(struct) if f.name == member), None)
        candidates = [field.comment] if field is not None and field.comment else []
    return extract.comment_with(candidates, anchor.phrase)


def _excerpt(comment: Comment) -> str:
    flat = " ".join(comment.text.replace("/*", " ").replace("*/", " ").replace("*", " ")
                    .split())
    return flat if len(flat) <= 90 else flat[:87] + "..."


def check_anchor(src: KernelSource, anchor: Anchor) -> Detection:
    title = f"comment at {anchor.symbol}: {anchor.phrase}"
    if not src.exists(anchor.path):
        return Detection("", anchor.fact, title, UNKNOWN, (), f"{anchor.path} is not in this tree")
    comment = find(src, anchor)
    if comment is None:
        return Detection("", anchor.fact, title, ABSENT, (),
                         f"no such comment at {anchor.symbol} in {anchor.path}")
    ev = Evidence(anchor.path, comment.start, src.rev, _excerpt(comment))
    return Detection("", anchor.fact, title, PRESENT, (ev,),
                     f"lines {comment.start}-{comment.end}")


def _order(src: KernelSource) -> Detection:
    """F2.6: kvm_arch_destroy_vm() before kvm_destroy_devices() in kvm_destroy_vm()."""
    title = "kvm_destroy_vm(): kvm_arch_destroy_vm() before kvm_destroy_devices()"
    listing = extract.steps(src, KVM_MAIN, "kvm_destroy_vm")
    if listing is None:
        return Detection("", "F2.6", title, UNKNOWN, (), "kvm_destroy_vm() not found")
    arch, dev = listing.find("kvm_arch_destroy_vm"), listing.find("kvm_destroy_devices")
    if arch is None or dev is None:
        return Detection("", "F2.6", title, UNKNOWN, (), "one of the two calls is missing")
    ev = (extract.evidence(src, KVM_MAIN, arch.line, "kvm_arch_destroy_vm(kvm)"),
          extract.evidence(src, KVM_MAIN, dev.line, "kvm_destroy_devices(kvm)"))
    if arch.line < dev.line:
        return Detection("", "F2.6", title, PRESENT, ev, "current order (RFC not applied)")
    return Detection("", "F2.6", title, ABSENT, ev, "swapped: the RFC order")


def _stale_decls(src: KernelSource) -> Detection:
    """F1.4: kvm_device_get/put declared in kvm_host.h though never defined since 2013."""
    title = "kvm_device_get/put declarations left in kvm_host.h"
    cfile = src.cfile(KVM_HOST)
    if cfile is None:
        return Detection("", "F1.4", title, UNKNOWN, (), f"{KVM_HOST} is not in this tree")
    ev = tuple(extract.evidence(src, KVM_HOST, line, name) for name in
               ("kvm_device_get", "kvm_device_put") for line in cfile.identifier_lines(name))
    return Detection("", "F1.4", title, PRESENT if ev else ABSENT, ev,
                     "declared" if ev else "removed (1f8403953f05)")


def check_anchors(src: KernelSource) -> tuple[Detection, ...]:
    """The order check, the stale declarations and every comment anchor."""
    return (_order(src), _stale_decls(src), *(check_anchor(src, a) for a in ANCHORS))
