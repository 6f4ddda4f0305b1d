"""Grades out of the gradebook: one row per submission, with its status, as CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

COLUMNS = [
    "assignment",
    "student",
    "score",
    "max_score",
    "status",
    "detail",
    "flags",
    "seconds",
]


def gradebook_url(course: Path) -> str:
    """nbgrader's default gradebook: SQLite in the course directory."""
    return f"sqlite:///{Path(course).resolve() / 'gradebook.db'}"


def scores(db_url: str, assignment: str) -> dict[str, dict[str, float]]:
    """Points earned per grade cell, per student (manual grades not yet given count as 0)."""
    out = {}
    with Gradebook(db_url) as gradebook:
        for student in gradebook.students:
            try:
                submission = gradebook.find_submission(assignment, student.id)
            except MissingEntry:
                continue
            out[student.id] = {
                grade.name: float(grade.score)
                for notebook in submission.notebooks
                for grade in notebook.grades
            }
    return out


def write_csv(path: Path, rows: list[dict]) -> Path:
    """Write ``rows`` (dicts with :data:`COLUMNS`) as CSV; returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
