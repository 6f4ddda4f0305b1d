"""Checks that an assignment is fit to hand out. Each returns a list of problems (empty if fine).

Every problem names the file, and the cell where there is one, so an instructor can go
straight to it. The checks read notebooks; they never change them.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from aicareer.answers import SUFFIX as SHEET_SUFFIX
from aicareer.grading import assess
from aicareer.progress import is_widget_question

from ..grading.integrity import questions_of, widget_checks
from ..notebooks import grade_id as grade_id_of
from ..notebooks import (
    is_grade,
    is_graded,
    is_graded_by_hand,
    is_locked,
    is_solution,
    is_task,
    points,
)

SECRET_MARKERS = (
    "BEGIN SOLUTION",
    "END SOLUTION",
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "BEGIN MARK SCHEME",
    "END MARK SCHEME",
)
# Calls that carry a key or the instructor's answer. Instructions may name them in prose,
# so they count as a leak in code cells only.
SECRET_CALLS = ("hw.grade(", "hw.answer(")
GRADE_CALL_POINTS = re.compile(r"hw\.grade\([\s\S]*?points=([\d.]+)")
STATED_POINTS = re.compile(r"(\d+(?:\.\d+)?) points")


def _where(path: Path, index: int, cell) -> str:
    grade_id = grade_id_of(cell)
    return f"{path.name} cell {index}" + (f" ({grade_id})" if grade_id else "")


def answer_sheets_in(folder: Path) -> list[str]:
    """Answer sheets must never ship: autograde would copy them over learners' answers."""
    return [
        f"{sheet}: an answer sheet in {folder.name}/ would overwrite every learner's answers"
        for sheet in sorted(Path(folder).rglob(f"*{SHEET_SUFFIX}"))
    ]


def leaks(release_notebook: Path) -> list[str]:
    """Solutions, hidden tests, mark schemes, keys or outputs left in a student edition."""
    path = Path(release_notebook)
    nb = nbformat.read(path, as_version=4)
    problems = []
    for index, cell in enumerate(nb.cells):
        markers = SECRET_MARKERS + (SECRET_CALLS if cell.cell_type == "code" else ())
        for marker in markers:
            if marker in cell.source:
                problems.append(f"{_where(path, index, cell)} contains {marker!r}")
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            problems.append(f"{_where(path, index, cell)} has stored outputs")
        if is_widget_question(cell) and "NotImplementedError" in cell.source:
            problems.append(f"{_where(path, index, cell)}: a widget question that raises")
    return problems


def grading_metadata(source_notebook: Path) -> list[str]:
    """Points and ids of graded cells, and agreement of ``hw.grade(points=)`` with them."""
    path = Path(source_notebook)
    nb = nbformat.read(path, as_version=4)
    problems, seen, total = [], set(), 0.0
    for index, cell in enumerate(nb.cells):
        if not (is_grade(cell) or is_solution(cell) or is_locked(cell) or is_task(cell)):
            continue
        grade_id = grade_id_of(cell) or ""
        if not grade_id:
            problems.append(f"{_where(path, index, cell)} has no grade id")
        elif grade_id in seen:
            problems.append(f"{_where(path, index, cell)}: the grade id {grade_id!r} is used twice")
        seen.add(grade_id)
        if is_graded(cell):
            worth = points(cell)
            if worth <= 0:
                problems.append(f"{_where(path, index, cell)} is graded but has no points")
            total += worth
            for stated in GRADE_CALL_POINTS.findall(cell.source):
                if float(stated) != worth:
                    problems.append(
                        f"{_where(path, index, cell)}: hw.grade(points={stated}) but the cell is "
                        f"worth {worth:g}; nbgrader reads the value as points earned"
                    )
        if is_widget_question(cell) and not is_solution(cell):
            problems.append(
                f"{_where(path, index, cell)}: a widget question must be a solution cell"
            )
    title = nb.cells[0].source if nb.cells else ""
    stated_total = STATED_POINTS.search(title)
    if stated_total and float(stated_total.group(1)) != total:
        problems.append(
            f"{path.name}: the title says {stated_total.group(0)}, the graded cells add up to "
            f"{total:g}"
        )
    return problems


def guessing(source_notebook: Path) -> list[str]:
    """Widget questions that pay for guessing: any answer from the kind's ``guesses()`` that earns
    points. Checked for questions whose options and key are literals (as the grader's own
    cross-check reads them); others cannot be judged here."""
    path = Path(source_notebook)
    nb = nbformat.read(path, as_version=4)
    questions = questions_of(nb)
    problems = []
    for check in widget_checks(nb):
        question = questions.get(check.question_id)
        if question is None:
            continue
        for description, answer in question.guesses():
            fraction, _ = assess(question, question.check(answer), check.key, check.tolerance)
            if fraction > 0:
                problems.append(
                    f"{path.name} ({check.cell}): question {check.question_id}: {description} "
                    f"earns {fraction:.0%} of its points; guessing should earn nothing "
                    "(add wrong options, or reorder the options or items)"
                )
    return problems


def points_table(source_notebook: Path) -> list[tuple[str, str, float]]:
    """Each graded cell as (grade id, how it is graded, points), in notebook order."""
    nb = nbformat.read(Path(source_notebook), as_version=4)
    rows = []
    for cell in nb.cells:
        if not is_graded(cell):
            continue
        if is_graded_by_hand(cell.cell_type, is_task(cell)):
            how = "by hand"
        elif "hw.grade(" in cell.source:
            how = "widget answer"
        else:
            how = "code tests"
        rows.append((grade_id_of(cell), how, points(cell)))
    return rows
