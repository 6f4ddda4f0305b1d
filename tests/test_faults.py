"""Every fault and attack of ../shared/reliability.md, graded among healthy submissions.

One class is graded once, two kernels at a time, in sandboxes: the healthy hand-ins keep
their exact scores, every faulty one gets the right status and score, nothing in the
course directory changes except what grading writes, and no process or scratch folder
is left behind.
"""

import csv
import hashlib
import os
from pathlib import Path

import nbformat
import pytest

from autograder import gradebook
from autograder.cli import grade_command
from autograder.options import GradingOptions
from tests.helpers.course import hand_in, make_course, nbgrader
from tests.helpers.fault_class import UNICODE_ID, build_fault_class, grade_rows
from tests.helpers.faults import ASSIGNMENT, FAULTS
from tests.helpers.own_processes import (
    current_temp_folder,
    own_temp_folder,
    processes_naming,
    scratch_folders_in,
)
from tests.helpers.students import STUDENTS

pytestmark = pytest.mark.slow
HEALTHY = ("right", "partial", "wrong", UNICODE_ID)
# Long enough that a memory or process bomb reaches its limit even while other grading
# keeps both cores busy (at 5 s a loaded machine turned the spread memory bomb into a
# timeout); only the endless loop ends as a timeout, and it costs this once.
FAULT_CELL_TIMEOUT = 20
GRADING_WRITES = ("autograded", "feedback", "reports", "gradebook.db")


