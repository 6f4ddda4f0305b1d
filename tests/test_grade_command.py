"""What the ``grade`` command tells an instructor before and while it grades: the due date
it read (or why it could not), and its progress, as a bar on a terminal and as one plain
line per submission in a log."""

from __future__ import annotations

import io
import os
import sys
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograder import cli
from autograder.gradebook import read_due_date
from autograder.options import GradingOptions


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2026-11-20 17:00 UTC", "2026-11-20 17:00"),
        ("2026-11-20 17:00", "2026-11-20 17:00"),  # no zone: UTC
        ("2026-11-20 17:00 +0100", "2026-11-20 16:00"),  # nbgrader alone: 100 seconds
        ("2026-11-20 17:00 -05:30", "2026-11-20 22:30"),
        ("2026-11-20 17:00 Europe/Paris", "2026-11-20 16:00"),
        ("2026-11-20T17:00:00+02:00", "2026-11-20 15:00"),
    ],
)
def test_a_due_date_is_read_in_its_own_zone(written, utc):
    got = read_due_date(written)
    assert got == datetime.fromisoformat(utc), f"expected {utc} UTC for {written!r}, got {got}"


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("2026-11-20 17:00 PST", "'PST' is not a time zone this machine knows"),
        ("2026-11-20 17:00 0100", "'0100' is not a time zone"),
        ("next friday", "it is not a date and time"),
        ("2026-13-45 10:00", "it is not a date and time"),
    ],
)
def test_a_due_date_that_cannot_be_read_right_is_refused_with_the_reason(written, said):
    with pytest.raises(ValueError) as refused:
        read_due_date(written)
    assert said in str(refused.value), f"expected {said!r}, got {refused.value}"


def test_grade_refuses_an_unreadable_due_date_before_grading(tmp_path, capsys):
    (tmp_path / "submitted" / "ada" / "07-job-search").mkdir(parents=True)
    options = GradingOptions(due="next friday", isolation="off")
    assert cli._grade_command(tmp_path, "07-job-search", options) == 2
    err = capsys.readouterr().err
    assert "Cannot read the due date 'next friday': it is not a date and time" in err, err
    assert not (tmp_path / "gradebook.db").exists(), "expected nothing graded or recorded"


def test_grade_says_the_due_date_back_in_utc(tmp_path, capsys, monkeypatch):
    # nbgrader runs alembic, beside this Python, when it makes the gradebook.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    (tmp_path / "submitted").mkdir()
    options = GradingOptions(due="2026-11-20 17:00 Europe/Paris", isolation="off")
    assert cli._grade_command(tmp_path, "07-job-search", options) == 1  # nobody handed in
    err = capsys.readouterr().err
    assert "Due: 2026-11-20 16:00 UTC; hand-ins after it are marked late" in err, err


def _outcome(student: str, status: str):
    return SimpleNamespace(submission=SimpleNamespace(student=student), status=status)


def test_progress_in_a_log_is_one_plain_line_per_submission(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(cli.sys, "stderr", log)
    with cli.ProgressBar() as bar:
        bar.step(_outcome("ada", "ok"), 2)
        bar.step(_outcome("grace\x1b[2J", "timeout"), 2)
    assert log.getvalue().splitlines() == [
        "graded 1 of 2: ada: ok",
        "graded 2 of 2: grace: timeout",  # no escape sequence reaches the log
    ], log.getvalue()


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_is_a_bar(monkeypatch):
    screen = Terminal()
    monkeypatch.setattr(cli.sys, "stderr", screen)
    with cli.ProgressBar() as bar:
        bar.step(_outcome("ada", "ok"), 2)
        bar.step(_outcome("grace", "ok"), 2)
    shown = screen.getvalue()
    assert "\r" in shown and "2/2" in shown, f"expected a redrawn bar, got {shown!r}"
    assert "graded 1 of 2" not in shown, shown


def test_a_hand_in_without_a_time_matters_only_once_a_due_date_is_set(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    from autograder import gradebook

    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    gradebook.quiet_gradebook_warnings()  # nbgrader's own, as the commands silence it
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as book:
        book.add_assignment("07-job-search")
        book.add_student("ada")
        book.add_submission("07-job-search", "ada")  # no timestamp, as without timestamp.txt
    assert gradebook.untimed(url, "07-job-search") == [], "expected nothing to say without a due"
    gradebook.set_due_date(url, "07-job-search", "2026-11-20 17:00 UTC")
    assert gradebook.untimed(url, "07-job-search") == ["ada"]
    assert gradebook.untimed(url, "no-such-assignment") == []
