"""Widget questions scored here, in the trusted process, from what was handed in.

A widget question's test cell runs ``hw.require(id)`` and ``hw.grade(id, key, points=...)``
inside the learner's kernel, where code written for it can change the result. When the
source's test cell is made of nothing else, and the question and its key are literals,
the grader can score it itself: the answer is in the handed-in answer sheet (or typed as
``hw.answer(id, value)`` in the notebook), the key in the instructor's source. That score
replaces the kernel's in the gradebook, *before* the feedback page is made, so the CSV,
the report and the feedback all agree, whatever the kernel said.

Typed answers. ``hw.answer("1.2", "Role switch")`` in a learner's cell takes the place of
the sheet's answer while nbgrader runs the notebook. Here only such a call that can be
read without running anything counts: a statement on its own at the top of a learner's
cell, its id a literal and its value a literal (or a name the notebook binds to one);
the last one in the notebook wins. Any other typed answer (inside a function, a loop or
a condition, built at run time, or spelt so that it is not an ``.answer(...)`` call) is
not used: its question is scored from the sheet alone, and the submission is flagged so
that a person can look. A typed answer can therefore never dodge the trusted score.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from aicareer.answers import MAX_BYTES, AnswerSheetError, parse_sheet, sheet_path
from aicareer.notebook_status import evaluate_literal, literal_names

from ..grading.integrity import (
    TOLERANCE,
    WidgetCheck,
    keys_of,
    load_submitted_notebook,
    sheet_points,
)
from ..notebooks import grade_id, is_locked, is_test_cell, load_notebook
from .files import RefusedFile, read_submission_file
from .kernel_probe import clean, record_of, tampering_found

CHECK_METHODS = ("require", "grade")


@dataclass(frozen=True)
class TypedAnswers:
    """The typed answers of a submitted notebook that can be read without running it."""

    values: dict = field(default_factory=dict)  # question id -> value
    unreadable: tuple[str, ...] = ()  # "needs a look" lines for the others


@dataclass(frozen=True)
class TrustedScore:
    """The points a widget question's test cell is worth, given what was handed in."""

    cell: str
    question_ids: tuple[str, ...]
    earned: float
    points: float


