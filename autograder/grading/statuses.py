"""One word for how grading a submission went, and a sentence saying why.

Statuses, most serious first:

- ``missing notebook``: a notebook of the assignment was not handed in under its name
  (or was handed in as a link or another special file, which is refused: a link to a
  classmate's notebook earns nothing);
- ``notebook too large``: the notebook is over the size the grader reads; not graded;
- ``unreadable``: nbgrader could not read or grade it;
- ``tampered``: the kernel reported more than the handed-in answers are worth (set by
  :mod:`autograder.guards.trusted_scores` in the worker, and by
  :mod:`autograder.grading.integrity` after grading), or it failed the grader's canary:
  a check that must fail did not show exactly its error
  (:mod:`autograder.guards.kernel_probe`);
- ``too large``: the submission holds more files or bytes than the grader copies; the
  notebook and answer sheet were graded, the files past the cap were left out;
- ``refused files``: the submission holds links, FIFOs, sockets, devices or hard links;
  they were refused (never read) and the rest was graded, so the score may differ from
  what the learner saw; the detail names each refused entry;
- ``kernel died``: the kernel crashed, exited or was stopped by a sandbox limit;
- ``timeout``: a cell, or the whole notebook, ran past its time limit;
- ``memory limit``: the code ran out of the memory it is allowed;
- ``exited``: the code raised SystemExit;
- ``asked for input``: the code called ``input()``, which grading cannot answer;
- ``missing answers``: no readable answer sheet beside a notebook with widget questions;
- ``ok``.

Where a later cell was still graded after the problem, its points are kept. Where a
refusal or a cap and a problem while running both happened, the detail says both.
"""

from __future__ import annotations

import re
from pathlib import Path

from aicareer.answers import MAX_BYTES as SHEET_MAX_BYTES
from aicareer.answers import AnswerSheetError, parse_sheet, sheet_path
from aicareer.progress import is_widget_question

from ..guards import kernel_probe
from ..guards.files import (
    MAX_NOTEBOOK_BYTES,
    MAX_NOTEBOOK_CELLS,
    Intake,
    RefusedFile,
    read_regular_file,
)
from ..guards.text import one_line
from ..notebooks import load_notebook
from ..preprocessors.execute import KERNEL_DIED_ERROR, NOTEBOOK_TIMEOUT_ERROR
from ..reports.grades_csv import OK_STATUS

OK = OK_STATUS  # defined with the grade rows, which the reports read without this module
MISSING_NOTEBOOK = "missing notebook"
NOTEBOOK_TOO_LARGE = "notebook too large"
TOO_LARGE = "too large"
REFUSED_FILES = "refused files"
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
    """The notebooks in ``folder``: regular files only (``lstat``, no link followed)."""
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.is_symlink())


# Statuses that mean nbgrader graded nothing: the score is empty, not zero.
NOT_GRADED = (MISSING_NOTEBOOK, NOTEBOOK_TOO_LARGE, UNREADABLE)


def classify(
    course: Path,
    submission,
    result: dict,
    handed_in: Path | None = None,
    intake: Intake | None = None,
) -> tuple[str, str]:
    """The status of one submission after nbgrader's autograde returned ``result``.

    ``handed_in`` is the folder nbgrader graded: the worker's staging copy of what
    :func:`~autograder.guards.files.take_submission` passed (``intake``); without them,
    ``submitted/`` itself, read by the same rules. The detail is one line of plain text
    (learner text in it, such as an error message, loses its control characters).
    """
    status, detail = _classify(course, submission, result, handed_in, intake)
    return status, one_line(detail, 500)


