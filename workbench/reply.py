"""Provides ``reply``: an answer to a message of the RFC thread, built from the Report.

The message is read with the standard library's ``email`` package (one RFC 822 message, or
the last message of an mbox unless a Message-ID is named). Each question it asks — in its own
words or in the earlier mails it quotes, since a reply often carries the reviewer's questions
only as quotes — is found (a sentence ending in "?"), quoted with ``> `` and followed by the
Report's answer to the question of the thread it is about. A question that matches none of
them is listed as unanswered: nothing is invented. The headers make a mail ``git send-email``
and mutt accept: ``Subject: Re: …``, ``In-Reply-To``, ``References``, ``To`` and ``Cc``.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
import textwrap
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

from workbench.errors import UsageError
from workbench.report import Report

#: Which answer of the Report a question is about, by the words it uses (first match wins,
#: so the narrower topics come first). Each pattern is matched case-insensitively.
TOPICS: tuple[tuple[str, str], ...] = (
    ("comments", r"\bcomments?\b|\binvalidat|\bassumptions?\b|\bmade false\b|\bstale\b"),
    ("why-order", r"\bwhy\b.*\border\b|\border\b.*\bwhy\b|07f0a7bdec5c|\bhistor|"
                  r"\brefcount|\breference count"),
    ("enough", r"\benough\b|\bsufficient\b|\bneeded\b|\bnecessary\b|\bneed (this|the)\b|"
               r"\bsecure (execution|configuration|guest)|\bAP queues?\b|\bzeroi[sz]e|\bSE\b"),
    ("safe", r"\bsafe\b|\buse[- ]after[- ]free\b|\bUAF\b|\barch(itecture)?s?\b|"
             r"\bdangling\b|\bpoint(s|ing)? (at|to|into)\b|\bstill (use|reference|touch)"),
)

#: Prose lines are wrapped at this width, as mail is; traces, tables and quotes are not.
WIDTH = 72


@dataclass(frozen=True, slots=True)
class Question:
    """A question the message asks, where it was found, and the answer it maps to."""

    text: str
    quoted: bool
    """Found in a quoted earlier mail (``>``) rather than in the message's own words."""
    topic: str | None
    """The Report section id that answers it, or None (unanswered)."""


def read_message(path: Path, message_id: str | None = None) -> EmailMessage:
    """The message to answer: the file as one message, or from an mbox the one with
    ``message_id`` (default: the last)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: {error.strerror or error}") from None
    if raw.startswith(b"From "):
        box = mailbox.mbox(str(path), create=False)
        try:
            messages = [email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
                        for m in box]
        finally:
            box.close()
        messages = [m for m in messages if isinstance(m, EmailMessage) and _is_mail(m)]
        if not messages:
            raise UsageError(f"{path}: an mbox without messages (none has a Subject and a"
                             " Message-ID)")
        if message_id is None:
            return messages[-1]
        wanted = message_id.strip().strip("<>")
        for message in messages:
            if str(message.get("Message-ID", "")).strip().strip("<>") == wanted:
                return message
        raise UsageError(f"{path}: no message with Message-ID <{wanted}>")
    if message_id is not None:
        raise UsageError("--message-id picks a message of an mbox; this is one message")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not _is_mail(message):
        raise UsageError(f"{path}: not a mail message (no Subject or no Message-ID header)")
    return message


def _is_mail(message: EmailMessage) -> bool:
    """A message a reply can thread under: it has a subject and a Message-ID."""
    return bool(message.get("Subject")) and bool(message.get("Message-ID"))


def body_text(message: EmailMessage) -> str:
    """The message's plain-text body (the text/plain part of a multipart mail)."""
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        raise UsageError("the message has no text/plain part to answer")
    content = part.get_content() if isinstance(part, EmailMessage) else ""
    return str(content)


