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
    "seconds_late",
    "seconds",
]


def points_text(points: float) -> str:
    """Points as people write them: at most two decimals, no trailing zeros ("5.67", "13")."""
    return f"{round(float(points), 2):g}"


def quiet_gradebook_warnings() -> None:
    """Silence the one SQLAlchemy warning nbgrader's gradebook triggers on every new
    submission ("Object of type <SubmittedAssignment> not in session, add operation along
    ... will not proceed"): nbgrader builds the submission's rows before adding them to its
    session, which SQLAlchemy reports although nothing is lost. Any other warning still shows.

    Called by the grade and check commands, and by ``nbgrader_config.py``, which every
    nbgrader command and every grading worker reads (also where workers are spawned, not
    forked, as on macOS).
    """
    import warnings

    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings(
        "ignore",
        message=r"Object of type <Submitted\w+> not in session, add operation along",
        category=SAWarning,
        module=r"nbgrader\.api",
    )


def gradebook_url(course: Path, db_url: str | None = None) -> str:
    """``db_url`` if given (any SQLAlchemy URL nbgrader accepts, such as PostgreSQL's),
    else nbgrader's default gradebook: SQLite in the course directory."""
    return db_url or f"sqlite:///{Path(course).resolve() / 'gradebook.db'}"


def set_due_date(db_url: str, assignment: str, due: str) -> None:
    """Record the assignment's due date (any format nbgrader reads, UTC if no zone)."""
    from nbgrader.utils import parse_utc

    with Gradebook(db_url) as gradebook:
        gradebook.update_or_create_assignment(assignment, duedate=parse_utc(due))


def seconds_late(db_url: str, assignment: str) -> dict[str, float]:
    """How late each student's submission was, by the due date and its timestamp."""
    return _per_submission(db_url, assignment, lambda s: float(s.total_seconds_late or 0))


def describe_lateness(seconds: float) -> str:
    """'handed in 2 d 1 h 30 min late', or '' when on time."""
    if seconds <= 0:
        return ""
    if seconds < 60:
        return "handed in less than a minute late"
    days, minutes = divmod(int(seconds // 60), 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n]
    return f"handed in {' '.join(parts)} late"


def scores(db_url: str, assignment: str) -> dict[str, dict[str, float]]:
    """Points earned per grade cell, per student (manual grades not yet given count as 0)."""
    return _per_submission(
        db_url,
        assignment,
        lambda s: {g.name: float(g.score) for notebook in s.notebooks for g in notebook.grades},
    )


def _per_submission(db_url: str, assignment: str, read) -> dict:
    """``read(submission)`` for every student who handed ``assignment`` in, by student id."""
    out = {}
    with Gradebook(db_url) as gradebook:
        for student in gradebook.students:
            try:
                submission = gradebook.find_submission(assignment, student.id)
            except MissingEntry:
                continue
            out[student.id] = read(submission)
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
