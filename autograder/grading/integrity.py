"""Checks the trusted grading process makes itself, without believing the kernel.

A test cell runs inside the learner's kernel, so code written to defeat it can change
what it reports. Two checks do not depend on that kernel:

- :func:`widget_disagreements` scores the answer sheet that was handed in, strictly, in
  this process, with the keys read from the instructor's source notebook; a widget
  check that earned more in the kernel than the sheet is worth means tampering.
- :func:`tampering_flags` looks for known tampering patterns in what the learner wrote
  (changing how later cells run, touching the gradebook, reaching outside the
  submission), for a human to judge. A flag is not a verdict: it names the cell and the
  pattern so an instructor can look.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import nbformat.reader

from aicareer.answers import MAX_BYTES as SHEET_MAX_BYTES
from aicareer.answers import AnswerSheetError, parse_sheet, sheet_path
from aicareer.assignment import Assignment
from aicareer.grading import assess
from aicareer.notebook_status import evaluate_literal, literal_names, literal_questions
from aicareer.questions import InvalidAnswer

from ..guards.files import MAX_NOTEBOOK_BYTES, RefusedFile, read_submission_file
from ..notebooks import grade_id, is_locked, is_test_cell, load_notebook

TOLERANCE = 1e-6


@dataclass(frozen=True)
class WidgetCheck:
    """One hidden ``hw.grade(...)`` call of the source notebook."""

    cell: str  # the nbgrader grade_id of the test cell
    question_id: str
    key: object
    points: float
    tolerance: float | None


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _calls(source: str, method: str):
    """Every ``<something>.<method>(...)`` call in ``source`` (none if it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == method
        ):
            yield node


def _bind(method: str, call: ast.Call, names: dict) -> dict:
    signature = inspect.signature(getattr(Assignment, method))
    args = [evaluate_literal(a, names) for a in call.args]
    kwargs = {k.arg: evaluate_literal(k.value, names) for k in call.keywords if k.arg}
    return signature.bind(None, *args, **kwargs).arguments


def questions_of(nb) -> dict:
    """The questions a source notebook asks, rebuilt from their literal definitions by the
    same function that builds them in a running notebook (and that the learner's
    ``check_complete`` uses).

    A question whose definition is not made of literals is left out: it cannot be
    checked here, and is then simply not judged.
    """
    return literal_questions(nb)


def widget_checks(nb) -> list[WidgetCheck]:
    """The ``hw.grade(question, key, points=...)`` calls in the source's test cells."""
    names = literal_names(nb)
    checks = []
    for cell in _code_cells(nb):
        cell_id = grade_id(cell)
        if not cell_id:
            continue
        for call in _calls(cell.source, "grade"):
            try:
                arguments = _bind("grade", call, names)
            except (ValueError, TypeError, SyntaxError):
                continue
            checks.append(
                WidgetCheck(
                    cell_id,
                    arguments["question_id"],
                    arguments["key"],
                    float(arguments["points"]),
                    arguments.get("tolerance"),
                )
            )
    return checks


def typed_answers(nb) -> tuple[dict, set[str]]:
    """Answers typed as ``hw.answer("id", <literal>)`` in the submission's cells, and the
    ids typed with something other than a literal (which cannot be checked here)."""
    typed, unknown = {}, set()
    for cell in _code_cells(nb):
        for call in _calls(cell.source, "answer"):
            if len(call.args) != 2:
                continue
            try:
                question_id = ast.literal_eval(call.args[0])
            except ValueError:
                continue
            try:
                typed[question_id] = ast.literal_eval(call.args[1])
            except ValueError:
                unknown.add(question_id)
    return typed, unknown


def sheet_points(check: WidgetCheck, question, sheet: dict, typed: dict) -> float:
    """What ``hw.grade`` must return for ``check`` given the handed-in answers."""
    if check.question_id in typed:
        value = typed[check.question_id]
    else:
        entry = sheet.get(check.question_id)
        if entry is None or entry.kind != question.kind:
            return 0.0
        value = entry.value
    try:
        value = question.check(value)
        fraction, _ = assess(question, value, check.key, check.tolerance)
    except (InvalidAnswer, ValueError, TypeError, KeyError):
        return 0.0
    return round(fraction * check.points, 6) if fraction > 0 else 0.0


@functools.lru_cache(maxsize=16)
def keys_of(source_notebook: str) -> tuple[dict, list[WidgetCheck]]:
    """The questions and widget checks of a source notebook, read once per grading run."""
    source = load_notebook(Path(source_notebook))
    return questions_of(source), widget_checks(source)