def course_fingerprint(course: Path) -> dict[str, str]:
    """A checksum of every file the grader must not change, by path."""
    sums = {}
    for path in sorted(course.rglob("*")):
        relative = path.relative_to(course)
        if relative.parts[0] in GRADING_WRITES or not path.is_file():
            continue
        sums[str(relative)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sums


@pytest.fixture(scope="module", autouse=True)
def _own_temp_folder():
    """This module's sandboxes live in a temporary folder of its own, so that another
    grader's on the same machine are never counted as left behind by these tests."""
    with own_temp_folder():
        yield


def running_sandbox_processes() -> list[str]:
    """This run's sandbox processes still running (they name its temporary folder)."""
    return processes_naming(current_temp_folder())


def scratch_folders() -> set[str]:
    """This run's kernel scratch folders still on disk."""
    return scratch_folders_in(current_temp_folder())


@pytest.fixture(scope="module")
def graded(tmp_path_factory, sandbox_available):
    course, plans = build_fault_class(tmp_path_factory.mktemp("faults"), HEALTHY, FAULTS)
    before = course_fingerprint(course)
    scratch_before = scratch_folders()
    os.environ["AICAREER_TEST_SECRET"] = "the instructor's token"  # must not reach a kernel
    try:
        assert (
            grade_command(
                course,
                ASSIGNMENT,
                GradingOptions(workers=2, cell_timeout=FAULT_CELL_TIMEOUT, isolation="on"),
            )
            == 0
        )
    finally:
        del os.environ["AICAREER_TEST_SECRET"]
    return {
        "course": course,
        "plans": plans,
        "rows": grade_rows(course),
        "unchanged": before == course_fingerprint(course),
        "changed": sorted(set(before.items()) ^ set(course_fingerprint(course).items())),
        "new scratch": scratch_folders() - scratch_before,
    }


def test_healthy_submissions_keep_their_exact_scores(graded):
    by_cell = gradebook.scores(gradebook.gradebook_url(graded["course"]), ASSIGNMENT)
    for student in HEALTHY:
        assert graded["rows"][student]["status"] == "ok", graded["rows"][student]
        expected = graded["plans"][student]["expected"]
        auto = {k: v for k, v in by_cell[student].items() if k != "reflection_interviews"}
        assert auto == pytest.approx({k: expected.get(k, 0) for k in auto}, abs=1e-6), student


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_each_fault_gets_its_status_and_exact_score(graded, name):
    fault, row = FAULTS[name], graded["rows"][name]
    assert row["status"] == fault.status, row
    if fault.score is None:
        assert row["score"] == "", row
    else:
        assert float(row["score"]) == pytest.approx(fault.score, abs=1e-6), row
    assert float(row["max_score"]) == 20, "nobody changed the points of the gradebook"
    if fault.says:
        assert fault.says in row["detail"] + row["flags"], row


def test_nothing_outside_the_scratch_copy_changed(graded):
    assert graded["unchanged"], graded["changed"][:10]
    assert not (graded["course"] / "pwned.txt").exists()
    assert not list(graded["course"].rglob("big.bin"))


def test_no_process_or_scratch_folder_is_left_behind(graded):
    assert running_sandbox_processes() == []
    assert graded["new scratch"] == set()


def test_attempts_to_reach_outside_all_failed(graded):
    nb = nbformat.read(
        graded["course"] / "autograded" / "reaches-outside" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
        as_version=4,
    )
    printed = "".join(
        output.get("text", "")
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "interview_plan"
        for output in cell.outputs
    )
    attempts = ("read gradebook", "read source", "read other", "write course", "network", "secret")
    for attempt in attempts:
        assert f"'{attempt}': 'DONE'" not in printed, printed
        assert f"'{attempt}':" in printed, printed


def test_floods_leave_the_feedback_and_gradebook_small(graded):
    course = graded["course"]
    for name in ("floods-lines", "floods-one-huge-line"):
        feedback = course / "feedback" / name / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert feedback.stat().st_size < 400_000, name
    assert (course / "gradebook.db").stat().st_size < 2_000_000


def test_the_report_names_every_fault_for_a_human_look(graded):
    page = (graded["course"] / "reports" / f"{ASSIGNMENT}-report.html").read_text(encoding="utf-8")
    look = page.split("need a human look", 1)[1]
    for name, fault in FAULTS.items():
        if fault.status != "ok" or graded["rows"][name]["flags"]:
            assert f"<td>{name}</td>" in look, name
    assert "<td>right</td>" not in look
    assert (graded["course"] / "feedback" / "zoë-学生" / ASSIGNMENT).is_dir()


def test_the_original_of_every_unreadable_notebook_is_kept(graded):
    for name, fault in FAULTS.items():
        if fault.status in ("unreadable", "missing notebook"):
            assert list((graded["course"] / "submitted" / name / ASSIGNMENT).iterdir()), name


def test_grading_without_isolation_still_works_and_says_so(tmp_path, capfd):
    course = make_course(tmp_path)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    hand_in(course, ASSIGNMENT, "right", STUDENTS[ASSIGNMENT]()["right"])
    assert (
        grade_command(
            course, ASSIGNMENT, GradingOptions(workers=1, feedback=False, isolation="off")
        )
        == 0
    )
    assert "NOT ISOLATED" in capfd.readouterr().err
    rows = list(csv.DictReader(open(course / "reports" / f"{ASSIGNMENT}-grades.csv")))
    assert (rows[0]["status"], float(rows[0]["score"])) == ("ok", 16)


def test_required_isolation_refuses_to_grade_without_a_sandbox(tmp_path, monkeypatch, capsys):
    from autograder.sandbox import probe

    monkeypatch.setitem(probe._PROBED, "problem", "bubblewrap is not installed")
    assert grade_command(tmp_path, ASSIGNMENT, GradingOptions(isolation="on")) == 2
    assert "bubblewrap is not installed" in capsys.readouterr().err
    os.environ.pop("NBGRADER_EXECUTION", None)


def test_a_notebook_past_its_time_limit_stops_and_says_so(tmp_path, sandbox_available):
    """Each cell is within its own limit, but the notebook as a whole is not."""
    course = make_course(tmp_path)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    code = dict(STUDENTS[ASSIGNMENT]()["right"]["code"])
    code["classify_move"] = "import time\ntime.sleep(60)\n" + code["classify_move"]
    hand_in(course, ASSIGNMENT, "slow", {"code": code})
    graded_path = course / "autograded" / "slow" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert (
        grade_command(
            course,
            ASSIGNMENT,
            GradingOptions(workers=1, feedback=False, cell_timeout=30, notebook_timeout=4),
        )
        == 0
    )
    (row,) = csv.DictReader(open(course / "reports" / f"{ASSIGNMENT}-grades.csv"))
    assert (row["status"], float(row["score"])) == ("timeout", 0)
    graded = nbformat.read(graded_path, as_version=4)
    skipped = [
        cell
        for cell in graded.cells
        if any(o.get("ename") == "NotebookTimeout" for o in cell.get("outputs", []))
    ]
    assert skipped and "time limit of 4 s" in skipped[-1].outputs[-1]["evalue"]
    last_code = [c for c in graded.cells if c.cell_type == "code"][-1]
    assert last_code in skipped, "every cell after the limit is skipped, to the end"
