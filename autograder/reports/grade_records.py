"""The grade rows of each assignment kept for the grader itself to read back.

``reports/<assignment>-grades.csv`` is written for people and spreadsheets: every cell that
could start a formula gets a single quote in front (:mod:`autograder.reports.csv_safety`).
That cannot be undone exactly: a student id that really starts with ``'=`` and one that
starts with ``=`` are written alike. So the grade command also writes the same rows,
unchanged, to ``reports/<assignment>-grades.json``, and the class page and the LMS export
read that copy. Assignments graded before the copy existed are read from their CSV, taking
off exactly the quote :func:`~autograder.reports.csv_safety.neutralise_cell` adds.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .csv_safety import FORMULA_STARTS

FORMAT = "aicareer-grade-rows"
VERSION = 1


def records_path(reports: Path, assignment: str) -> Path:
    """Where the machine-readable rows of ``assignment`` live in ``reports``."""
    return Path(reports) / f"{assignment}-grades.json"


def write_records(reports: Path, assignment: str, rows: list[dict]) -> Path:
    """Write ``rows`` (grades_csv.COLUMNS) as JSON beside the grades CSV; returns the path."""
    path = records_path(reports, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"format": FORMAT, "version": VERSION, "assignment": assignment, "rows": rows}
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.replace(path)  # a reader never sees half a file
    return path


def restore_cell(text: str) -> str:
    """A CSV cell as it was before :func:`~autograder.reports.csv_safety.neutralise_cell`:
    the one quote it puts before a formula-like start is taken off, nothing else."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def read_records(reports: Path, assignment: str) -> list[dict] | None:
    """The grade rows of ``assignment``: from its JSON copy, else from its grades CSV
    (see the module's description), else None when it has not been graded.

    Raises:
        ValueError: when the JSON copy is not one this module wrote.
    """
    path = records_path(reports, assignment)
    if path.is_file():
        document = json.loads(path.read_text(encoding="utf-8"))
        if not (isinstance(document, dict) and document.get("format") == FORMAT):
            raise ValueError(f"{path} is not a grade-rows file written by the grade command")
        return list(document["rows"])
    spreadsheet = Path(reports) / f"{assignment}-grades.csv"
    if not spreadsheet.is_file():
        return None
    with open(spreadsheet, newline="", encoding="utf-8") as stream:
        return [
            {restore_cell(key): restore_cell(value or "") for key, value in row.items()}
            for row in csv.DictReader(stream)
        ]


def graded_assignments(course: Path, only: list[str] | None = None) -> dict[str, list[dict]]:
    """The grade rows of every graded assignment of ``course``, in the order of
    ``source/`` (or of ``only``), by assignment name.

    Raises:
        KeyError: naming an assignment of ``only`` that has no grades yet.
    """
    course = Path(course)
    source = course / "source"
    everything = sorted(p.name for p in source.iterdir() if p.is_dir()) if source.is_dir() else []
    names = only or everything
    found = {}
    for name in names:
        rows = read_records(course / "reports", name)
        if rows is None:
            if only:
                raise KeyError(name)
            continue
        found[name] = rows
    return found


def with_current_scores(grades: dict[str, list[dict]], db_url: str) -> dict[str, list[dict]]:
    """``grades`` with each graded row's score read again from the gradebook, so marks given
    by hand in Formgrader since grading count. Rows without a score (not graded) stay so."""
    from .. import gradebook

    current = {}
    for assignment, rows in grades.items():
        earned = gradebook.scores(db_url, assignment)
        current[assignment] = [
            {**row, "score": round(sum(earned[row["student"]].values()), 2)}
            if row.get("score") not in ("", None) and row["student"] in earned
            else row
            for row in rows
        ]
    return current
