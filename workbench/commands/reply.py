"""``kvm-workbench reply``: answer a message of the RFC thread with the Report's evidence.

Reads one RFC 822 message (``.eml``) or an mbox (the last message, or ``--message-id``),
finds the questions it asks — its own and those it quotes — and writes a reply mail ready
for ``git send-email`` or mutt: each question quoted, then the answer the Report gives (the
same paragraphs ``kvm-workbench report`` prints), unmatched questions listed as unanswered.
"""

from __future__ import annotations

import argparse

from workbench.cli import add_repo_options
from workbench.commands.report import add_matrix_options


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("reply", help="a reply mail answering a message of the thread",
                            description="Answer the questions of a thread message (its own"
                            " and those it quotes) with the Report's evidence.")
    parser.add_argument("message", help="MESSAGE.eml or THREAD.mbox")
    parser.add_argument("--message-id", default=None, metavar="ID",
                        help="the message of the mbox to answer (default: the last)")
    parser.add_argument("--from", dest="sender", default=None, metavar="ADDRESS",
                        help="From: header of the reply (default: none; git send-email adds"
                        " yours)")
    parser.add_argument("--out", default=None, metavar="FILE",
                        help="write the mail here (atomically) instead of stdout")
    add_repo_options(parser)
    add_matrix_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.commands.report import make_report, write_or_print
    from workbench.reply import read_message, reply_text

    message = read_message(Path(args.message), args.message_id)  # bad mail: before checking
    text = reply_text(message, make_report(args), sender=args.sender)
    write_or_print(text, args.out, "reply")
    return 0
