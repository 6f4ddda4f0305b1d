"""Submissions built to earn points without right answers, graded among healthy ones.

The class is graded once, two kernels at a time, in sandboxes. Each forged submission
gets exactly the points of its right answers (none, or all for the right work with a
harmless hook), and the status or flag that sends it to a person; the healthy hand-ins
keep their exact scores, status ok and no flag at all.
"""

import re

import nbformat
import pytest

from autograder import gradebook
from autograder.cli import grade_command
from autograder.guards import kernel_probe
from autograder.options import GradingOptions
from tests.helpers.fault_class import build_fault_class, grade_rows
from tests.helpers.faults_forged import ASSIGNMENT, FORGED
from tests.test_faults import HEALTHY

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory, sandbox_available):
    course, plans = build_fault_class(tmp_path_factory.mktemp("forged"), HEALTHY, FORGED)
    options = GradingOptions(workers=2, cell_timeout=10, isolation="on")
    assert grade_command(course, ASSIGNMENT, options) == 0
    return {"course": course, "plans": plans, "rows": grade_rows(course)}


def graded_notebook(course, student):
    path = course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    return nbformat.read(path, as_version=4)


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


def test_healthy_kernels_pass_every_check_of_the_probe(graded):
    for student in HEALTHY:
        record = kernel_probe.record_of(graded_notebook(graded["course"], student))
        assert record is not None, f"{student}: no record of the kernel's checks"
        # The baseline, a check after each run of tests a learner cell follows, one at the end.
        assert record["checks"] >= 9, f"{student}: expected 9 checks or more, got {record}"
        found = record["tampering"] + record["hook_changes"] + record["unanswered"]
        assert found == [], f"{student}: a healthy kernel was reported: {found}"


@pytest.mark.parametrize("name", sorted(FORGED))
def test_each_forged_submission_gets_only_its_right_answers_points(graded, name):
    fault, row = FORGED[name], graded["rows"][name]
    assert row["status"] == fault.status, f"expected status {fault.status!r}, got {row}"
    assert float(row["score"]) == pytest.approx(fault.score, abs=1e-6), (
        f"expected {fault.score} points, got {row['score']}: {row}"
    )
    assert fault.says in row["detail"] + row["flags"], (
        f"expected {fault.says!r} in the detail or flags, got {row}"
    )


def test_the_feedback_page_shows_the_trusted_score(graded):
    """The kernel claimed 2 points for forged answers; the page, like the CSV, says 0."""
    name = "answers-forged-past-a-replaced-displayhook"
    page = graded["course"] / "feedback" / name / ASSIGNMENT / f"{ASSIGNMENT}.html"
    shown = re.search(rf"{ASSIGNMENT}: ([0-9.]+) of ([0-9.]+) points", page.read_text("utf-8"))
    assert shown, f"no total score on {page}"
    csv_score = float(graded["rows"][name]["score"])
    assert float(shown.group(1)) == pytest.approx(csv_score) == 0, (
        f"expected 0 points on the page and in the CSV, got {shown.group(0)!r} and {csv_score}"
    )


def test_the_probe_is_never_saved_into_a_graded_notebook(graded):
    for student in (*HEALTHY, *FORGED):
        nb = graded_notebook(graded["course"], student)
        sources = "\n".join(cell.source for cell in nb.cells)
        assert "_aicareer_probe_" not in sources and "grader canary" not in sources, student


def test_a_clean_record_planted_in_the_submission_is_replaced(graded):
    nb = graded_notebook(graded["course"], "errors-swallowed-by-ast-transformer")
    record = kernel_probe.record_of(nb)
    assert record["checks"] != 99 and record["tampering"], (
        f"expected the grader's own record, with the canary's failures; got {record}"
    )
