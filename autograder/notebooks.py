"""Reading notebooks and their nbgrader cells: the one place the grader loads a submitted
notebook, and the rules for what a cell is, built on nbgrader's own predicates."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import nbformat
import nbformat.reader
from nbgrader.utils import is_grade, is_locked, is_solution, is_task

__all__ = [
    "is_grade",
    "is_locked",
    "is_solution",
    "is_task",
    "grade_id",
    "points",
    "is_graded",
    "is_graded_by_hand",
    "is_test_cell",
    "load_notebook",
]


def load_notebook(path: Path):
    """A notebook as nbformat version 4, without schema validation, to read, never to
    change: while the file stays as it was, every caller gets the same object.

    Validating costs tens of milliseconds per notebook, and the grader reads several per
    submission only to look at cells and outputs; nbgrader has validated them already.
    Parsing is most of the rest: the statuses, the trusted scoring and the report each
    read the same graded notebook, and every submission reads the same source notebook.
    """
    status = os.stat(path)
    return _parsed(str(path), (status.st_dev, status.st_ino, status.st_mtime_ns, status.st_size))


@functools.lru_cache(maxsize=8)
def _parsed(path: str, identity: tuple):
    # ``identity`` is part of the cache key only: a file written again is read again.
    return nbformat.convert(nbformat.reader.reads(Path(path).read_text(encoding="utf-8")), 4)


def grade_id(cell) -> str | None:
    """The cell's nbgrader id, or None for a cell nbgrader does not track."""
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def points(cell) -> float:
    """The points a graded cell is worth (0 for any other cell)."""
    return float(cell.metadata.get("nbgrader", {}).get("points", 0) or 0)


def is_graded(cell) -> bool:
    """True for a cell that carries points: an autograder test, a manual answer, or a task."""
    return is_grade(cell) or is_task(cell)


def is_graded_by_hand(cell_type: str, task: bool) -> bool:
    """The one rule for which graded cells a person marks: tasks, and graded cells that
    are not code (reflections). Takes plain values so that cells from a notebook and
    cells from the gradebook are judged alike."""
    return task or cell_type != "code"


def is_test_cell(cell) -> bool:
    """An autograder test: a graded code cell that is not also the learner's answer."""
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)
