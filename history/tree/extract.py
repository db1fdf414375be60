"""Provides what a kernel tree says, with evidence: step lists, comments, ops tables, version.

These wrap ``history.c.syntax.CFile`` answers (lines in one file) into ``history.results``
types that carry path and revision, so the detectors, the census and the RFC report all cite
the same way. Where the kernel keeps a function (which file) is data here, checked against the tree.
"""

from __future__ import annotations

from history.c.syntax import Comment
from history.results import DeviceStyle, DeviceType, Evidence, Step, StepList, TreeVersion
from history.tree.source import KernelSource

KVM_MAIN = "virt/kvm/kvm_main.c"
KVM_HOST = "include/linux/kvm_host.h"
KVM_VFIO = "virt/kvm/vfio.c"
S390 = "arch/s390/kvm/kvm-s390.c"
PV = "arch/s390/kvm/pv.c"
VFIO_AP = "drivers/s390/crypto/vfio_ap_ops.c"
AP_QUEUE = "drivers/s390/crypto/ap_queue.c"
VFIO_H = "include/linux/vfio.h"
VFIO_MAIN = "drivers/vfio/vfio_main.c"
VFIO_GROUP = "drivers/vfio/group.c"
S390_INTERRUPT = "arch/s390/kvm/interrupt.c"
X86_NESTED = "arch/x86/kvm/vmx/nested.c"
X86 = "arch/x86/kvm/x86.c"
MPIC = "arch/powerpc/kvm/mpic.c"

#: Where each architecture defines kvm_arch_destroy_vm() and its vCPU teardown.
ARCH_FILES: dict[str, str] = {
    "x86": X86,
    "powerpc": "arch/powerpc/kvm/powerpc.c",
    "arm64": "arch/arm64/kvm/arm.c",
    "s390": S390,
    "riscv": "arch/riscv/kvm/vm.c",
    "loongarch": "arch/loongarch/kvm/vm.c",
    "mips": "arch/mips/kvm/mips.c",
}
#: riscv and loongarch keep vCPU teardown in vcpu.c, the others beside kvm_arch_destroy_vm.
VCPU_FILES: dict[str, str] = {
    "riscv": "arch/riscv/kvm/vcpu.c",
    "loongarch": "arch/loongarch/kvm/vcpu.c",
}


def evidence(src: KernelSource, path: str, line: int, note: str = "") -> Evidence:
    return Evidence(path=path, line=line, rev=src.rev, note=note)


def steps(src: KernelSource, path: str, function: str) -> StepList | None:
    """The calls of ``function`` in ``path``, or None when the file or function is missing."""
    cfile = src.cfile(path)
    definition = cfile.function(function) if cfile is not None else None
    if cfile is None or definition is None:
        return None
    return StepList(
        function=function, path=path, rev=src.rev, start=definition.start,
        end=definition.end,
        steps=tuple(Step(c.callee, c.line, c.condition, c.args)
                    for c in cfile.calls(function)))


def function_line(src: KernelSource, path: str, function: str) -> int | None:
    cfile = src.cfile(path)
    definition = cfile.function(function) if cfile is not None else None
    return None if definition is None else definition.start


def comment_with(comments: tuple[Comment, ...] | list[Comment], text: str) -> Comment | None:
    """The first comment whose text contains ``text`` (whitespace-insensitive)."""
    want = " ".join(text.split())
    for comment in comments:
        flat = " ".join(comment.text.replace("*", " ").split())
        if want in flat:
            return comment
    return None


def read_version(src: KernelSource) -> TreeVersion | None:
    """VERSION, PATCHLEVEL, SUBLEVEL, EXTRAVERSION of the top-level Makefile (make syntax)."""
    data = src.read_optional("Makefile")
    if data is None:
        return None
    values: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(data.decode("utf-8", "replace").splitlines()[:20], 1):
        key, sep, value = raw.partition("=")
        if sep and key.strip() in ("VERSION", "PATCHLEVEL", "SUBLEVEL", "EXTRAVERSION"):
            values.setdefault(key.strip(), (value.strip(), number))
    try:
        version, line = int(values["VERSION"][0]), values["VERSION"][1]
        patchlevel = int(values["PATCHLEVEL"][0])
        sublevel = int(values.get("SUBLEVEL", ("0", 0))[0] or 0)
    except (KeyError, ValueError):
        return None
    return TreeVersion(version, patchlevel, sublevel, values.get("EXTRAVERSION", ("", 0))[0],
                       evidence(src, "Makefile", line))


def arch_of(path: str) -> str:
    """``arch/powerpc/kvm/mpic.c`` -> ``powerpc``; virt/kvm -> ``generic``."""
    parts = path.split("/")
    return parts[1] if parts[0] == "arch" and len(parts) > 2 else "generic"


#: Text that marks a file worth parsing for device kinds (a filter, not a parse).
OPS_NEEDLES = ("kvm_device_ops", "kvm_register_device_ops")
OPS_DIRS = ("arch/*/kvm", "virt/kvm")


def device_types(src: KernelSource) -> tuple[DeviceType, ...]:
    """Every ``struct kvm_device_ops`` initializer under arch/*/kvm and virt/kvm.

    Filtered by the declared struct type (``mmu_notifier_ops`` and ``file_operations`` also
    have ``.release``); registrations are the ``kvm_register_device_ops(&ops, TYPE)`` calls
    and the entries of kvm_main.c's static ``kvm_device_ops_table``.
    """

    def compute() -> tuple[DeviceType, ...]:
        files = src.grep(OPS_NEEDLES, OPS_DIRS)
        src.prefetch(files)
        registered: dict[str, list[Evidence]] = {}
        found = []
        for path in files:
            cfile = src.cfile(path)
            if cfile is None:
                continue
            for _, call in cfile.calls_to("kvm_register_device_ops"):
                if len(call.args) >= 2:
                    symbol = call.args[0].lstrip("&").strip()
                    note = " ".join(call.args[1].split()) + (
                        f" under {call.condition}" if call.condition else "")
                    registered.setdefault(symbol, []).append(evidence(src, path, call.line, note))
            for index, value, line, cond in cfile.array_entries():
                note = index + (f" under {cond}" if cond else "")
                registered.setdefault(value.lstrip("&").strip(), []).append(
                    evidence(src, path, line, note))
            for init in cfile.initializers("kvm_device_ops"):
                destroy, release = init.value("destroy") or "", init.value("release") or ""
                style: DeviceStyle = "release" if release else "destroy" if destroy else "none"
                found.append((path, init, destroy, release, style))
        return tuple(
            DeviceType(arch=arch_of(path), symbol=init.symbol,
                       name=(init.value("name") or "").strip('"'), style=style,
                       destroy=destroy, release=release, create=init.value("create") or "",
                       evidence=evidence(src, path, init.line), condition=init.condition,
                       registrations=tuple(registered.get(init.symbol, ())))
            for path, init, destroy, release, style in found)

    return src.memo(("device_types",), compute)
