"""The grader's own checks, which do not trust the learner's kernel: the answer sheet
scored in the grading process, and the tampering patterns flagged for a human look."""

import shutil
from pathlib import Path

import nbformat
import pytest

from aicareer.answers import Entry, render_sheet, sheet_path
from autograder.grading.integrity import (
    questions_of,
    tampering_flags,
    typed_answers,
    widget_checks,
    widget_disagreements,
)

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "07-job-search"
SOURCE = ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASED = ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RIGHT_12 = "Role switch"
# What the kernel reports when every widget question earns full points.
FULL = {"q1_2_check": 1.0, "q1_3_check": 2.0, "q3_1_check": 1.0, "q3_2_check": 2.0}


def hand_in(folder: Path, answers: dict, typed_code: str = "") -> Path:
    """A submission with ``answers`` on its sheet and ``typed_code`` in a solution cell."""
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(RELEASED, as_version=4)
    if typed_code:
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
        cell.source += "\n" + typed_code
    nbformat.write(nb, folder / RELEASED.name)
    entries = {q: Entry(kind, value, "2026-11-24T10:00:00") for q, (kind, value) in answers.items()}
    sheet_path(folder, ASSIGNMENT).write_text(render_sheet(ASSIGNMENT, entries), encoding="utf-8")
    return folder


def test_questions_and_keys_are_read_from_the_source_without_running_it():
    questions = questions_of(nbformat.read(SOURCE, as_version=4))
    assert sorted(questions) == ["1.2", "1.3", "3.1", "3.2"]
    assert questions["1.2"].kind == "single" and RIGHT_12 in questions["1.2"].options
    checks = {c.cell: c for c in widget_checks(nbformat.read(SOURCE, as_version=4))}
    assert {cell: c.points for cell, c in checks.items()} == FULL
    assert checks["q1_2_check"].key == RIGHT_12


def test_a_kernel_reporting_more_than_the_sheet_is_worth_is_caught(tmp_path):
    folder = hand_in(tmp_path / "s", {"1.2": ("single", "Both")})
    found = widget_disagreements(SOURCE, folder, ASSIGNMENT, FULL)
    assert len(found) == 4, "1.2 is wrong on the sheet; 1.3, 3.1 and 3.2 are not answered"
    assert found[0].startswith("question 1.2 (q1_2_check): the kernel reported 1 points")


def test_a_kernel_agreeing_with_the_sheet_is_not_flagged(tmp_path):
    folder = hand_in(tmp_path / "s", {"1.2": ("single", RIGHT_12)})
    earned = {"q1_2_check": 1.0, "q1_3_check": 0.0, "q3_1_check": 0.0, "q3_2_check": 0.0}
    assert widget_disagreements(SOURCE, folder, ASSIGNMENT, earned) == []


def test_a_kernel_reporting_less_is_not_tampering(tmp_path):
    """A crash or a learner's own bug can lose points; only gaining them is suspicious."""
    folder = hand_in(tmp_path / "s", {"1.2": ("single", RIGHT_12)})
    assert widget_disagreements(SOURCE, folder, ASSIGNMENT, dict.fromkeys(FULL, 0.0)) == []


def test_answers_typed_with_literals_count_like_the_kernel_counts_them(tmp_path):
    """``hw.answer("1.2", "Role switch")`` in a cell is how a learner answers where the
    widgets do not show; the kernel honours it, so the check must too."""
    folder = hand_in(tmp_path / "s", {"1.2": ("single", "Both")}, f'hw.answer("1.2", "{RIGHT_12}")')
    earned = {"q1_2_check": 1.0, "q1_3_check": 0.0, "q3_1_check": 0.0, "q3_2_check": 0.0}
    assert widget_disagreements(SOURCE, folder, ASSIGNMENT, earned) == []


def test_answers_typed_with_expressions_are_not_judged(tmp_path):
    folder = hand_in(tmp_path / "s", {}, 'choice = "Role " + "switch"\nhw.answer("1.2", choice)')
    assert typed_answers(nbformat.read(folder / RELEASED.name, as_version=4)) == ({}, {"1.2"})
    earned = {"q1_2_check": 1.0, "q1_3_check": 0.0, "q3_1_check": 0.0, "q3_2_check": 0.0}
    assert widget_disagreements(SOURCE, folder, ASSIGNMENT, earned) == []


def test_an_unreadable_sheet_is_worth_nothing(tmp_path):
    folder = hand_in(tmp_path / "s", {})
    sheet_path(folder, ASSIGNMENT).write_text("{not json", encoding="utf-8")
    found = widget_disagreements(SOURCE, folder, ASSIGNMENT, {"q1_2_check": 1.0})
    assert found == [
        "question 1.2 (q1_2_check): the kernel reported 1 points, the handed-in answer is worth 0"
    ]


@pytest.mark.parametrize(
    "code, reason",
    [
        ("get_ipython().events.register('pre_run_cell', f)", "IPython shell"),
        ("import builtins\nbuiltins.print = len", "builtins"),
        ("import aicareer.grading", "grading helpers"),
        ("hw.typed['1.2'] = 'x'", "grading helpers"),
        ("import sqlite3", "gradebook"),
        ("open('../../gradebook.db')", "outside"),
        ("import subprocess", "processes"),
        ("import socket", "network"),
        ("import atexit", "how the kernel stops"),
    ],
)
def test_tampering_patterns_in_learner_cells_are_flagged(tmp_path, code, reason):
    folder = hand_in(tmp_path / "s", {}, code)
    flags = tampering_flags(folder / RELEASED.name)
    assert any(reason in flag for flag in flags), flags
    assert flags[0].startswith("classify_move: "), "the flag names the cell"


def test_ordinary_answers_and_instructor_cells_raise_no_flag(tmp_path):
    """The released notebook's own cells import aicareer and call hw; only what the
    learner wrote is looked at."""
    folder = hand_in(tmp_path / "s", {}, "def classify_move(current, target):\n    return 'x'")
    assert tampering_flags(folder / RELEASED.name) == []
    shutil.rmtree(folder)
    assert tampering_flags(folder / RELEASED.name) == [], "a missing notebook: nothing to flag"
