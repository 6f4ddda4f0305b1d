"""The ``grade`` command: autograde a class, write feedback, export grades with statuses."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from . import export, report
from .grade import grade, load_api


def grade_class(
    course: Path,
    assignment: str,
    workers: int = 2,
    feedback: bool = True,
    cell_timeout: int | None = None,
) -> int:
    """Grade every submission of ``assignment``; print a summary; return an exit status."""
    course = Path(course).resolve()
    outcomes = grade(course, assignment, workers=workers, cell_timeout=cell_timeout)
    if not outcomes:
        print(
            f"No submissions found in {course / 'submitted'}/<student>/{assignment}/",
            file=sys.stderr,
        )
        return 1
    earned = export.scores(export.gradebook_url(course), assignment)
    max_points, manual = _cells(course, assignment)
    rows = []
    for outcome in outcomes:
        student = outcome.submission.student
        points = earned.get(student, {})
        rows.append(
            {
                "assignment": assignment,
                "student": student,
                # Unreadable means nbgrader never ran it: an empty score, not a zero, so nobody
                # mistakes "could not grade" for "earned nothing".
                "score": round(sum(points.values()), 6)
                if points and outcome.status != "unreadable"
                else "",
                "max_score": sum(max_points.values()),
                "status": outcome.status,
                "detail": outcome.detail,
                "seconds": round(outcome.seconds, 2),
            }
        )
    grades = export.write_csv(course / "reports" / f"{assignment}-grades.csv", rows)
    page = report.write_report(
        course / "reports" / f"{assignment}-report.html",
        report.render(assignment, rows, earned, max_points, manual),
    )
    if feedback:
        load_api(course).generate_feedback(assignment, force=True)
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
    return 0


def _cells(course: Path, assignment: str) -> tuple[dict[str, float], list[str]]:
    """Points per graded cell, and the cells graded by hand."""
    from nbgrader.api import Gradebook

    points, manual = {}, []
    with Gradebook(export.gradebook_url(course)) as gradebook:
        for notebook in gradebook.find_assignment(assignment).notebooks:
            for cell in notebook.grade_cells:
                points[cell.name] = float(cell.max_score)
                if cell.cell_type != "code":
                    manual.append(cell.name)
            for cell in notebook.task_cells:
                points[cell.name] = float(cell.max_score)
                manual.append(cell.name)
    return points, manual
