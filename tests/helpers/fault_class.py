"""One class of fixture submissions among healthy ones, as every fault suite grades it."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from tests.helpers.course import hand_in, make_course, nbgrader
from tests.helpers.faults import ASSIGNMENT, Fault
from tests.helpers.students import STUDENTS

UNICODE_ID = "zoë-学生"  # a healthy learner whose id is not ASCII (hands in "partial")


def build_fault_class(
    folder: Path,
    healthy: Iterable[str],
    faults: Mapping[str, Fault],
    prepare: Callable[[Path], None] | None = None,
) -> tuple[Path, dict]:
    """A released course in ``folder`` holding the ``healthy`` hand-ins of 07-job-search
    and, for each fault, a copy of its base hand-in broken as the fault says
    (``prepare(course)`` runs first, for files a fault needs, such as a secret to link to).

    Returns the course folder and the learners' plans (with their expected points).
    """
    course = make_course(folder)
    if prepare:
        prepare(course)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    plans = STUDENTS[ASSIGNMENT]()
    plans[UNICODE_ID] = plans["partial"]
    for student in healthy:
        hand_in(course, ASSIGNMENT, student, plans[student])
    for name, fault in faults.items():
        submission = course / "submitted" / name / ASSIGNMENT
        shutil.copytree(course / "submitted" / fault.base / ASSIGNMENT, submission)
        fault.make(submission, course)
    return course, plans


def grade_rows(course: Path) -> dict[str, dict]:
    """The grades CSV the grade command wrote, one row per student id as written."""
    with open(course / "reports" / f"{ASSIGNMENT}-grades.csv", encoding="utf-8") as stream:
        return {row["student"]: row for row in csv.DictReader(stream)}
