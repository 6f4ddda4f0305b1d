"""The ``grade`` command's work: autograde a class, check each result in this trusted
process, and write the grades CSV and the report. It prints nothing; the command line
says what happened."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from .. import gradebook
from ..guards import kernel_probe, trusted_scores
from ..notebooks import load_notebook
from ..options import GradingOptions
from ..preprocessors.execute import OUTPUT_CUT_MARK
from ..reports import grade_records, grades_csv, insight, page
from ..reports.wording import describe_lateness
from . import integrity, statuses
from .engine import grade
from .outcomes import Outcome


@dataclass
class ClassGrades:
    """What grading a class produced."""

    assignment: str
    rows: list[dict] = field(default_factory=list)  # one per submission (grades_csv.COLUMNS)
    grades: Path | None = None  # the CSV
    report: Path | None = None  # the report page
    feedback: Path | None = None  # feedback/ (one page per learner), if written
    # Students with no hand-in time although a due date is set: counted on time, unknown.
    untimed: list[str] = field(default_factory=list)
    kept: int = 0  # rows kept from the last grading (when only some students were graded)

    def counts(self) -> dict[str, int]:
        """How many submissions ended with each status."""
        return dict(sorted(Counter(row["status"] for row in self.rows).items()))

    def needing_a_look(self) -> list[dict]:
        """The rows a person should look at: any status but ok, or any flag."""
        return [row for row in self.rows if grades_csv.needs_a_look(row)]


def grade_class(
    course: Path,
    assignment: str,
    options: GradingOptions | None = None,
    executor: Executor | None = None,
    on_outcome: Callable[[Outcome, int], None] | None = None,
) -> ClassGrades:
    """Grade every submission of ``assignment``; write the grades CSV and the report.

    Returns an empty :class:`ClassGrades` (no rows, nothing written) when nobody handed in.
    """
    course = Path(course).resolve()
    options = options or GradingOptions()
    gradebook.quiet_gradebook_warnings()
    db = gradebook.gradebook_url(course, options.db_url)
    if options.due:
        gradebook.set_due_date(db, assignment, options.due)
    outcomes = grade(course, assignment, options, executor=executor, on_outcome=on_outcome)
    result = ClassGrades(assignment)
    if not outcomes:
        return result
    earned = gradebook.scores(db, assignment)
    late = gradebook.seconds_late(db, assignment)
    result.untimed = gradebook.untimed(db, assignment)
    cells = gradebook.cell_points(db, assignment)
    for outcome in outcomes:
        student = outcome.submission.student
        points = earned.get(student, {})
        status, detail, flags = _check_integrity(course, outcome, points)
        lateness = describe_lateness(late.get(student, 0))
        if lateness:
            flags.insert(0, lateness)
        result.rows.append(
            {
                "assignment": assignment,
                "student": student,
                # Unreadable means nbgrader never ran it: an empty score, not a zero, so nobody
                # mistakes "could not grade" for "earned nothing".
                "score": round(sum(points.values()), 2)
                if points and status not in statuses.NOT_GRADED
                else "",
                "max_score": cells.total,
                "status": status,
                "detail": detail,
                "flags": " | ".join(flags),
                "seconds_late": round(late.get(student, 0)),
                "seconds": round(outcome.seconds, 2),
            }
        )
    reports = course / "reports"
    if options.students:
        graded_now = len(result.rows)
        result.rows = _with_earlier_rows(reports, assignment, result.rows, late, db)
        result.kept = len(result.rows) - graded_now
    result.grades = grades_csv.write_csv(reports / f"{assignment}-grades.csv", result.rows)
    # The same rows unchanged, for the class page and the LMS export to read back.
    grade_records.write_records(reports, assignment, result.rows)
    found = insight.gather(course, assignment, result.rows, earned, cells, db)
    result.report = page.write_report(
        reports / f"{assignment}-report.html",
        page.render(assignment, result.rows, earned, cells.points, list(cells.by_hand), found),
    )
    if options.feedback:
        result.feedback = course / "feedback"
    return result


def _with_earlier_rows(
    reports: Path, assignment: str, rows: list[dict], late: dict[str, float], db: str
) -> list[dict]:
    """``rows`` of the students just graded, with the last grading's rows of everyone else:
    their scores read again from the gradebook (marks given by hand since count), their
    lateness by today's due date. Sorted by student, as a whole class's rows are."""
    regraded = {row["student"] for row in rows}
    earlier = grade_records.read_records(reports, assignment) or []
    kept = [row for row in earlier if row.get("student") not in regraded]
    kept = grade_records.with_current_scores({assignment: kept}, db)[assignment]
    for row in kept:
        seconds = late.get(row["student"], 0)
        was = describe_lateness(float(row.get("seconds_late") or 0))
        flags = [f for f in str(row.get("flags") or "").split(" | ") if f and f != was]
        if describe_lateness(seconds):
            flags.insert(0, describe_lateness(seconds))
        row.update(flags=" | ".join(flags), seconds_late=round(seconds))
    return sorted(kept + rows, key=lambda row: row["student"])


def _check_integrity(course: Path, outcome: Outcome, earned: dict) -> tuple[str, str, list[str]]:
    """The final status, detail and flags of one submission, from checks made here in
    the trusted process rather than in the learner's kernel."""
    submission = outcome.submission
    submitted = course / "submitted" / submission.student / submission.assignment
    graded = course / "autograded" / submission.student / submission.assignment
    status, detail, flags = outcome.status, outcome.detail, []
    for source in sorted((course / "source" / submission.assignment).glob("*.ipynb")):
        flags += integrity.tampering_flags(submitted / source.name)
        if status in statuses.NOT_GRADED:
            continue
        disagreements = integrity.widget_disagreements(
            source, submitted, submission.assignment, earned
        )
        if disagreements:
            status, detail = statuses.TAMPERED, "; ".join(disagreements)[:500]
        if _output_was_cut(graded / source.name):
            flags.append(f"{source.name}: output cut to the size limit")
        flags += _kernel_flags(graded / source.name, status)
        flags += trusted_scores.typed_answer_flags(submitted / source.name)
    if status not in statuses.NOT_GRADED:
        flags += kernel_probe.startup_files(submitted, course / "submitted")
    return status, detail, flags


def _kernel_flags(notebook: Path, status: str) -> list[str]:
    """What the grader's probe of the kernel found (see autograder.guards.kernel_probe):
    hooks that changed how cells run, checks unanswered, or no record where one is due."""
    try:
        record = kernel_probe.record_of(load_notebook(notebook))
    except Exception:
        return []
    if record is None:
        return [] if status != statuses.OK else [f"{notebook.name}: the kernel was not checked"]
    return kernel_probe.flags_from(record, notebook.name)


def _output_was_cut(notebook: Path) -> bool:
    try:
        nb = load_notebook(notebook)
    except Exception:
        return False
    return any(
        OUTPUT_CUT_MARK in output.get("text", "")
        for cell in nb.cells
        for output in cell.get("outputs", [])
    )
