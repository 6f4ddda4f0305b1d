"""The grades CSV: one row per submission, with its status, flags and lateness.

Student ids, details and flags can carry learner text; every cell goes through
:func:`~autograder.reports.csv_safety.neutralise_cell`, so none is run as a formula."""

from __future__ import annotations

import csv
from pathlib import Path

from .csv_safety import neutralise_cell

COLUMNS = [
    "assignment",
    "student",
    "score",
    "max_score",
    "status",
    "detail",
    "flags",
    "seconds_late",
    "seconds",
]

OK_STATUS = "ok"  # the status of a submission graded without a problem (statuses.OK)


def needs_a_look(row: dict) -> bool:
    """Whether a person should look at a submission's row: any status but ok, or any
    flag (lateness, a changed kernel, typed answers, ...). The report, the terminal and
    the class page count by this one rule."""
    return str(row.get("status", "")) != OK_STATUS or bool(str(row.get("flags") or "").strip())


def write_csv(path: Path, rows: list[dict]) -> Path:
    """Write ``rows`` (dicts with :data:`COLUMNS`) as CSV; returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(
            {column: neutralise_cell(row.get(column)) for column in COLUMNS} for row in rows
        )
    return path
