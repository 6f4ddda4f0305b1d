"""Every question the grader asks nbgrader's gradebook, in one module.

nbgrader keeps points, due dates, timestamps and hand-given scores in a database (SQLite
in the course folder, or any SQLAlchemy URL such as PostgreSQL's); nothing else in the
grader opens it.
"""

from __future__ import annotations

from dataclasses import dataclass
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


def set_due_date(db_url: str, assignment: str, due: str) -> None:
    """Record the assignment's due date (any format nbgrader reads, UTC if no zone)."""
    from nbgrader.utils import parse_utc

    with Gradebook(db_url) as gradebook:
        gradebook.update_or_create_assignment(assignment, duedate=parse_utc(due))


def seconds_late(db_url: str, assignment: str) -> dict[str, float]:
    """How late each student's submission was, by the due date and its timestamp."""
    return _per_submission(db_url, assignment, lambda s: float(s.total_seconds_late or 0))


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