def _widget_check_calls(source: str) -> int | None:
    """How many ``<x>.grade(...)`` calls a test cell makes, when it is a docstring and
    ``<x>.require``/``<x>.grade`` calls only; None when it holds anything else."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    grades = 0
    for statement in tree.body:
        value = statement.value if isinstance(statement, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            continue
        if not (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in CHECK_METHODS
        ):
            return None
        grades += value.func.attr == "grade"
    return grades


def scorable_cells(source_notebook: Path) -> dict[str, tuple[float, list[WidgetCheck]]]:
    """The source's test cells the grader scores itself: grade id -> (points, checks).

    A cell counts when it holds widget checks only, and every ``hw.grade`` call in it was
    read with literal arguments, for a question whose definition is literal too.
    """
    questions, checks = keys_of(str(source_notebook))
    nb = load_notebook(Path(source_notebook))
    cells = {}
    for cell in nb.cells:
        cell_id = grade_id(cell)
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or not cell_id:
            continue
        ours = [c for c in checks if c.cell == cell_id]
        if (
            ours
            and len(ours) == _widget_check_calls(cell.source)
            and all(c.question_id in questions for c in ours)
        ):
            cells[cell_id] = (float(meta.get("points", 0)), ours)
    return cells


def _is_learner_code(cell) -> bool:
    return cell.cell_type == "code" and not is_locked(cell) and not is_test_cell(cell)


def _answer_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "answer"
        ):
            yield node


def _read_call(call: ast.Call, names: dict) -> tuple[str, object]:
    """(question id, value) of a literal ``<x>.answer(id, value)``; ValueError otherwise."""
    arguments = list(call.args)
    keywords = {k.arg: k.value for k in call.keywords}
    if None in keywords:
        raise ValueError("unpacked arguments")
    for name in ("question_id", "value")[len(arguments) :]:
        if name not in keywords:
            raise ValueError(f"no {name}")
        arguments.append(keywords.pop(name))
    if keywords or len(arguments) != 2:
        raise ValueError("unexpected arguments")
    question_id = ast.literal_eval(arguments[0])
    if not isinstance(question_id, str):
        raise ValueError("the question id is not text")
    try:
        value = evaluate_literal(arguments[1], names)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise ValueError(f"question {question_id}") from None
    return question_id, value


def typed_answers(nb) -> TypedAnswers:
    """The typed answers of a submitted notebook (see the module's docstring)."""
    names = literal_names(nb)
    values, unreadable = {}, []
    for index, cell in enumerate(nb.cells, start=1):
        if not _is_learner_code(cell):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        top_level = {
            id(s.value)
            for s in tree.body
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
        }
        for call in _answer_calls(tree):
            where = grade_id(cell) or f"cell {index}"
            try:
                question_id, value = _read_call(call, names)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                unreadable.append(
                    f"{clean(where, 60)}: a typed answer whose question or value is not a "
                    "literal; its question was scored from the answer sheet"
                )
                continue
            if id(call) not in top_level:
                unreadable.append(
                    f"{clean(where, 60)}: a typed answer to question {clean(question_id, 40)} "
                    "is not a statement of its own; it was scored from the answer sheet"
                )
                continue
            values[question_id] = value
    return TypedAnswers(values, tuple(unreadable[:10]))


def read_sheet_safely(folder: Path, assignment: str) -> dict:
    """The answers of the sheet handed in ``folder`` (``<...>/<student>/<assignment>``), or
    none: a link, a special file, a file too big or one that does not parse is read as
    an empty sheet (never followed, never blocking)."""
    path = sheet_path(folder, assignment)
    try:
        data = read_submission_file(Path(folder), path.name, MAX_BYTES + 1)
        return parse_sheet(path, data, assignment)
    except (OSError, RefusedFile, AnswerSheetError):
        return {}


def trusted_scores(
    source_notebook: Path, submitted_folder: Path, assignment: str
) -> list[TrustedScore]:
    """What each scorable widget test cell of ``source_notebook`` is worth, given the
    sheet and the notebook handed in ``submitted_folder``."""
    cells = scorable_cells(source_notebook)
    if not cells:
        return []
    questions, _ = keys_of(str(source_notebook))
    try:
        typed = typed_answers(load_submitted_notebook(Path(submitted_folder), source_notebook.name))
    except Exception:  # an unreadable or refused notebook types nothing
        typed = TypedAnswers()
    sheet = read_sheet_safely(submitted_folder, assignment)
    scores = []
    for cell_id, (points, checks) in cells.items():
        earned = sum(
            sheet_points(check, questions[check.question_id], sheet, typed.values)
            for check in checks
        )
        ids = tuple(check.question_id for check in checks)
        scores.append(TrustedScore(cell_id, ids, round(min(earned, points), 6), points))
    return scores


def write_trusted_scores(
    db_url: str, assignment: str, student: str, notebook: str, scores: list[TrustedScore]
) -> list[str]:
    """Put ``scores`` in the gradebook in place of the kernel's (a score a person gave is
    kept), and say where the kernel had reported more than the handed-in answer is worth."""
    from nbgrader.api import Gradebook, MissingEntry

    found = []
    with Gradebook(db_url) as gradebook:
        for score in scores:
            try:
                grade = gradebook.find_grade(score.cell, notebook, assignment, student)
            except MissingEntry:
                continue
            reported = grade.auto_score
            if reported is not None and reported > score.earned + TOLERANCE:
                found.append(
                    f"question {', '.join(score.question_ids)} ({score.cell}): the kernel "
                    f"reported {reported:g} points, the handed-in answer is worth "
                    f"{score.earned:g}"
                )
            grade.auto_score = score.earned
            grade.needs_manual_grade = grade.manual_score is not None
        gradebook.db.commit()
    return found


def withhold_kernel_scores(
    db_url: str, assignment: str, student: str, notebook: str, keep: set[str]
) -> list[str]:
    """Set every test cell the kernel scored (all but ``keep``) to zero, marked for a
    person to grade: used when the kernel failed the grader's canary, so that none of
    its passes can be believed. The grade ids that had earned points are returned."""
    from nbgrader.api import Gradebook, MissingEntry

    withheld = []
    with Gradebook(db_url) as gradebook:
        try:
            submitted = gradebook.find_submission_notebook(notebook, assignment, student)
        except MissingEntry:
            return []
        for grade in submitted.grades:
            if grade.name in keep or grade.auto_score is None or grade.cell.cell_type != "code":
                continue
            if grade.auto_score > 0:
                withheld.append(grade.name)
            grade.auto_score = 0.0
            grade.needs_manual_grade = True
        gradebook.db.commit()
    return withheld


def score_in_trusted_process(
    course: Path, handed_in: Path, assignment: str, student: str, db_url: str
) -> list[str]:
    """Correct one graded submission's scores in the gradebook from this process.

    Every scorable widget question is scored from ``handed_in`` (the folder that was
    graded, ``<...>/<student>/<assignment>``); where the kernel failed the grader's canary
    (:mod:`autograder.guards.kernel_probe`) or claimed more for a widget question than the
    sheet is worth, the code tests it scored are withheld. The
    sentences say where the kernel had claimed more than the hand-in is worth.
    """
    graded = Path(course) / "autograded" / student / assignment
    found = []
    for source in sorted((Path(course) / "source" / assignment).glob("*.ipynb")):
        notebook = Path(handed_in) / source.name
        if notebook.is_symlink() or not notebook.is_file():
            continue
        scores = trusted_scores(source, Path(handed_in), assignment)
        over_reported = write_trusted_scores(db_url, assignment, student, source.stem, scores)
        found += over_reported
        # A kernel caught claiming more for a widget question than the sheet is worth has
        # lied once: none of its passing code tests can be believed either.
        if over_reported or _failed_canary(graded / source.name):
            keep = {score.cell for score in scores}
            withheld = withhold_kernel_scores(db_url, assignment, student, source.stem, keep)
            if withheld:
                found.append(
                    f"{len(withheld)} code tests passed in a kernel that failed the grader's "
                    f"check; set to 0 for a person to grade ({', '.join(withheld[:6])})"
                )
    return found


def _failed_canary(graded_notebook: Path) -> bool:
    try:
        record = record_of(load_notebook(graded_notebook))
    except Exception:
        return False
    return bool(record and tampering_found(record))


def typed_answer_flags(submitted_notebook: Path) -> list[str]:
    """ "Needs a look" lines for typed answers the trusted scoring could not read."""
    submitted_notebook = Path(submitted_notebook)
    try:
        nb = load_submitted_notebook(submitted_notebook.parent, submitted_notebook.name)
    except Exception:
        return []
    return list(typed_answers(nb).unreadable)
