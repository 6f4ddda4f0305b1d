"""The class page across assignments, on grade rows whose medians and spreads are worked
out by hand."""

from __future__ import annotations

import csv
import re

import pytest

from autograder.reports.class_page import (
    NOT_HANDED_IN,
    class_table,
    render_class_page,
    write_class_reports,
)
from autograder.reports.csv_safety import neutralise_cell

FORMULA = '=HYPERLINK("x")'
SCRIPT = "<script>alert(1)</script>"
ROSTER = ["dee", "ann", "bob", "cyd"]


def row(assignment, student, score, status="ok", max_score=10):
    """A row as the grade command writes it to reports/<assignment>-grades.csv."""
    return {
        "assignment": assignment,
        "student": student,
        "score": score,
        "max_score": max_score,
        "status": status,
        "detail": "",
        "flags": "",
        "seconds_late": 0,
        "seconds": 1.5,
    }


def grades():
    first, second = "01-three-steps", "02-foundations"
    return {
        first: [
            row(first, "ann", 8),
            row(first, "bob", 6),
            row(first, "cyd", 10),
            row(first, "dee", 4, "timeout"),
        ],
        second: [
            row(second, "ann", "5"),  # read back from a CSV: text
            row(second, "bob", "", "unreadable"),
            row(second, FORMULA, 3),
            row(second, SCRIPT, 2),
        ],
        "03-not-yet": [],
    }


def test_median_and_interquartile_range_are_the_ones_worked_out_by_hand():
    table = class_table(grades(), ROSTER)
    first, second, empty = table.summaries
    # Scores 4, 6, 8, 10: quartiles at positions 0.75, 1.5 and 2.25 between them.
    assert (first.q1, first.median, first.q3, first.iqr) == (5.5, 7.0, 8.5, 3.0), (
        f"expected 5.5, 7, 8.5 and IQR 3, got {first}"
    )
    # Scores 2, 3, 5 (bob's unreadable submission has no score): positions 0.5, 1 and 1.5.
    assert (second.q1, second.median, second.q3) == (2.5, 3.0, 4.0), f"got {second}"
    assert (second.handed_in, second.graded, second.needs_a_look) == (4, 3, 1), f"got {second}"
    assert (empty.median, empty.iqr, empty.graded) == (None, None, 0), f"got {empty}"


def test_who_has_not_handed_in_what_is_listed_per_assignment_and_per_learner():
    table = class_table(grades(), ROSTER)
    assert [s.not_handed_in for s in table.summaries] == [
        (),
        ("cyd", "dee"),
        ("ann", "bob", "cyd", "dee"),
    ], f"got {[s.not_handed_in for s in table.summaries]}"
    dee = next(learner for learner in table.learners if learner.student == "dee")
    assert [m.status for m in dee.marks] == ["timeout", NOT_HANDED_IN, NOT_HANDED_IN]
    assert dee.not_handed_in == (1, 2), f"expected positions 1 and 2, got {dee.not_handed_in}"


def test_learners_not_on_the_roster_are_kept_and_marked():
    table = class_table(grades(), ROSTER)
    assert table.not_on_roster == (SCRIPT, FORMULA), f"got {table.not_on_roster}"
    students = [(learner.student, learner.on_roster) for learner in table.learners]
    assert students == [
        ("ann", True),
        ("bob", True),
        ("cyd", True),
        ("dee", True),
        (SCRIPT, False),
        (FORMULA, False),
    ], f"expected the roster sorted, then the others, got {students}"


def test_two_rows_for_one_student_in_one_assignment_are_an_error():
    doubled = {"a": [row("a", "ann", 1), row("a", "ann", 2)]}
    with pytest.raises(ValueError, match="two grade rows for student 'ann'"):
        class_table(doubled, ["ann"])


def test_the_csv_files_hold_every_learner_with_formulas_neutralised(tmp_path):
    paths = write_class_reports(tmp_path, class_table(grades(), ROSTER))
    with open(paths["learners"], newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == [
        "student",
        "on roster",
        "01-three-steps score",
        "01-three-steps status",
        "02-foundations score",
        "02-foundations status",
        "03-not-yet score",
        "03-not-yet status",
        "not handed in",
    ], f"got header {rows[0]}"
    assert rows[2] == ["bob", "yes", "6", "ok", "", "unreadable", "", NOT_HANDED_IN, "03-not-yet"]
    formula_row = ["'" + FORMULA, "no", "", NOT_HANDED_IN, "3", "ok", "", NOT_HANDED_IN]
    assert rows[6] == [*formula_row, "01-three-steps; 03-not-yet"], f"got {rows[6]}"
    text = paths["learners"].read_text(encoding="utf-8") + paths["summary"].read_text("utf-8")
    assert not re.search(r'(^|,)"?=', text, re.MULTILINE), "expected no cell starting with ="
    with open(paths["summary"], newline="", encoding="utf-8") as stream:
        summary = list(csv.reader(stream))
    assert summary[1] == ["01-three-steps", "10", "4", "4", "7", "5.5", "8.5", "3", "1", ""]
    assert summary[3][4:8] == ["", "", "", ""], f"expected blank statistics, got {summary[3]}"


def test_the_page_escapes_student_ids_and_loads_nothing_from_outside(tmp_path):
    html = render_class_page(class_table(grades(), ROSTER))
    assert SCRIPT not in html, "expected the script tag escaped"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, "expected the id shown as text"
    assert not re.search(r"https?://", html), "expected no URL: the page must work offline"
    assert re.findall(r'src="([^"]{0,22})', html) == ["data:image/png;base64,"], (
        "expected one embedded PNG and no other source"
    )
    assert "5.5 to 8.5" in html and "not on roster" in html, "expected the IQR and the mark"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("ann", "ann"),
        (7.5, "7.5"),
        (None, ""),
    ],
)
def test_a_cell_that_could_start_a_formula_gets_a_quote_in_front(value, expected):
    assert neutralise_cell(value) == expected, f"{value!r}: expected {expected!r}"


def test_a_flagged_submission_counts_as_needing_a_look_as_in_the_report():
    """The class page counts by the report's rule: a status other than ok, or any flag
    (lateness among them)."""
    from autograder.grading.statuses import OK
    from autograder.reports.grades_csv import OK_STATUS

    assert OK_STATUS == OK, "expected the rows' word for ok to be the grader's"
    rows = grades()
    rows["01-three-steps"][0]["flags"] = "handed in 1 h late"
    first = class_table(rows, ROSTER).summaries[0]
    assert first.needs_a_look == 2, f"expected dee's timeout and ann's late hand-in, got {first}"
