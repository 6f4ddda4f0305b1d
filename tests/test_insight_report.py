"""The instructor's report, class page and LMS export, from a small class graded end to end.

Seven simulated learners of module 7 (tests/helpers/students_07.py) are graded without isolation
(this test is about what the report says, not the sandbox). The report must name
questions by number and title, count what learners chose for a widget question and list
the checks a code question failed; the class page and the Canvas and Moodle CSVs come
from the command line. The files the report reads from submissions are refused when they
are links, FIFOs, hard links or too big.
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
from pathlib import Path

import pytest

from aicareer.answers import Entry, render_sheet
from autograder.cli import grade_command, main
from autograder.guards.files import RefusedFile, read_regular_file
from autograder.options import GradingOptions
from autograder.reports.csv_safety import neutralise_cell
from autograder.reports.grade_records import read_records, restore_cell, write_records
from autograder.reports.insight import handed_in_answers
from tests.helpers.course import hand_in, make_course, nbgrader
from tests.helpers.students import STUDENTS

ASSIGNMENT = "07-job-search"
LEARNERS = ("right", "partial", "wrong", "guesser", "copied-lesson", "shapes", "blank")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("insight"))
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    plans = STUDENTS[ASSIGNMENT]()
    for student in LEARNERS:
        hand_in(course, ASSIGNMENT, student, plans[student])
    options = GradingOptions(workers=2, feedback=False, isolation="off")
    assert grade_command(course, ASSIGNMENT, options) == 0, "grading the class failed"
    page = (course / "reports" / f"{ASSIGNMENT}-report.html").read_text(encoding="utf-8")
    return course, page


def section(page: str, heading: str, stop: str = r"<h[12]>") -> str:
    """The page from ``heading`` to the next heading matching ``stop``."""
    start = page.index(heading)
    following = re.search(stop, page[start + len(heading) :])
    return page[start : start + len(heading) + (following.start() if following else len(page))]


def row_with(table: str, text: str) -> str:
    """The table row holding ``text``, or "" when there is none."""
    return next((row for row in table.split("<tr>") if text in row), "")


def write_roster(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ----------------------------------------------------------------- the report
@pytest.mark.slow
def test_the_report_names_questions_by_number_and_title_not_by_cell_id(graded):
    _, page = graded
    items = section(page, "How each question worked")
    text = html.unescape(items)
    for label in (
        "Question 1.1 · the four kinds of move are told apart",
        "Question 2.1 · a path starts and ends in the right places and changes one thing per step",
        "Question 1.2 · What kind of move is Amara making?",
    ):
        assert label in text, f"expected the item table to name {label!r}; got {text[:2000]}"
    for cell_id in ("q1_2_check", "test_stepping_stones_shape"):
        assert f"<td>{cell_id}</td>" not in items, f"{cell_id} is shown as a question's name"
    assert "Only 7 graded submissions" in text, "a class of 7 is too small for discrimination"


@pytest.mark.slow
def test_the_report_counts_what_learners_chose_for_a_widget_question(graded):
    _, page = graded
    widget = html.unescape(
        section(page, "Question 1.2 · What kind of move is Amara making? · 1 point")
    )
    # right and guesser chose the key, partial "Both", wrong "Neither"; three saved nothing.
    assert "4 answered, 3 did not answer: 2 right, 0 partly right, 2 wrong." in widget, widget
    for option, count in (("Role switch", 2), ("Both", 1), ("Neither", 1), ("Industry switch", 0)):
        row = re.search(
            rf"<tr><td>{option}( <span class=\"flag\">key</span>)?</td>"
            rf"<td class=\"number\">(\d+)</td></tr>",
            widget,
        )
        assert row and int(row.group(2)) == count, f"expected {count} for {option!r}; got {widget}"
    assert "Most common wrong answer (1 learner): <strong>Both</strong>" in widget, widget
    assert "data:image/png;base64," in widget, "the option counts are drawn as a bar chart"


@pytest.mark.slow
def test_the_report_lists_the_visible_and_hidden_checks_a_code_question_failed(graded):
    _, page = graded
    failed = html.unescape(section(page, "Code checks that failed most"))
    shape = section(failed, "Question 2.1 · a path starts and ends in the right places", "<h3>")
    for message, learners in (
        ("Expected a list of jobs; your function returned a tuple", 1),  # shapes
        ("On a grid with the roles ['Teacher', 'Tutor']", 1),  # copied-lesson
        ("NotImplementedError", 2),  # blank and guesser wrote no code
    ):
        row = row_with(shape, message)
        expected = f'<td class="number">{learners}</td>\n<td>visible</td>'
        assert expected in row, f"expected {message!r}: {learners}, visible; got {shape}"
    order = section(failed, "Question 4.1 · relevant contacts only", "<h3>")
    row = row_with(order, "Names are compared exactly as written")
    assert '<td class="number">1</td>\n<td>hidden</td>' in row, f"partial's slip is hidden: {order}"
    assert "Question 1.2" not in failed, "widget questions are counted by answer, not by error"


@pytest.mark.slow
def test_the_report_still_lists_who_needs_a_look_with_hand_grading_named(graded):
    _, page = graded
    look = page.split("need a human look", 1)[1]
    assert "<td>blank</td>" in look and "missing answers" in look, look
    assert "<td>right</td>" not in look, "a healthy submission needs no look"
    assert "Question 4.2 · your own first conversation" in html.unescape(look), look
    assert "(<code>reflection_interviews</code>)" in look, "Formgrader's cell id stays at hand"


# ------------------------------------------------------------ class page and LMS
@pytest.mark.slow
def test_the_class_page_comes_from_the_command_line_with_who_did_not_hand_in(
    graded, tmp_path, capsys
):
    course, _ = graded
    roster = write_roster(
        tmp_path / "roster.csv",
        ["student_id", *[s for s in LEARNERS if s != "blank"], "absent"],
    )
    assert main(["--course", str(course), "class", "--roster", str(roster)]) == 0
    said = capsys.readouterr().out
    assert "not on the roster: blank" in said, said
    assert f"{ASSIGNMENT} not handed in by: absent" in said, said
    rows = {r["student"]: r for r in csv.DictReader(open(course / "reports" / "class-grades.csv"))}
    assert rows["absent"][f"{ASSIGNMENT} status"] == "not handed in", rows["absent"]
    assert rows["right"][f"{ASSIGNMENT} score"] == "16", rows["right"]
    assert rows["blank"]["on roster"] == "no", rows["blank"]
    page = (course / "reports" / "class.html").read_text(encoding="utf-8")
    assert "<code>absent</code>" in page and "not on roster" in page


@pytest.mark.slow
def test_the_canvas_export_has_canvas_columns_and_prints_everyone_left_out(
    graded, tmp_path, capsys
):
    course, _ = graded
    roster = write_roster(
        tmp_path / "roster.csv",
        [
            "student_id,name,canvas_id,sis_user_id",
            '"right","Right, Ann",101,S1',
            '"partial","Partial, Pat",102,S2',
            "absent,Away,103,S3",
            "no-ids,Nobody,,",
        ],
    )
    output = tmp_path / "canvas.csv"
    argv = ["--course", str(course), "export-lms", "canvas", "--roster", str(roster)]
    assert main([*argv, "--output", str(output)]) == 0
    said = capsys.readouterr().out
    for learner in ("wrong", "guesser", "copied-lesson", "shapes", "blank"):
        assert f"{learner}: has grades but is not on the roster" in said, said
    assert f"absent: {ASSIGNMENT} not handed in" in said, said
    assert "no-ids: on the roster without the id Canvas matches by" in said, said
    lines = list(csv.reader(open(output, encoding="utf-8")))
    assert lines[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT]
    assert lines[1] == ["Right, Ann", "101", "S1", "", "", "16"], lines
    assert lines[3] == ["Away", "103", "S3", "", "", ""], "not handed in: an empty cell"


@pytest.mark.slow
def test_the_moodle_export_matches_by_id_number(graded, tmp_path, capsys):
    course, _ = graded
    roster = write_roster(
        tmp_path / "roster.csv",
        ["student_id,first_name,last_name,email,idnumber", "right,Ann,Right,ann@example.edu,S1"],
    )
    output = tmp_path / "moodle.csv"
    argv = ["--course", str(course), "export-lms", "moodle", "--roster", str(roster)]
    assert main([*argv, "--assignment", ASSIGNMENT, "--output", str(output)]) == 0
    lines = list(csv.reader(open(output, encoding="utf-8")))
    expected = [
        ["First name", "Last name", "ID number", "Email address", ASSIGNMENT],
        ["Ann", "Right", "S1", "ann@example.edu", "16"],
    ]
    assert lines == expected, f"expected {expected}; got {lines}"


@pytest.mark.slow
def test_exports_count_marks_given_by_hand_since_grading_and_say_what_is_unmarked(
    graded, tmp_path, capsys
):
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    shutil.copytree(graded[0], course)  # the gradebook file is in the course folder
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
        mark = book.find_grade("reflection_interviews", ASSIGNMENT, ASSIGNMENT, "right")
        mark.manual_score = 3
        book.db.commit()
    roster = write_roster(tmp_path / "roster.csv", ["student_id,canvas_id", "right,101"])
    output = tmp_path / "canvas.csv"
    argv = ["--course", str(course), "export-lms", "canvas", "--roster", str(roster)]
    assert main([*argv, "--output", str(output)]) == 0
    said = capsys.readouterr().out
    lines = list(csv.reader(open(output, encoding="utf-8")))
    assert lines[1][-1] == "19", f"expected 16 autograded + 3 marked by hand; got {lines}"
    waiting = len(LEARNERS) - 1  # everyone handed the reflection in; only right's is marked
    expected = f"points graded by hand are not marked yet for {waiting} learners"
    assert expected in said, f"expected {expected!r}; got {said}"


def test_an_export_that_matches_nobody_exits_1(graded, tmp_path, capsys):
    course, _ = graded
    roster = write_roster(tmp_path / "roster.csv", ["student_id,name", "right,Ann"])
    argv = ["--course", str(course), "export-lms", "canvas", "--roster", str(roster)]
    assert main([*argv, "--output", str(tmp_path / "canvas.csv")]) == 1
    assert "could be matched" in capsys.readouterr().err


def test_a_bad_roster_is_printed_with_file_and_line_and_exits_1(tmp_path, capsys):
    course = tmp_path / "course"
    (course / "reports").mkdir(parents=True)
    write_records(course / "reports", ASSIGNMENT, [{"student": "ann", "score": 1, "status": "ok"}])
    roster = write_roster(tmp_path / "roster.csv", ["student_id,canvas_id", "ann,12x"])
    argv = ["--course", str(course), "export-lms", "canvas", "--roster", str(roster)]
    assert main(argv) == 1, "a roster that cannot be used stops the export"
    said = capsys.readouterr().err
    assert f"{roster}, line 2: canvas_id '12x' is not Canvas's user id" in said, said
    assert main([*argv[:-1], str(tmp_path / "roster.csv"), "--assignment", "nope"]) == 1


def test_an_unknown_assignment_is_named_and_exits_1(tmp_path, capsys):
    course = tmp_path / "course"
    (course / "reports").mkdir(parents=True)
    roster = write_roster(tmp_path / "roster.csv", ["student_id,canvas_id", "ann,12"])
    argv = ["--course", str(course), "export-lms", "canvas", "--roster", str(roster)]
    assert main([*argv, "--assignment", "99-nothing"]) == 1
    assert "No grades for 99-nothing" in capsys.readouterr().err


# ----------------------------------------------- reading grade rows back exactly
@pytest.mark.parametrize("value", ["=HYPERLINK(1)", "'=x", "-3", "@a", "plain", "'quoted", ""])
def test_a_neutralised_cell_reads_back_as_written_unless_it_began_with_a_quote_and_formula(value):
    restored = restore_cell(neutralise_cell(value))
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        assert restored == value[1:], "the one case a CSV cannot tell apart"
    else:
        assert restored == value, f"expected {value!r} back; got {restored!r}"


def test_the_json_copy_keeps_ids_a_csv_could_not(tmp_path):
    rows = [
        {"student": "'=x", "score": 3.5, "status": "ok"},
        {"student": "=x", "score": "", "status": "unreadable"},
    ]
    write_records(tmp_path, "a1", rows)
    assert read_records(tmp_path, "a1") == rows, "the JSON copy is read back unchanged"


def test_an_assignment_graded_before_the_json_copy_is_read_from_its_csv(tmp_path):
    with open(tmp_path / "a1-grades.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "score", "status"])
        writer.writerow([neutralise_cell("=cmd|x"), "4", "ok"])
    assert read_records(tmp_path, "a1") == [{"student": "=cmd|x", "score": "4", "status": "ok"}]
    assert read_records(tmp_path, "a2") is None, "an assignment never graded has no rows"


# ------------------------------------------- submission files are read defensively
def sheet_text(answer: str) -> str:
    """A valid answer sheet of module 7 with ``answer`` saved for question 1.2."""
    return render_sheet(ASSIGNMENT, {"1.2": Entry("single", answer, "2026-01-01T00:00:00")})


def submission(tmp_path: Path) -> Path:
    folder = tmp_path / "submitted" / "ann" / ASSIGNMENT
    folder.mkdir(parents=True)
    return folder


def test_a_regular_sheet_is_read(tmp_path):
    folder = submission(tmp_path)
    (folder / f"{ASSIGNMENT}.answers.json").write_text(sheet_text("Both"))
    sheet = handed_in_answers(tmp_path, "ann", ASSIGNMENT)
    assert sheet["1.2"].value == "Both", f"expected the saved answer; got {sheet}"


@pytest.mark.parametrize("kind", ["symlink", "hard link", "fifo", "linked folder", "too big"])
def test_a_planted_sheet_counts_as_not_answered_and_never_hangs(tmp_path, kind):
    folder = submission(tmp_path)
    name = f"{ASSIGNMENT}.answers.json"
    secret = tmp_path / "classmate.json"
    secret.write_text(sheet_text("Role switch"))
    if kind == "symlink":
        (folder / name).symlink_to(secret)
    elif kind == "hard link":
        os.link(secret, folder / name)
    elif kind == "fifo":
        os.mkfifo(folder / name)
    elif kind == "linked folder":
        other = tmp_path / "elsewhere"
        other.mkdir()
        (other / name).write_text(secret.read_text())
        folder.rmdir()
        folder.symlink_to(other)
    else:
        with open(folder / name, "wb") as stream:
            stream.truncate(50_000_000)  # sparse: no disk used
    assert handed_in_answers(tmp_path, "ann", ASSIGNMENT) == {}, f"a {kind} was read as answers"
    with pytest.raises(RefusedFile):
        read_regular_file(
            tmp_path / "submitted" / "ann" / ASSIGNMENT / name, 1_000_000, trusted=tmp_path
        )


def test_a_path_part_that_is_not_a_plain_name_is_refused(tmp_path):
    with pytest.raises(RefusedFile, match="not a plain"):
        read_regular_file(tmp_path / "submitted" / ".." / "x", 10, trusted=tmp_path)
