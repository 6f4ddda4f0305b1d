"""Red-team submissions (tests/helpers/faults_redteam.py), graded among healthy ones.

The class is graded once, two kernels at a time, in sandboxes. Each red-team submission
gets exactly its honest points and the status or flag that sends it to a person; the
healthy hand-ins keep their exact scores, status ok and no flag.
"""

import csv
import shutil

import pytest

from autograder import gradebook
from autograder.cli import grade_command
from autograder.options import GradingOptions
from tests.helpers.course import hand_in, make_course, nbgrader
from tests.helpers.faults import ASSIGNMENT
from tests.helpers.faults_redteam import REDTEAM
from tests.helpers.students import STUDENTS
from tests.test_faults import HEALTHY

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory, sandbox_available):
    course = make_course(tmp_path_factory.mktemp("redteam"))
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    plans = STUDENTS[ASSIGNMENT]()
    plans["zoë-学生"] = plans["partial"]
    for student in HEALTHY:
        hand_in(course, ASSIGNMENT, student, plans[student])
    for name, fault in REDTEAM.items():
        folder = course / "submitted" / name / ASSIGNMENT
        shutil.copytree(course / "submitted" / fault.base / ASSIGNMENT, folder)
        fault.make(folder, course)
    options = GradingOptions(workers=2, cell_timeout=10, isolation="on")
    assert grade_command(course, ASSIGNMENT, options) == 0
    rows = list(csv.DictReader(open(course / "reports" / f"{ASSIGNMENT}-grades.csv")))
    return {"course": course, "plans": plans, "rows": {row["student"]: row for row in rows}}


def test_healthy_submissions_keep_their_exact_scores_and_no_flag(graded):
    by_cell = gradebook.scores(gradebook.gradebook_url(graded["course"]), ASSIGNMENT)
    for student in HEALTHY:
        row = graded["rows"][student]
        assert (row["status"], row["flags"]) == ("ok", ""), f"{student}: expected ok, got {row}"
        expected = graded["plans"][student]["expected"]
        auto = {k: v for k, v in by_cell[student].items() if k != "reflection_interviews"}
        assert auto == pytest.approx({k: expected.get(k, 0) for k in auto}, abs=1e-6), (
            f"{student}: expected {expected}, got {auto}"
        )


@pytest.mark.parametrize("name", sorted(REDTEAM))
def test_each_red_team_submission_gets_its_status_and_only_honest_points(graded, name):
    fault, row = REDTEAM[name], graded["rows"][name]
    assert row["status"] == fault.status, f"expected status {fault.status!r}, got {row}"
    if fault.score is None:
        assert row["score"] == "", f"expected no score (not graded), got {row}"
    else:
        assert float(row["score"]) == pytest.approx(fault.score, abs=1e-6), (
            f"expected {fault.score} points, got {row['score']}: {row}"
        )
    assert fault.says in row["detail"] + row["flags"], (
        f"expected {fault.says!r} in the detail or flags, got {row}"
    )


def test_markup_from_a_learner_stays_text_in_the_feedback_and_the_report(graded):
    name = "markup-and-megabytes-in-a-test-message"
    course = graded["course"]
    for page in (
        course / "feedback" / name / ASSIGNMENT / f"{ASSIGNMENT}.html",
        course / "reports" / f"{ASSIGNMENT}-report.html",
    ):
        text = page.read_text("utf-8")
        live = [tag for tag in ("<script>alert", "<img src=x") if tag in text]
        assert live == [], f"{page.name}: expected the learner's markup as text, found {live}"
        assert len(text) < 1_000_000, f"{page.name}: expected under 1 MB, got {len(text)} chars"
