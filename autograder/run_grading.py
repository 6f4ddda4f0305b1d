"""The ``grade`` command: autograde a class, write feedback, export grades with statuses."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from . import export, integrity, report, sandbox
from . import status as status_rules
from .execute import OUTPUT_CUT_MARK
from .grade import Limits, grade


def grade_class(
    course: Path,
    assignment: str,
    workers: int = 2,
    feedback: bool = True,
    cell_timeout: int | None = None,
    isolation: str = "auto",
    db_url: str | None = None,
    due: str | None = None,
    notebook_timeout: int | None = None,
) -> int:
    """Grade every submission of ``assignment``; print a summary; return an exit status.

    ``due`` (e.g. "2026-11-20 17:00 UTC") records the due date first, so that the
    grades show who handed in late; ``db_url`` names a gradebook other than the course's
    SQLite file.
    """
    course = Path(course).resolve()
    export.quiet_gradebook_warnings()
    limits = Limits(cell_timeout, notebook_timeout, isolation, db_url)
    db = export.gradebook_url(course, db_url)
    if isolation == "on" and sandbox.isolation_problem():
        print(f"Cannot grade isolated: {sandbox.isolation_problem()}", file=sys.stderr)
        return 2
    print(f"Kernels: {sandbox.describe(isolation)}", file=sys.stderr)
    if due:
        export.set_due_date(db, assignment, due)
    outcomes = grade(course, assignment, workers=workers, limits=limits, feedback=feedback)
    if not outcomes:
        print(
            f"No submissions found in {course / 'submitted'}/<student>/{assignment}/",
            file=sys.stderr,
        )
        return 1
    earned = export.scores(db, assignment)
    late = export.seconds_late(db, assignment)
    max_points, manual = _cells(db, assignment)
    rows = []
    for outcome in outcomes:
        student = outcome.submission.student
        points = earned.get(student, {})
        status, detail, flags = _check_integrity(course, outcome, points)
        lateness = export.describe_lateness(late.get(student, 0))
        if lateness:
            flags.insert(0, lateness)
        rows.append(
            {
                "assignment": assignment,
                "student": student,
                # Unreadable means nbgrader never ran it: an empty score, not a zero, so nobody
                # mistakes "could not grade" for "earned nothing".
                "score": round(sum(points.values()), 2)
                if points and status not in ("unreadable", "missing notebook")
                else "",
                "max_score": sum(max_points.values()),
                "status": status,
                "detail": detail,
                "flags": " | ".join(flags),
                "seconds_late": round(late.get(student, 0)),
                "seconds": round(outcome.seconds, 2),
            }
        )
    grades = export.write_csv(course / "reports" / f"{assignment}-grades.csv", rows)
    page = report.write_report(
        course / "reports" / f"{assignment}-report.html",
        report.render(assignment, rows, earned, max_points, manual),
    )
    counts = Counter(row["status"] for row in rows)
    print(
        f"Graded {len(rows)} submissions of {assignment}: "
        + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    )
    print(f"Grades: {grades}")
    print(f"Report: {page}")
    if feedback:
        print(f"Feedback (hidden tests left out): {course / 'feedback'}/<student>/{assignment}/")
    for row in rows:
        if row["status"] != "ok":
            print(f"  needs a look: {row['student']}: {row['status']} ({row['detail']})")
        elif row["flags"]:
            print(f"  needs a look: {row['student']}: flagged ({row['flags'][:200]})")
    return 0


def _check_integrity(course: Path, outcome, earned: dict) -> tuple[str, str, list[str]]:
    """The final status, detail and flags of one submission, from checks made here in
    the trusted process rather than in the learner's kernel."""
    submission = outcome.submission
    submitted = course / "submitted" / submission.student / submission.assignment
    graded = course / "autograded" / submission.student / submission.assignment
    status, detail, flags = outcome.status, outcome.detail, []
    for source in sorted((course / "source" / submission.assignment).glob("*.ipynb")):
        flags += integrity.tampering_flags(submitted / source.name)
        if status in (status_rules.UNREADABLE, status_rules.MISSING_NOTEBOOK):
            continue
        disagreements = integrity.widget_disagreements(
            source, submitted, submission.assignment, earned
        )
        if disagreements:
            status, detail = status_rules.TAMPERED, "; ".join(disagreements)[:500]
        if _output_was_cut(graded / source.name):
            flags.append(f"{source.name}: output cut to the size limit")
    return status, detail, flags


def _output_was_cut(notebook: Path) -> bool:
    try:
        nb = status_rules.load_notebook(notebook)
    except Exception:
        return False
    return any(
        OUTPUT_CUT_MARK in output.get("text", "")
        for cell in nb.cells
        for output in cell.get("outputs", [])
    )


def _cells(db_url: str, assignment: str) -> tuple[dict[str, float], list[str]]:
    """Points per graded cell, and the cells graded by hand."""
    from nbgrader.api import Gradebook

    points, manual = {}, []
    with Gradebook(db_url) as gradebook:
        for notebook in gradebook.find_assignment(assignment).notebooks:
            for cell in notebook.grade_cells:
                points[cell.name] = float(cell.max_score)
                if cell.cell_type != "code":
                    manual.append(cell.name)
            for cell in notebook.task_cells:
                points[cell.name] = float(cell.max_score)
                manual.append(cell.name)
    return points, manual