def _classify(course, submission, result, handed_in, intake) -> tuple[str, str]:
    submitted = Path(course) / "submitted" / submission.student / submission.assignment
    handed_in = Path(handed_in) if handed_in is not None else submitted
    graded = Path(course) / "autograded" / submission.student / submission.assignment
    intake = intake or Intake()
    missing = _missing_notebooks(Path(course), handed_in, submission.assignment)
    too_large = [name for name in missing if _refused_for_size(intake, name)]
    if missing and not too_large:
        found = ", ".join(p.name for p in _notebooks(handed_in)) or "no notebook"
        detail = f"expected {', '.join(missing)}; found {found}"
        refused = [str(intake.refusal_of(name)) for name in missing if intake.refusal_of(name)]
        if refused or intake.refusal_of("."):
            detail += "; refused: " + "; ".join(refused or [str(intake.refusal_of("."))])
        return MISSING_NOTEBOOK, detail[:500]
    if too_large:
        return NOTEBOOK_TOO_LARGE, (
            f"{'; '.join(str(intake.refusal_of(name)) for name in too_large)}; not graded: "
            f"the grader reads notebooks of up to {MAX_NOTEBOOK_BYTES // 2**20} MiB "
            f"and {MAX_NOTEBOOK_CELLS:,} cells"
        )[:500]
    log = f"{result.get('error', '')}\n{result.get('log', '')}"
    if not result.get("success"):
        if any(sign in log for sign in DEATH_SIGNS):
            return with_intake(intake, KERNEL_DIED, "the kernel stopped while running the notebook")
        return UNREADABLE, f"nbgrader could not grade it: {_reason(log)}"
    return with_intake(intake, *_graded_status(submission, handed_in, graded, log))


def _kernel_tampering(graded: Path) -> list[str]:
    """What the grader's canary found in each graded notebook: a kernel that did not show
    the error a check of the grader's must show (see :mod:`autograder.guards.kernel_probe`)."""
    found = []
    for notebook in _notebooks(graded):
        record = kernel_probe.record_of(load_notebook(notebook))
        found += kernel_probe.tampering_found(record) if record else []
    return found


def _refused_for_size(intake: Intake, name: str) -> bool:
    refusal = intake.refusal_of(name)
    return refusal is not None and refusal.too_large


def with_intake(intake: Intake, status: str, detail: str) -> tuple[str, str]:
    """The status and detail of a graded submission, given what the intake refused:
    ``status`` unless the intake refused entries or hit a cap, which come first (what
    was graded is then not all that was handed in); the detail keeps both."""
    if not intake.refused and not intake.caps_hit:
        return status, detail
    refused_status = TOO_LARGE if intake.caps_hit else REFUSED_FILES
    text = f"refused: {intake.summary()}" if not intake.caps_hit else intake.summary()
    text += "; the rest was graded"
    if status != OK:
        text += f"; then {status}" + (f": {detail}" if detail else "")
    return refused_status, one_line(text, 500)


def _graded_status(submission, handed_in: Path, graded: Path, log: str) -> tuple[str, str]:
    """The status of a submission nbgrader graded, from its graded notebook and log."""
    tampering = _kernel_tampering(graded)
    if tampering:
        return TAMPERED, "the kernel changed how errors are shown: " + "; ".join(tampering)
    errors = [_error_lines(p) for p in _notebooks(graded)]
    errors = [line for lines in errors for line in lines]
    for signs, status, why in ERROR_STATUSES:
        hits = [line for line in errors if any(sign in line for sign in signs)]
        if hits or any(sign in log for sign in signs):
            detail = hits[0] if hits and status in (KERNEL_DIED, TIMEOUT) else why
            return status, detail[:300]
    if _stopped_early(graded):
        return KERNEL_DIED, "the kernel stopped while running the notebook"
    for notebook in _notebooks(handed_in):
        if _asks_widget_questions(notebook):
            sheet = sheet_path(notebook.parent, submission.assignment)
            try:
                data = read_regular_file(sheet, SHEET_MAX_BYTES + 1)
            except RefusedFile as refused:
                if refused.reason == "missing":
                    return MISSING_ANSWERS, f"no {sheet.name} was handed in with {notebook.name}"
                return MISSING_ANSWERS, f"the answer sheet cannot be read: {refused.reason}"
            try:
                parse_sheet(sheet, data, submission.assignment)
            except AnswerSheetError as error:
                return MISSING_ANSWERS, f"the answer sheet cannot be read: {error}"[:300]
    return OK, ""


def _missing_notebooks(course: Path, submitted: Path, assignment: str) -> list[str]:
    expected = [p.name for p in _notebooks(course / "source" / assignment)]
    return [
        name
        for name in expected
        if not ((submitted / name).is_file() and not (submitted / name).is_symlink())
    ]


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
