"""One word for how grading a submission went, and a sentence saying why.

Statuses, most serious first:

- ``missing notebook``: a notebook of the assignment was not handed in under its name;
- ``unreadable``: nbgrader could not read or grade it;
- ``tampered``: the kernel reported more than the handed-in answers are worth (set by
  :mod:`autograder.grading.integrity`, after grading);
- ``kernel died``: the kernel crashed, exited or was stopped by a sandbox limit;
- ``timeout``: a cell, or the whole notebook, ran past its time limit;
- ``memory limit``: the code ran out of the memory it is allowed;
- ``exited``: the code raised SystemExit;
- ``asked for input``: the code called ``input()``, which grading cannot answer;
- ``missing answers``: no readable answer sheet beside a notebook with widget questions;
- ``ok``.

Where a later cell was still graded after the problem, its points are kept.
"""

from __future__ import annotations

import re
from pathlib import Path

from aicareer.answers import AnswerSheetError, parse_sheet, sheet_path
from aicareer.progress import is_widget_question

from ..notebooks import load_notebook
from ..preprocessors.execute import KERNEL_DIED_ERROR, NOTEBOOK_TIMEOUT_ERROR

OK = "ok"
MISSING_NOTEBOOK = "missing notebook"
UNREADABLE = "unreadable"
TAMPERED = "tampered"
KERNEL_DIED = "kernel died"
TIMEOUT = "timeout"
MEMORY_LIMIT = "memory limit"
EXITED = "exited"
ASKED_FOR_INPUT = "asked for input"
MISSING_ANSWERS = "missing answers"
TIMEOUT_SIGNS = (
    "CellTimeoutError",
    "Cell execution timed out",
    "timed out waiting",
    NOTEBOOK_TIMEOUT_ERROR,
)
DEATH_SIGNS = ("DeadKernelError", "Kernel died", "kernel died", KERNEL_DIED_ERROR)
# Error names in the graded notebook, the status each means and why, in order of weight.
ERROR_STATUSES = [
    (DEATH_SIGNS, KERNEL_DIED, "the kernel stopped while running the notebook"),
    (TIMEOUT_SIGNS, TIMEOUT, "a cell ran past the time limit"),
    (("MemoryError",), MEMORY_LIMIT, "the code ran out of the memory it may use"),
    (("SystemExit",), EXITED, "the code raised SystemExit, which stops a script"),
    (
        ("StdinNotImplementedError",),
        ASKED_FOR_INPUT,
        "the code called input(); nobody can type an answer while it is graded",
    ),
]


def _notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


def classify(course: Path, submission, result: dict) -> tuple[str, str]:
    """The status of one submission after nbgrader's autograde returned ``result``."""
    submitted = Path(course) / "submitted" / submission.student / submission.assignment
    graded = Path(course) / "autograded" / submission.student / submission.assignment
    missing = _missing_notebooks(Path(course), submitted, submission.assignment)
    if missing:
        handed_in = ", ".join(p.name for p in _notebooks(submitted)) or "no notebook"
        return MISSING_NOTEBOOK, f"expected {', '.join(missing)}; found {handed_in}"
    log = f"{result.get('error', '')}\n{result.get('log', '')}"
    if not result.get("success"):
        if any(sign in log for sign in DEATH_SIGNS):
            return KERNEL_DIED, "the kernel stopped while running the notebook"
        return UNREADABLE, f"nbgrader could not grade it: {_reason(log)}"
    errors = [_error_lines(p) for p in _notebooks(graded)]
    errors = [line for lines in errors for line in lines]
    for signs, status, why in ERROR_STATUSES:
        hits = [line for line in errors if any(sign in line for sign in signs)]
        if hits or any(sign in log for sign in signs):
            detail = hits[0] if hits and status in (KERNEL_DIED, TIMEOUT) else why
            return status, detail[:300]
    if _stopped_early(graded):
        return KERNEL_DIED, "the kernel stopped while running the notebook"
    for notebook in _notebooks(submitted):
        if _asks_widget_questions(notebook):
            sheet = sheet_path(notebook.parent, submission.assignment)
            if not sheet.exists():
                return MISSING_ANSWERS, f"no {sheet.name} was handed in with {notebook.name}"
            try:
                parse_sheet(sheet, sheet.read_bytes(), submission.assignment)
            except (OSError, AnswerSheetError) as error:
                return MISSING_ANSWERS, f"the answer sheet cannot be read: {error}"[:300]
    return OK, ""


def _missing_notebooks(course: Path, submitted: Path, assignment: str) -> list[str]:
    expected = [p.name for p in _notebooks(course / "source" / assignment)]
    return [name for name in expected if not (submitted / name).is_file()]


def _error_lines(notebook: Path) -> list[str]:
    """The errors a graded notebook shows. The notebook went through the learner's hands
    (and editors that write odd JSON, such as ``"outputs": null`` on a markdown cell), so
    anything that is not a list of outputs is read as no outputs."""
    nb = load_notebook(notebook)
    lines = []
    for cell in nb.cells:
        outputs = cell.get("outputs")
        for output in outputs if isinstance(outputs, list) else []:
            if isinstance(output, dict) and output.get("output_type") == "error":
                lines.append(f"{output.get('ename', '')}: {output.get('evalue', '')}")
    return lines


def _reason(log: str) -> str:
    """The most telling line of a failure: the last 'SomethingError: ...' line, if any."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]*(Error|Exception): ", line)]
    return ((errors or lines or ["no log"])[-1])[:300]


def _stopped_early(folder: Path) -> bool:
    """True when a code cell was never run: the kernel went away before the end."""
    for notebook in _notebooks(folder):
        nb = load_notebook(notebook)
        if any(
            c.cell_type == "code" and c.execution_count is None and c.source.strip()
            for c in nb.cells
        ):
            return True
    return False


def _asks_widget_questions(notebook: Path) -> bool:
    try:
        nb = load_notebook(notebook)
    except Exception:
        return False
    return any(is_widget_question(c) for c in nb.cells)