def _sentences(lines: list[str]) -> list[str]:
    """Sentences of a run of prose lines (joined first: a question may span lines)."""
    text = " ".join(line.strip() for line in lines if line.strip())
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+(?=[A-Z(\"'])", text) if s.strip()]


def questions(body: str) -> list[Question]:
    """Every question of the body, own and quoted, in order, each mapped to a topic.

    A patch's diff (``diff --git`` to the end) and signature (``-- ``) are not prose.
    """
    found: list[Question] = []
    block: list[str] = []
    quoted = False

    def flush() -> None:
        for sentence in _sentences(block):
            if sentence.endswith("?"):
                found.append(Question(sentence, quoted, topic_of(sentence)))
        block.clear()

    for raw in body.splitlines():
        if raw.startswith("-- ") and raw.rstrip() == "--":
            break
        depth = len(raw) - len(raw.lstrip(">"))
        line = raw.lstrip(">").strip() if depth else raw
        if line.startswith(("diff --git", "---", "+++", "@@")) or \
                (line.lower().startswith("on ") and line.rstrip().endswith("wrote:")):
            flush()
            continue
        if (depth > 0) != quoted or not line.strip():
            flush()
            quoted = depth > 0
        if line.strip():
            block.append(line)
    flush()
    unique: dict[str, Question] = {}
    for question in found:
        unique.setdefault(question.text, question)
    return list(unique.values())


def topic_of(sentence: str) -> str | None:
    """The Report section a question is about, by ``TOPICS`` (None: no section)."""
    for topic, pattern in TOPICS:
        if re.search(pattern, sentence, flags=re.IGNORECASE):
            return topic
    return None


def _wrap(paragraph: str) -> str:
    """Mail-width plain text: prose and list items wrapped (a list item's lines hang under
    its text), code, traces and tables as they are, Markdown's ``**`` dropped."""
    out = []
    for line in paragraph.replace("**", "").splitlines():
        if line.startswith(("    ", "|")) or len(line) <= WIDTH:
            out.append(line)
        else:
            hang = "  " if line.startswith("- ") else ""
            out.extend(textwrap.wrap(line, WIDTH, subsequent_indent=hang,
                                     break_on_hyphens=False, break_long_words=False))
    return "\n".join(out)


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">"
                     for line in textwrap.wrap(text, WIDTH - 2, break_on_hyphens=False))


def _runs(asked: list[Question]) -> list[tuple[str | None, list[Question]]]:
    """Consecutive questions on one topic, together: quoted as one block, answered once."""
    runs: list[tuple[str | None, list[Question]]] = []
    for question in asked:
        if runs and runs[-1][0] == question.topic:
            runs[-1][1].append(question)
        else:
            runs.append((question.topic, [question]))
    return runs


def reply_text(message: EmailMessage, report: Report, *, sender: str | None = None) -> str:
    """The reply: headers for ``git send-email``, each question quoted and answered."""
    subject = str(message.get("Subject", "")).strip()
    if not re.match(r"(?i)re:", subject):
        subject = f"Re: {subject}"
    message_id = str(message.get("Message-ID", "")).strip()
    references = " ".join([*str(message.get("References", "")).split(), message_id])
    author = getaddresses([str(message.get("From", ""))])
    others = getaddresses([str(value) for name in ("To", "Cc")
                           for value in message.get_all(name, [])])
    seen = {address.lower() for _, address in author}
    if sender is not None:
        seen |= {address.lower() for _, address in getaddresses([sender])}
    cc = []
    for name, address in others:
        if address and address.lower() not in seen:
            seen.add(address.lower())
            cc.append(email.utils.formataddr((name, address)))
    headers = []
    if sender:
        headers.append(f"From: {sender}")
    headers += [f"To: {email.utils.formataddr(author[0]) if author else ''}"]
    if cc:
        headers.append("Cc: " + ",\n    ".join(cc))
    headers += [f"Subject: {subject}", f"In-Reply-To: {message_id}",
                f"References: {references}", "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: 8bit"]
    asked = questions(body_text(message))
    sections = {section.id: section for section in report.answers}
    tree = report.tree
    body = [_wrap(f"The answers below were generated by kvm-workbench from an exhaustive "
                  f"model of VM teardown ({tree.label} at {tree.rev[:12]}, release "
                  f"{tree.release}; {len(report.arches)} architectures, "
                  f"{len(report.columns)} eras, {len(report.userspaces)} userspaces, both "
                  "orders). Traces name the kernel function of each step and the fact it "
                  "rests on."), ""]
    answered_topics: list[str] = []
    for topic, group in _runs(asked):
        if topic is None:
            continue
        body += ["\n".join(_quote(q.text) for q in group), ""]
        if topic in answered_topics:
            body += [f"(Answered above: {sections[topic].question})", ""]
            continue
        answered_topics.append(topic)
        for paragraph in sections[topic].paragraphs:
            body += [_wrap(paragraph), ""]
    unanswered = [q for q in asked if q.topic is None]
    if unanswered:
        body.append("Not answered here (no claim of the model speaks to these):")
        body += [_quote(q.text) for q in unanswered]
        body.append("")
    if not asked:
        body += ["The message asks no question this tool could find (a sentence ending in",
                 "\"?\", in its own text or in what it quotes).", ""]
    return "\n".join(headers) + "\n\n" + "\n".join(body).rstrip() + "\n"
