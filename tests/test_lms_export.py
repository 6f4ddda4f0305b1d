"""The roster file and the gradebook CSVs for Canvas and Moodle."""

from __future__ import annotations

import csv

import pytest

from autograder.reports.lms import (
    CANVAS_COLUMNS,
    MOODLE_COLUMNS,
    RosterError,
    parse_roster,
    read_roster,
    write_canvas_csv,
    write_moodle_csv,
)

ROSTER = (
    "student_id,name,first_name,last_name,email,canvas_id,sis_user_id,sis_login_id,section,idnumber\n"
    'ann,"Lee, Ann",Ann,Lee,ann@example.edu,101,S1,alee,Lab A,S1\n'
    'bob,"=HYPERLINK(""x"")",Bob,Ng,bob@example.edu,102,S2,bng,Lab A,S2\n'
    "\n"
    "cyd,,Cyd,Ho,cyd@example.edu,,,,Lab B,\n"
)


def grades():
    return {
        "01-three-steps": [
            {"student": "ann", "score": 8.5, "status": "ok"},
            {"student": "bob", "score": "", "status": "unreadable"},
            {"student": "cyd", "score": 7, "status": "tampered"},
            {"student": "zed", "score": 9, "status": "ok"},
        ],
        "02-foundations": [{"student": "ann", "score": "12.333", "status": "timeout"}],
    }


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    return read_roster(path)


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream))


def test_a_roster_is_read_with_every_column_and_its_line(roster):
    ann, bob, cyd = roster
    assert (ann.student_id, ann.name, ann.canvas_id, ann.idnumber, ann.line) == (
        "ann",
        "Lee, Ann",
        "101",
        "S1",
        2,
    ), f"got {ann}"
    assert cyd.line == 5 and cyd.canvas_id == "", f"expected line 5 after a blank line: {cyd}"


def test_a_roster_saved_by_excel_with_a_byte_order_mark_is_read(tmp_path):
    entries = parse_roster(tmp_path / "r.csv", b"\xef\xbb\xbfstudent_id\r\nann\r\n")
    assert [e.student_id for e in entries] == ["ann"], f"got {entries}"


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (b"", None, "is empty"),
        (b"student,email\nann,a@b.c\n", 1, "unknown column 'student'"),
        (b"email\na@b.c\n", 1, "no 'student_id' column"),
        (b"student_id,email,email\nann,a@b,c@d\n", 1, "'email' appears twice"),
        (b"student_id,email\nann,a@b.c\nbob\n", 3, "has 1 fields but the header names 2"),
        (b"student_id\nann\n\nann\n", 4, "student_id 'ann' is already on line 2"),
        (b"student_id,email\nann,x@y.z\nbob,x@y.z\n", 3, "email 'x@y.z' is already on line 2"),
        (b"student_id,canvas_id\nann,12a\n", 2, "is not Canvas's user id"),
        (b"student_id,email\nann,not-an-address\n", 2, "is not an email address"),
        (b"student_id,name\n,Ann\n", 2, "student_id is empty"),
        (b'student_id,name\nann,"two\nlines"\n', 3, "control character"),
        (b"student_id\nann\nb\xe9b\n", 3, "is not UTF-8"),
        (b"student_id\n", None, "lists no learners"),
    ],
)
def test_a_bad_roster_is_refused_naming_the_file_line_and_problem(tmp_path, text, line, problem):
    path = tmp_path / "roster.csv"
    path.write_bytes(text)
    with pytest.raises(RosterError) as caught:
        read_roster(path)
    error = caught.value
    assert (error.line, problem in error.problem) == (line, True), (
        f"expected line {line} and {problem!r}, got line {error.line}: {error.problem!r}"
    )
    assert str(error).startswith(f"{path}{f', line {line}' if line else ''}: "), (
        f"expected the message to start with the file and line, got {error}"
    )


def test_a_missing_roster_file_is_named_in_the_error(tmp_path):
    with pytest.raises(RosterError, match="roster.csv: cannot be read"):
        read_roster(tmp_path / "roster.csv")


