"""The instructor's ``grade`` command on a small class: exact scores, a status for every
submission, the same result whether graded one at a time or in parallel, and feedback
that leaves the hidden tests out."""

import csv
import shutil

import nbformat
import pytest

from autograder import gradebook
from autograder.cli import grade_command
from autograder.options import GradingOptions
from tests.helpers.course import fill_cells, hand_in, make_course, nbgrader, run_as_learner
from tests.helpers.students import STUDENTS

pytestmark = pytest.mark.slow
ASSIGNMENT = "07-job-search"
DUE = "2026-11-20 17:00:00 UTC"


HANDED_IN = ("right", "partial", "wrong", "blank")


@pytest.fixture(scope="module")
def class_course(tmp_path_factory):
    """A released course with six hand-ins: right, partial, wrong, blank, one without its
    answer sheet and one that is not a notebook at all."""
    course = make_course(tmp_path_factory.mktemp("class"))
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    released = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    # The module's four classic learners; its other simulated learners belong to the round trip.
    plans = {s: p for s, p in STUDENTS[ASSIGNMENT]().items() if s in HANDED_IN}
    for student, plan in plans.items():
        hand_in(course, ASSIGNMENT, student, plan)
    no_sheet = course / "submitted" / "no-sheet" / ASSIGNMENT
    shutil.copytree(course / "submitted" / "right" / ASSIGNMENT, no_sheet)
    (no_sheet / f"{ASSIGNMENT}.answers.json").unlink()
    broken = course / "submitted" / "broken" / ASSIGNMENT
    broken.mkdir(parents=True)
    (broken / released.name).write_text('{"cells": [', encoding="utf-8")
    faults = {
        "endless-loop": (
            "classify_move",
            "def classify_move(current, target):\n    while True:\n        pass\n",
        ),
        "kernel-exits": (
            "interview_plan",
            "import os\ndef interview_plan(*args, **kwargs):\n    os._exit(3)\n",
        ),
    }
    # Handed in two days after the due date given to the grade command below.
    late = course / "submitted" / "late" / ASSIGNMENT
    shutil.copytree(course / "submitted" / "right" / ASSIGNMENT, late)
    (late / "timestamp.txt").write_text("2026-11-22 18:30:00.000000 UTC")
    for student, (grade_id, code) in faults.items():
        folder = course / "submitted" / student / ASSIGNMENT
        shutil.copytree(course / "submitted" / "right" / ASSIGNMENT, folder)
        notebook = folder / released.name
        nbformat.write(
            fill_cells(nbformat.read(notebook, as_version=4), {grade_id: code}), notebook
        )
    return course, plans


def graded_copy(class_course, folder, workers):
    course, plans = class_course
    copy = folder / f"graded-{workers}"
    shutil.copytree(course, copy)
    (copy / "nbgrader_config.py").write_text((course / "nbgrader_config.py").read_text())
    assert (
        grade_command(copy, ASSIGNMENT, GradingOptions(workers=workers, cell_timeout=5, due=DUE))
        == 0
    )
    rows = list(csv.DictReader(open(copy / "reports" / f"{ASSIGNMENT}-grades.csv")))
    return copy, {row["student"]: row for row in rows}


@pytest.fixture(scope="module")
def serial_run(class_course, tmp_path_factory):
    return graded_copy(class_course, tmp_path_factory.mktemp("serial"), workers=1)


@pytest.fixture(scope="module")
def parallel_run(class_course, tmp_path_factory):
    return graded_copy(class_course, tmp_path_factory.mktemp("parallel"), workers=2)


def test_parallel_and_serial_grading_agree_exactly(class_course, serial_run, parallel_run):
    _, plans = class_course
    serial_course, serial = serial_run
    parallel_course, parallel = parallel_run
    assert set(serial) == {
        "right",
        "partial",
        "wrong",
        "blank",
        "no-sheet",
        "broken",
        "endless-loop",
        "kernel-exits",
        "late",
    }
    for student in serial:
        assert serial[student]["status"] == parallel[student]["status"]
        assert serial[student]["score"] == parallel[student]["score"]
    by_cell_serial = gradebook.scores(gradebook.gradebook_url(serial_course), ASSIGNMENT)
    by_cell_parallel = gradebook.scores(gradebook.gradebook_url(parallel_course), ASSIGNMENT)
    assert by_cell_serial == by_cell_parallel
    for student, plan in plans.items():
        auto = {k: v for k, v in by_cell_parallel[student].items() if k != "reflection_interviews"}
        expected = {name: plan["expected"].get(name, 0) for name in auto}
        assert auto == pytest.approx(expected, abs=1e-6), student


