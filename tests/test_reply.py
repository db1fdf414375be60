"""``kvm-workbench reply`` on a thread written for these tests (tests/fixtures): headers a
mail client accepts, each question quoted and answered with the Report's own paragraphs,
unanswerable questions listed, bad input one line."""

from __future__ import annotations

import email
import email.policy
import mailbox
from pathlib import Path

import pytest

from tests.cli_run import run_cli as _cli

THREAD = Path(__file__).parent / "fixtures" / "rfc-thread.mbox"
ARCHES = ("--arch", "s390", "--arch", "powerpc-e500")


def _flat(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def test_the_last_message_is_answered_with_its_own_and_quoted_questions(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "reply", str(THREAD), *ARCHES)
    assert code == 0
    mail = email.message_from_bytes(out.encode(), policy=email.policy.default)
    assert mail["Subject"] == "Re: [RFC PATCH] KVM: destroy devices before kvm_arch_destroy_vm()"
    assert mail["In-Reply-To"] == "<answer-1@example.invalid>"
    assert mail["References"] == ("<rfc-1@example.invalid> <review-1@example.invalid> "
                                  "<answer-1@example.invalid>")
    assert mail["To"] == "Ada Developer <dev@example.invalid>"
    assert "rev1@example.invalid" in mail["Cc"] and "dev@example.invalid" not in mail["Cc"]
    body = mail.get_content()
    # the quoted reviewer question and the author's own one, each followed by its answer
    assert "> Is this safe on the other architectures?" in body
    assert "> Meanwhile, is the swap even needed when userspace resets the" in body
    assert "powerpc-e500: not safe." in body and "use after free: openpic" in _flat(body)
    assert "Not needed in the model:" in body
    unanswered = body.split("Not answered here")[1]
    assert "> Have you tried this on a machine with real crypto cards?" in unanswered
    assert [line for line in body.splitlines() if len(line) > 100] == []


def test_the_reply_says_what_the_report_says(capsys: pytest.CaptureFixture[str]) -> None:
    """Every answer paragraph of the reply is a paragraph of ``report --format md``."""
    code, report, _ = _cli(capsys, "report", *ARCHES)
    assert code == 0
    code, out, _ = _cli(capsys, "reply", str(THREAD), *ARCHES, "--message-id",
                        "review-1@example.invalid")
    assert code == 0
    body = out.split("\n\n", 1)[1]
    flat_report = _flat(report)
    paragraphs = [p for p in body.split("\n\n")[1:]
                  if p.strip() and not p.startswith(("> ", "Not answered", "(Answered"))]
    assert len(paragraphs) > 5
    for paragraph in paragraphs:
        assert _flat(paragraph) in flat_report, paragraph[:200]
    assert "> Why is the order the way it is today?" in body
    assert "> Which of these comments would the swap make false?" in body
    assert "mpic-disconnect (comment-mpic-disconnect): made false by the swap" in _flat(body)


def test_a_single_message_file_works_and_keeps_a_reply_subject(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = mailbox.mbox(str(THREAD), create=False)
    review = next(m for m in box if m["Message-ID"] == "<review-1@example.invalid>")
    box.close()
    single = tmp_path / "review.eml"
    single.write_bytes(review.as_bytes())
    out_file = tmp_path / "reply.txt"
    code, out, _ = _cli(capsys, "reply", str(single), *ARCHES, "--out", str(out_file),
                        "--from", "Me <me@example.invalid>")
    assert code == 0 and out == f"reply written to {out_file}\n"
    text = out_file.read_text(encoding="utf-8")
    assert text.startswith("From: Me <me@example.invalid>\nTo: Rhea Viewer")
    assert "Subject: Re: [RFC PATCH]" in text and "Re: Re:" not in text


def test_a_message_without_questions_says_so(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    quiet = tmp_path / "quiet.eml"
    quiet.write_text("From: a@example.invalid\nTo: b@example.invalid\nSubject: thanks\n"
                     "Message-ID: <q@example.invalid>\n\nApplied, thanks.\n", encoding="utf-8")
    code, out, _ = _cli(capsys, "reply", str(quiet), "--arch", "x86")
    assert code == 0 and "asks no question this tool could find" in out


@pytest.mark.parametrize(("content", "extra", "says"), [
    (None, (), "No such file"),
    ("just some text\n", (), "not a mail message"),
    ("From x Mon Jan  1 00:00:00 2025\n", (), "an mbox without messages"),
    ("THREAD", ("--message-id", "nope@example.invalid"), "no message with Message-ID"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          content: str | None, extra: tuple[str, ...],
                                          says: str) -> None:
    path = tmp_path / "in.mbox"
    if content == "THREAD":
        path = THREAD
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = _cli(capsys, "reply", str(path), *extra)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and says in err, err
