"""What the report says about each question, gathered from trusted places only.

The item analysis (:mod:`autograder.reports.item_analysis`) takes plain data; this module
collects it for one graded assignment:

- the graded cells, named as the instructor's source notebook names them ("Question 2.1 ·
  a path starts and ends in the right places"), with their points from the gradebook;
- the points each learner earned, from the gradebook, for the submissions that were
  graded (not those nbgrader could not read, nor those marked tampered, whose points are
  not to be trusted), leaving out cells graded by hand that are not yet marked for all;
- for each widget question, the answers from the handed-in answer sheets, judged against
  the key in the source notebook (never against anything the learner's kernel said);
- for each code test, the error outputs of the graded notebooks, sorted into visible and
  hidden checks by the source notebook's ``### BEGIN HIDDEN TESTS`` line.

Answer sheets and graded notebooks are untrusted: each is read without following a link
anywhere on its path, only when it is a regular file with a single name and within a
size cap, and anything unreadable counts as "not answered" or "no failures shown".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from aicareer.answers import MAX_BYTES as MAX_SHEET_BYTES
from aicareer.answers import parse_sheet, sheet_path

from .. import gradebook
from ..grading import statuses
from ..grading.integrity import questions_of, widget_checks
from ..guards.files import read_regular_file
from ..notebooks import grade_id, is_graded, is_test_cell, load_notebook
from ..preprocessors.name_feedback_cells import question_label
from .item_analysis import (
    FailedCheck,
    GradedCell,
    ItemAnalysis,
    OptionCounts,
    failed_checks,
    failure_from_error_output,
    item_statistics,
    option_counts,
)
from .wording import points_text

# A graded notebook bigger than this is not searched for failures (its outputs were cut
# to the size limit while grading, so a real one is far smaller).
MAX_GRADED_NOTEBOOK_BYTES = 20_000_000
# Per learner and test cell: a test cell stops at its first failing check, so more than a
# few error outputs means something other than our tests wrote them.
MAX_FAILURES_PER_CELL = 5
_NUMBER_AND_TITLE = re.compile(r"^(Question\s+\d+(?:\.\d+)*)\s*(?::|—|–|-)\s*(.*)$")


class _NotAnAnswer:
    """Stands for a saved answer of another kind than the question: every question kind's
    ``check`` refuses it, so the item analysis counts it as not fitting the question."""

    def __repr__(self) -> str:
        return "an answer of another kind"


NOT_AN_ANSWER = _NotAnAnswer()


@dataclass(frozen=True)
class Insight:
    """Everything the report's item-analysis sections show for one assignment.

    Attributes:
        analysis: difficulty, discrimination and flags per graded cell.
        widgets: what learners chose, one per widget question, in notebook order.
        checks: per test cell's grade id, the checks that failed most.
        labels: per grade id, how the page names the cell ("Question 2.1 · title"),
            every graded cell of the source notebooks, also those left out.
        notes: sentences on what was left out of the statistics and why.
    """

    analysis: ItemAnalysis
    widgets: tuple[OptionCounts, ...] = ()
    checks: dict[str, tuple[FailedCheck, ...]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def report_label(cell, prompt: str | None = None) -> str:
    """How the report names a graded cell of the source notebook: "Question 2.1 · title".

    The number and title come from the cell's first line (a test cell's docstring, a
    reflection's heading), as the feedback page reads them; a widget question's check cell
    says only that an answer is saved, so ``prompt`` (the question as asked) is its title.
    """
    label = question_label(cell)
    found = _NUMBER_AND_TITLE.match(label)
    if not found:
        return label
    number, title = found.group(1), found.group(2).strip().rstrip(".")
    if prompt:
        title = " ".join(prompt.split())
    return f"{number} · {title}" if title else number


def with_points(label: str, points: float) -> str:
    """A heading that says what the question is worth: "Question 2.1 · title, 2 points",
    or after a question mark "Question 1.2 · Which one? · 1 point"."""
    worth = f"{points_text(points)} point{'' if points == 1 else 's'}"
    return f"{label} · {worth}" if label.endswith(("?", "!")) else f"{label}, {worth}"


def handed_in_answers(course: Path, student: str, assignment: str) -> dict[str, object]:
    """The handed-in answer sheet of ``student``, as question id -> Entry; ``{}`` when it
    is missing, refused by the guards' safe read or not a valid sheet."""
    name = sheet_path(Path(), assignment).name
    try:
        data = read_regular_file(
            course / "submitted" / student / assignment / name, MAX_SHEET_BYTES, trusted=course
        )
        return parse_sheet(course / "submitted" / student / assignment / name, data, assignment)
    except Exception:  # untrusted input: whatever is wrong with it, nothing was answered
        return {}