def test_every_submission_gets_the_right_status(parallel_run):
    _, rows = parallel_run
    assert {s: r["status"] for s, r in rows.items()} == {
        "right": "ok",
        "partial": "ok",
        "wrong": "ok",
        "blank": "missing answers",
        "no-sheet": "missing answers",
        "broken": "unreadable",
        "endless-loop": "timeout",
        "kernel-exits": "kernel died",
        "late": "ok",
    }
    assert "no 07-job-search.answers.json was handed in" in rows["no-sheet"]["detail"]
    # After a timeout the later cells still run and keep their points: the endless loop
    # costs only the cells that call classify_move (3, and the 2-point path shape test).
    # When the kernel exits in the first interview_plan test, a fresh kernel runs the
    # last test (which then fails): the 13 points graded before the exit are kept.
    assert float(rows["kernel-exits"]["score"]) == 13
    assert float(rows["endless-loop"]["score"]) == 11
    assert float(rows["no-sheet"]["score"]) == 10, "code tests count: 16 minus 6 for widgets"
    assert rows["broken"]["score"] == ""
    assert "JSON" in rows["broken"]["detail"], rows["broken"]["detail"]
    assert float(rows["right"]["max_score"]) == 20


def test_late_submissions_are_marked_with_how_late(parallel_run):
    _, rows = parallel_run
    assert int(rows["late"]["seconds_late"]) == 2 * 86400 + 90 * 60
    assert "handed in 2 d 1 h 30 min late" in rows["late"]["flags"]
    assert float(rows["late"]["score"]) == 16, "no penalty unless the instructor sets one"
    assert int(rows["right"]["seconds_late"]) == 0


def test_hand_ins_without_a_time_are_named_when_a_due_date_is_set(parallel_run, capsys):
    from autograder.cli import print_summary
    from autograder.grading.class_grades import ClassGrades

    course, rows = parallel_run
    untimed = gradebook.untimed(gradebook.gradebook_url(course), ASSIGNMENT)
    assert "late" not in untimed and "right" in untimed, f"got {untimed}"
    result = ClassGrades(ASSIGNMENT, rows=list(rows.values()), untimed=untimed)
    print_summary(result)
    said = capsys.readouterr().out
    assert f"No hand-in time for {len(untimed)} of {len(rows)} submissions (" in said, said
    assert "without a timestamp.txt they count as on time" in said, said


def test_report_shows_missed_questions_and_who_needs_a_look(parallel_run):
    course, rows = parallel_run
    page = (course / "reports" / f"{ASSIGNMENT}-report.html").read_text(encoding="utf-8")
    from autograder.grading.integrity import questions_of
    from autograder.notebooks import load_notebook

    widget_questions = len(
        questions_of(load_notebook(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"))
    )
    assert page.count("Histogram of the graded submissions' total scores") == 1, page[:500]
    assert page.count("Share of points earned per question") == 1, page[:500]
    charts = page.count("data:image/png;base64,")
    assert charts == 2 + widget_questions, (
        f"expected the histogram, the per-question plot and one chart per widget question "
        f"({widget_questions}); found {charts} charts"
    )
    missed = page.split("Questions most learners missed", 1)[1].split("</table>", 1)[0]
    assert "test_classify_move_names" in missed, "only 2 of the 7 graded submissions earned it"
    look = page.split("need a human look", 1)[1]
    for student in ("blank", "no-sheet", "broken", "endless-loop", "kernel-exits"):
        assert f"<td>{student}</td>" in look
    assert "<td>right</td>" not in look
    assert "reflection_interviews" in look, "hand grading still to do is named"


def test_answer_cells_left_as_released_say_so_to_a_grader(parallel_run):
    """nbgrader's comment on an answer cell nobody touched, kept by the one-transaction save."""
    from nbgrader.api import Gradebook

    course, _ = parallel_run
    with Gradebook(gradebook.gradebook_url(course)) as book:
        comments = {
            student: {
                c.name: c.auto_comment
                for c in book.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student).comments
            }
            for student in ("blank", "right")
        }
    # The code a learner writes; widget questions keep their answers in the answer sheet,
    # so their cells stay as released for everyone.
    for cell in ("classify_move", "stepping_stones", "interview_plan"):
        assert comments["blank"][cell] == "No response.", comments["blank"]
        assert comments["right"][cell] is None, comments["right"]


def test_a_notebooks_grades_are_saved_in_one_commit(parallel_run, tmp_path):
    """Every score and comment of a notebook written at once, with the scores it had."""
    from nbgrader.api import Gradebook
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from autograder.preprocessors import SaveAutoGradesStrictly

    course, _ = parallel_run
    copy = tmp_path / "gradebook.db"
    shutil.copy(course / "gradebook.db", copy)
    url = f"sqlite:///{copy}"
    before = gradebook.scores(url, ASSIGNMENT)["partial"]
    with Gradebook(url) as book:  # wipe the saved scores, to see them written again
        for grade in book.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "partial").grades:
            grade.auto_score = None
        book.db.commit()
    graded = course / "autograded" / "partial" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    writes = []
    resources = {
        "nbgrader": {
            "notebook": ASSIGNMENT,
            "assignment": ASSIGNMENT,
            "student": "partial",
            "db_url": url,
        }
    }

    def count(session, context):
        writes.append(session)

    event.listen(Session, "after_flush", count)
    try:
        SaveAutoGradesStrictly().preprocess(nbformat.read(graded, as_version=4), resources)
    finally:
        event.remove(Session, "after_flush", count)
    assert len(writes) == 1, f"expected the notebook's scores written at once, got {len(writes)}"
    assert gradebook.scores(url, ASSIGNMENT)["partial"] == before


