"""Every question the grader asks nbgrader's gradebook, in one module.

nbgrader keeps points, due dates, timestamps and hand-given scores in a database (SQLite
in the course folder, or any SQLAlchemy URL such as PostgreSQL's); nothing else in the
grader opens it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from .notebooks import is_graded_by_hand


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


def read_due_date(due: str) -> datetime:
    """The moment ``due`` names, in UTC without a zone, as nbgrader keeps due dates.

    A date and time, then optionally a zone: an offset (``+0100``, ``-05:30``) or a name
    (``UTC``, ``Europe/Paris``); with no zone, UTC. Raises ValueError saying what is wrong.
    nbgrader's own reading takes a zone name it does not know for UTC without a word, and
    ``+0100`` for an offset of 100 seconds; both are refused or read right here.
    """
    import dateutil.parser
    import dateutil.tz
    from nbgrader.utils import parse_utc

    words = str(due).split()
    zone = None
    if len(words) == 3:
        offset = re.fullmatch(r"([+-])(\d\d):?(\d\d)", words[2])
        if offset:
            sign = -1 if offset[1] == "-" else 1
            seconds = sign * (int(offset[2]) * 3600 + int(offset[3]) * 60)
            zone = dateutil.tz.tzoffset(None, seconds)
        else:
            zone = dateutil.tz.gettz(words[2]) if not words[2][-1:].isdigit() else None
            if zone is None:
                raise ValueError(
                    f"{words[2]!r} is not a time zone this machine knows; give an offset "
                    "such as +0100, or a name such as UTC or Europe/Paris"
                )
        words = words[:2]
    try:
        moment = dateutil.parser.parse(" ".join(words))
    except (ValueError, OverflowError) as unreadable:
        raise ValueError(
            "it is not a date and time; write it like '2026-11-20 17:00 UTC'"
        ) from unreadable
    if zone is not None:
        if moment.tzinfo is not None:
            raise ValueError("it names two time zones; give one, after the time")
        moment = moment.replace(tzinfo=zone)
    return parse_utc(moment)


def set_due_date(db_url: str, assignment: str, due: str) -> None:
    """Record the assignment's due date (see :func:`read_due_date`)."""
    with Gradebook(db_url) as gradebook:
        gradebook.update_or_create_assignment(assignment, duedate=read_due_date(due))


def seconds_late(db_url: str, assignment: str) -> dict[str, float]:
    """How late each student's submission was, by the due date and its timestamp."""
    return _per_submission(db_url, assignment, lambda s: float(s.total_seconds_late or 0))


def untimed(db_url: str, assignment: str) -> list[str]:
    """The students whose submission has no hand-in time while the assignment has a due
    date: nbgrader counts them on time, as it cannot tell (no ``timestamp.txt``)."""
    with Gradebook(db_url) as gradebook:
        try:
            if gradebook.find_assignment(assignment).duedate is None:
                return []
        except MissingEntry:
            return []
    times = _per_submission(db_url, assignment, lambda s: s.timestamp)
    return sorted(student for student, when in times.items() if when is None)


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


@dataclass(frozen=True)
class CellPoints:
    """The graded cells of an assignment: points per grade id, and which a person marks."""

    points: dict[str, float]
    by_hand: tuple[str, ...]

    @property
    def total(self) -> float:
        """All the points of the assignment."""
        return sum(self.points.values())

    @property
    def by_hand_total(self) -> float:
        """The points a person gives (reflections)."""
        return sum(self.points[name] for name in self.by_hand)

    @property
    def autograded_total(self) -> float:
        """The points the tests give."""
        return self.total - self.by_hand_total


def cell_points(db_url: str, assignment: str) -> CellPoints:
    """Points per graded cell of ``assignment``, and the cells graded by hand."""
    points, by_hand = {}, []
    with Gradebook(db_url) as gradebook:
        for notebook in gradebook.find_assignment(assignment).notebooks:
            for cell in notebook.grade_cells:
                points[cell.name] = float(cell.max_score)
                if is_graded_by_hand(cell.cell_type, task=False):
                    by_hand.append(cell.name)
            for cell in notebook.task_cells:
                points[cell.name] = float(cell.max_score)
                by_hand.append(cell.name)
    return CellPoints(points, tuple(by_hand))


def hand_marked(db_url: str, assignment: str, notebook: str, student: str) -> set[str]:
    """The grade ids of ``student``'s notebook that a person has given a score to
    (nbgrader keeps it apart from the autograder's score)."""
    with Gradebook(db_url) as gradebook:
        submitted = gradebook.find_submission_notebook(notebook, assignment, student)
        return {g.name for g in submitted.grades if g.manual_score is not None}


def unmarked_by_hand(db_url: str, assignment: str) -> dict[str, list[str]]:
    """For each student who handed ``assignment`` in, the cells graded by hand that
    nobody has marked yet (their points count as 0 until then)."""
    by_hand = set(cell_points(db_url, assignment).by_hand)
    return _per_submission(
        db_url,
        assignment,
        lambda submission: sorted(
            grade.name
            for notebook in submission.notebooks
            for grade in notebook.grades
            if grade.name in by_hand and grade.manual_score is None
        ),
    )