def test_the_canvas_csv_has_canvas_columns_and_lists_whoever_got_no_grade(tmp_path, roster):
    result = write_canvas_csv(tmp_path / "canvas.csv", roster, grades())
    rows = read_rows(result.path)
    assert rows == [
        [*CANVAS_COLUMNS, "01-three-steps", "02-foundations"],
        ["Lee, Ann", "101", "S1", "alee", "Lab A", "8.5", "12.33"],
        ['\'=HYPERLINK("x")', "102", "S2", "bng", "Lab A", "", ""],
    ], f"got {rows}"
    assert result.written == ("ann", "bob"), f"got {result.written}"
    assert result.unidentified == ("cyd",), "cyd has none of ID, SIS User ID, SIS Login ID"
    assert result.unknown == ("zed",), f"zed is graded but not on the roster: {result.unknown}"
    assert result.missing == (("bob", "02-foundations"), ("cyd", "02-foundations"))
    assert result.ungraded == (("bob", "01-three-steps", "unreadable"),)
    assert result.withheld == (("cyd", "01-three-steps", "tampered"),)
    problems = result.problems()
    assert any(p.startswith("zed: has grades but is not on the roster") for p in problems), (
        f"expected zed named, got {problems}"
    )
    assert len(problems) == 6, f"expected one line per learner or cell left out, got {problems}"


def test_canvas_columns_can_name_an_existing_canvas_assignment(tmp_path, roster):
    result = write_canvas_csv(
        tmp_path / "c.csv",
        roster,
        grades(),
        column_names={"01-three-steps": "Three steps (4711)"},
        missing_as_zero=True,
    )
    header, ann, bob = read_rows(result.path)
    assert header[5:] == ["Three steps (4711)", "02-foundations"], f"got {header}"
    assert bob[5:] == ["", "0"], f"expected not handed in as 0, unreadable empty: {bob}"
    with pytest.raises(ValueError, match="'99-nothing', which is not among the grades"):
        write_canvas_csv(tmp_path / "c.csv", roster, grades(), column_names={"99-nothing": "x"})


def test_the_moodle_csv_is_matched_by_id_number_or_email(tmp_path, roster):
    by_id = write_moodle_csv(tmp_path / "moodle.csv", roster, grades())
    assert read_rows(by_id.path) == [
        [*MOODLE_COLUMNS, "01-three-steps", "02-foundations"],
        ["Ann", "Lee", "S1", "ann@example.edu", "8.5", "12.33"],
        ["Bob", "Ng", "S2", "bob@example.edu", "", ""],
    ], f"got {read_rows(by_id.path)}"
    assert by_id.unidentified == ("cyd",), "cyd has no ID number"
    by_email = write_moodle_csv(tmp_path / "m2.csv", roster, grades(), identifier="email")
    assert by_email.written == ("ann", "bob", "cyd") and by_email.unidentified == ()
    assert read_rows(by_email.path)[3] == ["Cyd", "Ho", "", "cyd@example.edu", "", ""]
    with pytest.raises(ValueError, match="'username' is not one Moodle matches by"):
        write_moodle_csv(tmp_path / "m3.csv", roster, grades(), identifier="username")


def test_a_learner_written_formula_never_starts_a_cell(tmp_path):
    entries = parse_roster(
        tmp_path / "r.csv",
        b'student_id,name,first_name,canvas_id,idnumber\n"@evil","+1","-2",7,"=cmd"\n',
    )
    canvas = read_rows(write_canvas_csv(tmp_path / "c.csv", entries, {"a": []}).path)
    moodle = read_rows(write_moodle_csv(tmp_path / "m.csv", entries, {"a": []}).path)
    assert canvas[1][0] == "'+1" and moodle[1][0] == "'-2" and moodle[1][2] == "'=cmd", (
        f"expected each formula start quoted, got {canvas[1]} and {moodle[1]}"
    )
