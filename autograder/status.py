"""One word for how grading a submission went, and a sentence saying why.

Statuses, most serious first: ``unreadable`` (nbgrader could not read or grade it),
``kernel died``, ``timeout``, ``missing answers`` (no answer sheet beside a notebook
with widget questions), ``ok``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from aicareer.answers import sheet_path
from aicareer.progress import is_widget_question

OK, UNREADABLE, KERNEL_DIED, TIMEOUT, MISSING_ANSWERS = (
    "ok",
    "unreadable",
    "kernel died",
    "timeout",
    "missing answers",
)
TIMEOUT_SIGNS = ("CellTimeoutError", "Cell execution timed out", "timed out waiting")
DEATH_SIGNS = ("DeadKernelError", "Kernel died", "kernel died")


def _notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


def _error_text(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                parts.append(f"{output.get('ename', '')}: {output.get('evalue', '')}")
    return "\n".join(parts)


def classify(course: Path, submission, result: dict) -> tuple[str, str]:
    """The status of one submission after nbgrader's autograde returned ``result``."""
    submitted = Path(course) / "submitted" / submission.student / submission.assignment
    graded = Path(course) / "autograded" / submission.student / submission.assignment
    log = f"{result.get('error', '')}\n{result.get('log', '')}"
    if not result.get("success"):
        if any(sign in log for sign in DEATH_SIGNS):
            return KERNEL_DIED, "the kernel stopped while running the notebook"
        return UNREADABLE, f"nbgrader could not grade it: {_reason(log)}"
    outputs = "\n".join(_error_text(p) for p in _notebooks(graded))
    if any(sign in outputs or sign in log for sign in DEATH_SIGNS) or _stopped_early(graded):
        return KERNEL_DIED, "the kernel stopped while running the notebook"
    if any(sign in outputs or sign in log for sign in TIMEOUT_SIGNS):
        return TIMEOUT, "a cell ran past the time limit"
    for notebook in _notebooks(submitted):
        if _asks_widget_questions(notebook):
            sheet = sheet_path(notebook.parent, submission.assignment)
            if not sheet.exists():
                return MISSING_ANSWERS, f"no {sheet.name} was handed in with {notebook.name}"
    return OK, ""


def _reason(log: str) -> str:
    """The most telling line of a failure: the last 'SomethingError: ...' line, if any."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]*(Error|Exception): ", line)]
    return ((errors or lines or ["no log"])[-1])[:300]


def _stopped_early(folder: Path) -> bool:
    """True when a code cell was never run: the kernel went away before the end."""
    for notebook in _notebooks(folder):
        nb = nbformat.read(notebook, as_version=4)
        if any(
            c.cell_type == "code" and c.execution_count is None and c.source.strip()
            for c in nb.cells
        ):
            return True
    return False


def _asks_widget_questions(notebook: Path) -> bool:
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:
        return False
    return any(is_widget_question(c) for c in nb.cells)