def error_outputs(course: Path, student: str, assignment: str, notebook: str) -> dict[str, list]:
    """The error outputs of each graded cell of ``student``'s graded notebook, by grade
    id; ``{}`` when the notebook cannot be read safely. The outputs were written by the
    learner's kernel: they are only sorted for the report, never trusted for a grade."""
    try:
        data = read_regular_file(
            course / "autograded" / student / assignment / notebook,
            MAX_GRADED_NOTEBOOK_BYTES,
            trusted=course,
        )
        nb = json.loads(data.decode("utf-8"))
    except Exception:
        return {}
    cells = nb.get("cells") if isinstance(nb, dict) else None
    found: dict[str, list] = {}
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict):
            continue
        metadata = cell.get("metadata")
        nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        cell_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        outputs = cell.get("outputs")
        if not isinstance(cell_id, str) or not isinstance(outputs, list):
            continue
        errors = [o for o in outputs if isinstance(o, dict) and o.get("output_type") == "error"]
        if errors:
            found.setdefault(cell_id, []).extend(errors[:MAX_FAILURES_PER_CELL])
    return found


def graded_students(rows: list[dict]) -> list[str]:
    """The students whose points the statistics use: graded (a score), not tampered."""
    return sorted(
        str(row["student"])
        for row in rows
        if row.get("score") not in ("", None) and row.get("status") != statuses.TAMPERED
    )


def _fully_marked(db_url: str, assignment: str, notebooks: list[str], students, by_hand):
    """The cells graded by hand that a person has marked for every one of ``students``."""
    marked = set(by_hand)
    for student in students:
        if not marked:
            break
        given = set()
        for notebook in notebooks:
            try:
                given |= gradebook.hand_marked(db_url, assignment, notebook, student)
            except Exception:  # no entry for this notebook: nothing marked in it
                continue
        marked &= given
    return marked


def gather(
    course: Path,
    assignment: str,
    rows: list[dict],
    earned: dict[str, dict[str, float]],
    cells: gradebook.CellPoints,
    db_url: str,
) -> Insight:
    """The item analysis of ``assignment``, its widget answers and failed code checks.

    Args:
        course: the course folder (with ``source/``, ``submitted/`` and ``autograded/``).
        assignment: its name.
        rows: the grade rows of this run (grades_csv.COLUMNS), one per submission.
        earned: points per grade id per student, from :func:`gradebook.scores`.
        cells: the assignment's graded cells, from :func:`gradebook.cell_points`.
        db_url: the gradebook, asked which cells graded by hand have been marked.
    """
    course = Path(course)
    students = graded_students(rows)
    sources = sorted((course / "source" / assignment).glob("*.ipynb"))
    notebooks = [(path.name, load_notebook(path)) for path in sources]
    marked = _fully_marked(db_url, assignment, [p.stem for p in sources], students, cells.by_hand)
    notes = []
    tampered = sorted(str(r["student"]) for r in rows if r.get("status") == statuses.TAMPERED)
    if tampered:
        notes.append(
            f"{len(tampered)} submission{'s' if len(tampered) != 1 else ''} marked tampered "
            "left out: their points are not to be trusted until someone has looked."
        )
    graded_cells, labels, widgets, failures = [], {}, [], {s: {} for s in students}
    sheets = {s: handed_in_answers(course, s, assignment) for s in students}
    for name, nb in notebooks:
        questions = questions_of(nb)
        checks = {check.cell: check for check in widget_checks(nb)}
        test_sources = {}
        for cell in nb.cells:
            cell_id = grade_id(cell)
            if not cell_id or not is_graded(cell) or cell_id not in cells.points:
                continue
            check = checks.get(cell_id)
            question = questions.get(check.question_id) if check else None
            label = report_label(cell, question.prompt if question else None)
            labels[cell_id] = label
            points = cells.points[cell_id]
            if cell_id in cells.by_hand and cell_id not in marked:
                notes.append(
                    f"{label} ({cell_id}) is left out until it is marked by hand for every "
                    "graded submission."
                )
                continue
            graded_cells.append(GradedCell(cell_id, label, points))
            if question is not None:
                widgets.append(_option_counts(question, check, sheets, with_points(label, points)))
            elif is_test_cell(cell) and check is None:
                test_sources[cell_id] = cell.source
        for student in students:
            outputs = error_outputs(course, student, assignment, name)
            for cell_id, source in test_sources.items():
                if outputs.get(cell_id):
                    failures[student][cell_id] = [
                        failure_from_error_output(output, source) for output in outputs[cell_id]
                    ]
    scores = {
        s: {c.grade_id: earned.get(s, {}).get(c.grade_id, 0.0) for c in graded_cells}
        for s in students
    }
    order = list(labels)
    checks_found = failed_checks(failures)
    return Insight(
        analysis=item_statistics(graded_cells, scores),
        widgets=tuple(widgets),
        checks={c: checks_found[c] for c in order if c in checks_found},
        labels={c: labels[c] for c in order},
        notes=tuple(notes),
    )


def _option_counts(question, check, sheets: dict, label: str) -> OptionCounts:
    """What each learner chose for ``question``, judged by the source notebook's key."""
    answers = {}
    for student, sheet in sheets.items():
        entry = sheet.get(question.id)
        if entry is None:
            answers[student] = None
        elif entry.kind != question.kind:
            answers[student] = NOT_AN_ANSWER
        else:
            answers[student] = entry.value
    return option_counts(question, answers, check.key, label=label, tolerance=check.tolerance)