def widget_disagreements(
    source_notebook: Path, submitted_folder: Path, assignment: str, earned: dict[str, float]
) -> list[str]:
    """Widget checks where the kernel reported more points than the handed-in answers
    are worth; each as a sentence naming the question."""
    questions, checks = keys_of(str(source_notebook))
    try:
        typed, unknown = typed_answers(
            load_submitted_notebook(Path(submitted_folder), source_notebook.name)
        )
    except Exception:
        typed, unknown = {}, set()
    sheet_file = sheet_path(submitted_folder, assignment)
    try:
        data = read_submission_file(Path(submitted_folder), sheet_file.name, SHEET_MAX_BYTES + 1)
        sheet = parse_sheet(sheet_file, data, assignment)
    except (OSError, RefusedFile, AnswerSheetError):
        sheet = {}
    found = []
    for check in checks:
        question = questions.get(check.question_id)
        if question is None or check.question_id in unknown or check.cell not in earned:
            continue
        expected = sheet_points(check, question, sheet, typed)
        reported = earned[check.cell] or 0.0
        if reported > expected + TOLERANCE:
            found.append(
                f"question {check.question_id} ({check.cell}): the kernel reported "
                f"{reported:g} points, the handed-in answer is worth {expected:g}"
            )
    return found


def load_submitted_notebook(folder: Path, name: str):
    """The notebook ``name`` of the submission ``folder`` (``submitted/<student>/<assignment>``),
    read as a regular file of at most :data:`MAX_NOTEBOOK_BYTES` without following a link
    at the student's folder, the assignment's or the file (so a link to a classmate's
    notebook is never read as this learner's).

    Raises:
        RefusedFile: when it is a link, a special file, a hard link or too large.
    """
    data = read_submission_file(folder, name, MAX_NOTEBOOK_BYTES)
    return nbformat.convert(nbformat.reader.reads(data.decode("utf-8")), 4)


# Patterns, the reason shown to the instructor, and what they may indicate.
TAMPERING_PATTERNS = [
    (
        r"get_ipython\s*\(|\bInteractiveShell\b",
        "uses the IPython shell (can change how later cells run)",
    ),
    (
        r"\bsys\s*\.\s*(settrace|setprofile|modules)\b",
        "changes the interpreter (sys.settrace, sys.modules)",
    ),
    (r"\b__builtins__\b|\bimport\s+builtins\b|\bbuiltins\s*\.", "changes Python's builtins"),
    (r"\bshowtraceback\b|_render_traceback_", "changes how errors are shown"),
    (
        r"\baicareer\b|\bhw\s*\.\s*(typed|grade|sheet|questions)\b|setattr\s*\(\s*hw\b",
        "changes the course's grading helpers (aicareer, hw)",
    ),
    (r"\bgradebook\b|\bsqlite3?\b|\bnbgrader\b", "refers to the gradebook or nbgrader"),
    (
        r"\.\./|\bos\s*\.\s*chdir\b|['\"]/(home|root|etc|work|tmp|Users)\b|\bsource/|\bsubmitted/",
        "reaches outside the submission's folder",
    ),
    (
        r"\bsubprocess\b|\bos\s*\.\s*(system|popen|fork|kill|exec\w*|spawn\w*)\b|\bctypes\b",
        "starts programs or processes, or calls C directly",
    ),
    (r"\bsocket\b|\burllib\b|\brequests\b|\bhttp\.client\b", "uses the network"),
    (r"\batexit\b|\bsignal\s*\.\s*signal\b|\bos\s*\.\s*_exit\b", "changes how the kernel stops"),
]


def tampering_flags(submitted_notebook: Path) -> list[str]:
    """Known tampering patterns in the cells a learner wrote, one line per cell and
    pattern. Instructor cells (locked or tests) are skipped: nbgrader restores them."""
    submitted_notebook = Path(submitted_notebook)
    try:
        nb = load_submitted_notebook(submitted_notebook.parent, submitted_notebook.name)
    except Exception:
        return []
    flags = []
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code" or is_locked(cell) or is_test_cell(cell):
            continue
        where = grade_id(cell) or f"cell {index}"
        for pattern, reason in TAMPERING_PATTERNS:
            match = re.search(pattern, cell.source)
            if match:
                flags.append(f"{where}: {reason} ({match.group(0).strip()!r})")
    return flags
