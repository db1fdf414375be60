"""``kvm-workbench census``: every kvm_device kind per architecture, and what
``kvm_arch_destroy_vm()`` still points at when a destroy-style device is freed.

The source evidence for Halil Pasic's question (kernel-facts §4.6), derived from the
``kvm_device_ops`` initializers, the stores of device pointers in each device's file and the
arch teardown step lists — every line with its location.
"""

from __future__ import annotations

import argparse
import sys

from workbench.cli import add_repo_options
from workbench.commands._common import open_kernel, print_json


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("census", help="kvm_device kinds per arch and what teardown "
                            "still points at")
    add_repo_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from history.tree.census import census

    src = open_kernel(args)
    result = census(src)
    if args.json:
        print_json(result.to_json())
        return 0
    out = sys.stdout
    out.write(f"census of {src.root} at {src.label}\n")
    chain = " , ".join(e.where for e in result.vcpu_chain) or "not found"
    out.write(f"vCPU teardown chain kvm_destroy_vcpus -> kvm_vcpu_destroy -> "
              f"kvm_arch_vcpu_destroy: {chain}\n")
    vfio = ", ".join(f"{e.note} ({e.where})" for e in result.vfio_arches) or "none"
    out.write(f"select KVM_VFIO: {vfio}\n")
    for arch in result.arches:
        out.write(f"\n{arch.arch}\n")
        for label, steps in (("kvm_arch_destroy_vm", arch.destroy_vm),
                             ("kvm_arch_vcpu_destroy", arch.vcpu_destroy),
                             ("kvm_arch_vcpu_free", arch.vcpu_free)):
            if steps is not None:
                out.write(f"  {label}() {steps.path}:{steps.start}: {' → '.join(steps.names)}\n")
        for dev in arch.devices:
            freer = dev.release or dev.destroy or "-"
            cond = f" [{dev.condition}]" if dev.condition else ""
            regs = "; ".join(f"{r.where} {r.note}" for r in dev.registrations)
            out.write(f"  {dev.name or dev.symbol:<18} {dev.style:<8} {freer:<28} "
                      f"{dev.evidence.where}{cond}{'  registered ' + regs if regs else ''}\n")
        for holder in arch.holders:
            state = "reset by destroy" if holder.cleared_by_destroy else "NOT reset by destroy"
            out.write(f"  holder {holder.field} ({holder.device}) stored {holder.stored.where}"
                      f" {holder.stored.note}: {state}\n")
        for use in arch.dangling:
            callee = f" defined {use.callee_def.where}" if use.callee_def else ""
            out.write(f"  uses {use.used.where}: {use.used.note}{callee}; freed "
                      f"{use.freed.where}: {use.freed.note}\n")
        out.write(f"  => {arch.verdict}\n")
    out.write(f"\n{result.files_read} files read\n")
    return 0