def test_grading_one_student_again_keeps_everyone_elses_rows(parallel_run, tmp_path, capsys):
    """``--student``: partial hands in again (now right); only that submission is graded,
    and the grades, report and records keep the class's other rows as they were."""
    course, before = parallel_run
    copy = tmp_path / "course"
    shutil.copytree(course, copy)
    again = copy / "submitted" / "partial" / ASSIGNMENT
    shutil.rmtree(again)
    shutil.copytree(copy / "submitted" / "right" / ASSIGNMENT, again)
    untouched = (copy / "autograded" / "right" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").stat()
    options = GradingOptions(workers=1, cell_timeout=5, due=DUE, students=("partial",))
    assert grade_command(copy, ASSIGNMENT, options) == 0
    said = capsys.readouterr().out
    assert f"Graded 1 submissions of {ASSIGNMENT}; with the {len(before) - 1} kept" in said, said
    rows = {
        r["student"]: r for r in csv.DictReader(open(copy / "reports" / f"{ASSIGNMENT}-grades.csv"))
    }
    assert set(rows) == set(before), f"expected the whole class, got {sorted(rows)}"
    assert rows["partial"]["score"] == before["right"]["score"], rows["partial"]
    for student in set(before) - {"partial"}:
        for column in ("score", "status", "detail", "flags", "seconds_late"):
            assert rows[student][column] == before[student][column], (student, column)
    again_stat = (copy / "autograded" / "right" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").stat()
    assert again_stat.st_mtime_ns == untouched.st_mtime_ns, "expected right's graded notebook kept"
    page = (copy / "reports" / f"{ASSIGNMENT}-report.html").read_text(encoding="utf-8")
    assert "<td>kernel-exits</td>" in page, "expected the report to cover the whole class"


def test_grading_a_student_who_handed_nothing_in_is_refused(parallel_run, tmp_path, capsys):
    course, _ = parallel_run
    options = GradingOptions(workers=1, students=("right", "nobody"))
    assert grade_command(course, ASSIGNMENT, options) == 2
    err = capsys.readouterr().err
    assert f"No submission of {ASSIGNMENT} from nobody (looked for" in err, err
    assert "nothing was graded" in err, err


def test_report_escapes_everything_from_submissions():
    from autograder.reports.page import render

    rows = [
        {
            "student": "<script>alert(1)</script>",
            "score": "1",
            "status": "timeout",
            "detail": "<img src=x onerror=alert(2)>",
        }
    ]
    page = render("a<b", rows, {"<script>alert(1)</script>": {"q": 1.0}}, {"q": 2.0}, [])
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_feedback_leaves_hidden_tests_out(parallel_run):
    course, _ = parallel_run
    pages = sorted((course / "feedback").rglob("*.html"))
    assert {p.parts[-3] for p in pages} >= {"right", "partial", "wrong", "blank"}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in html
        assert "hw.grade(" not in html, f"{page}: the key of a widget question leaked"
        assert "big_roles" not in html, f"{page}: a hidden code test leaked"
        assert "MARK SCHEME" not in html and "Half points are fine" not in html, (
            f"{page}: the mark scheme reached a learner"
        )


def test_feedback_works_offline_and_names_each_question(parallel_run):
    """No script or style from the internet (offline it showed "$ is not defined"), no
    jQuery left under widgets, and the index names questions, not "Test cell"."""
    import re

    course, _ = parallel_run
    for page in sorted((course / "feedback").rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        external = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//[^"'\s>]+""", html)
        assert not external, f"{page}: loads {external}"
        assert "@import" not in html and "$(" not in html, page
        index = html.split('<div id="toc">', 1)[1].split("</ol>", 1)[0]
        assert "Test cell" not in index and ">Comment<" not in index and ">Task<" not in index
        for number in ("1.1", "1.2", "1.3", "2.1", "3.1", "3.2", "4.1", "4.2"):
            assert f"Question {number}" in index, (page, number)
        assert "graded by a person" in index, "the reflection says a person grades it"
        assert "your instructor reads and marks it" in html
        assert "a.anchor-link { display: none; }" in html, "no stray ¶ marks"


def test_learner_grades_their_own_workspace(tmp_path, monkeypatch):
    """make check: the learner's own answers, the instructor's hidden tests, files untouched."""
    import subprocess
    import sys

    from aicareer.workspace import sync
    from tests.helpers.course import ROOT, nbgrader_env, solution_code

    workspace = tmp_path / "ws"
    sync(ROOT, workspace)
    notebook = workspace / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    plan = STUDENTS[ASSIGNMENT]()["right"]
    nb = fill_cells(nbformat.read(notebook, as_version=4), solution_code(ASSIGNMENT))
    for index, cell in enumerate(nb.cells):  # the reflection, written below its task
        if cell.metadata.get("nbgrader", {}).get("task"):
            nb.cells[index + 1].source = "I would ask a data analyst in a hospital about..."
    nbformat.write(nb, notebook)
    run_as_learner(notebook, plan["widgets"])
    before = {p: p.read_bytes() for p in (workspace / "assignments").rglob("*") if p.is_file()}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "--course",
            str(ROOT),
            "check",
            "--workspace",
            str(workspace),
        ],
        env=nbgrader_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert f"{ASSIGNMENT}: 16 of 16 autograded points (+4 graded by hand" in result.stdout
    assert "04-scoping-under-uncertainty: not started" in result.stdout, result.stdout
    assert "SAWarning" not in result.stdout + result.stderr
    page = (workspace / "feedback" / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    assert "mark yourself with the mark scheme below" in page
    assert "Half points are fine" in page, "the scheme is shown once the reflection is written"
    after = {p: p.read_bytes() for p in (workspace / "assignments").rglob("*") if p.is_file()}
    assert after == before, "checking must not change the learner's files"


def test_lms_zip_is_collected_and_graded_like_the_exchange(class_course, parallel_run, tmp_path):
    """Canvas-style uploads in a zip give the same scores as the exchange layout."""
    import subprocess
    import sys
    import zipfile

    from tests.helpers.course import nbgrader_env

    course, _ = class_course
    _, exchange_rows = parallel_run
    fresh = tmp_path / "lms"
    shutil.copytree(course, fresh, ignore=shutil.ignore_patterns("submitted", "gradebook.db"))
    # A gradebook somewhere else (a database URL; PostgreSQL's works the same way).
    database = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    nbgrader(fresh, "generate_assignment", ASSIGNMENT, "--force", f"--db={database}")
    uploads = tmp_path / "uploads.zip"
    uploaded = {"right": (2026, 11, 20, 16, 59, 0), "partial": (2026, 11, 20, 17, 0, 0)}
    uploaded["no-sheet"] = (2026, 11, 21, 9, 15, 0)  # 16 h 15 min after the due date
    with zipfile.ZipFile(uploads, "w") as bundle:
        for number, student in enumerate(["right", "partial", "no-sheet"]):
            folder = course / "submitted" / student / ASSIGNMENT
            for item in folder.iterdir():
                if item.name == "timestamp.txt":
                    continue
                member = zipfile.ZipInfo(
                    f"{student}_{100 + number}_{200 + number}_{item.name}", uploaded[student]
                )
                bundle.writestr(member, item.read_bytes())
        bundle.writestr("readme.txt", "not a submission")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "--course",
            str(fresh),
            "grade",
            ASSIGNMENT,
            "--from",
            str(uploads),
            "--no-feedback",
            "--due",
            DUE,
            "--db",
            database,
        ],
        env=nbgrader_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "Collected 3 submissions" in result.stdout
    assert "skipped readme.txt: the name does not match the pattern" in result.stdout
    rows = {
        r["student"]: r
        for r in csv.DictReader(open(fresh / "reports" / f"{ASSIGNMENT}-grades.csv"))
    }
    for student in ("right", "partial", "no-sheet"):
        assert rows[student]["score"] == exchange_rows[student]["score"]
        assert rows[student]["status"] == exchange_rows[student]["status"]
    assert [rows[s]["seconds_late"] for s in uploaded] == ["0", "0", str(16 * 3600 + 15 * 60)]
    assert "handed in 16 h 15 min late" in rows["no-sheet"]["flags"]
    # The gradebook named by --db was used, and no other was made.
    assert (tmp_path / "elsewhere.db").stat().st_size > 0
    assert not (fresh / "gradebook.db").exists()


def test_archive_member_escaping_its_folder_is_refused(tmp_path):
    import zipfile

    from autograder.grading.collect import collect

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as bundle:
        bundle.writestr("../../outside_1_2_x.ipynb", "{}")
    with pytest.raises(ValueError, match="points outside"):
        collect(tmp_path, ASSIGNMENT, evil)
    assert not (tmp_path.parent / "outside_1_2_x.ipynb").exists()
