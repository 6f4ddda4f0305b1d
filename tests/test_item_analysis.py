"""Item analysis on classes built so that every statistic is known in advance."""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest

from aicareer.questions import Matching, MultipleChoice, Numeric, Ranking, SingleChoice
from autograder.reports.item_analysis import (
    NO_INFORMATION,
    NOBODY_EARNED,
    PROBABLY_BROKEN,
    SEPARATES_WEAKLY,
    GradedCell,
    failed_checks,
    failure_from_error_output,
    item_statistics,
    option_counts,
    render_item_analysis,
    render_item_analysis_page,
)

EXACT = 1e-12

# --- a class of ten, built so the statistics are known ---------------------------------

STUDENTS = [f"s{i:02d}" for i in range(10)]  # s00 is the weakest, s09 the strongest
EASY = SingleChoice("easy", "Which is a number?", options=("7", "seven letters", "a word"))
RANDOM = SingleChoice("guess", "Pick one", options=("A", "B", "C"))
# The key should have been "true", but was typed as "wrong": strong learners lose the point.
MISKEYED = SingleChoice("miskeyed", "Which is true?", options=("true", "wrong", "other"))
CELLS = [
    GradedCell("skill_test", "Question 1.1 · the code", 9),
    GradedCell("easy_check", "Question 1.2 · a gift", 2),
    GradedCell("guess_check", "Question 1.3 · a coin", 1),
    GradedCell("miskeyed_check", "Question 1.4 · reversed key", 1),
]


def synthetic_class():
    """Answers and points of the ten learners: learner i earns i of the code's 9 points;
    everyone gets the easy question; the guess is a seeded coin; the miskeyed question is
    missed by exactly the strong half."""
    rng = random.Random(2024)
    answers = {"easy": {}, "guess": {}, "miskeyed": {}}
    scores = {}
    for i, student in enumerate(STUDENTS):
        answers["easy"][student] = "7"
        answers["guess"][student] = rng.choice(RANDOM.options)
        answers["miskeyed"][student] = "wrong" if i < 4 else ("other" if i == 4 else "true")
        scores[student] = {
            "skill_test": float(i),
            "easy_check": 2.0,
            "guess_check": 1.0 if answers["guess"][student] == "B" else 0.0,
            "miskeyed_check": 1.0 if answers["miskeyed"][student] == "wrong" else 0.0,
        }
    return answers, scores


def expected_for(scores, grade_id, max_points, group):
    """Difficulty, corrected point-biserial and upper-lower index, computed with NumPy
    independently of the module under test."""
    shares = np.array([scores[s][grade_id] / max_points for s in STUDENTS])
    rests = np.array([sum(scores[s].values()) - scores[s][grade_id] for s in STUDENTS])
    order = sorted(range(len(STUDENTS)), key=lambda i: (rests[i], STUDENTS[i]))
    upper_lower = shares[order[-group:]].mean() - shares[order[:group]].mean()
    return shares.mean(), float(np.corrcoef(shares, rests)[0, 1]), float(upper_lower)


def by_id(analysis):
    return {item.grade_id: item for item in analysis.items}


def test_the_question_everyone_gets_right_has_no_discrimination_and_says_why():
    _, scores = synthetic_class()
    easy = by_id(item_statistics(CELLS, scores))["easy_check"]
    assert easy.difficulty == 1.0, f"expected everyone to earn all points, got {easy.difficulty}"
    assert easy.discrimination is None and easy.upper_lower is None, (
        f"expected undefined discrimination (None), got {easy.discrimination}, {easy.upper_lower}"
    )
    assert easy.flags == (NO_INFORMATION,), f"expected the no-information flag, got {easy.flags}"
    assert "undefined" in easy.notes[0], f"expected a note saying why, got {easy.notes}"


def test_the_miskeyed_question_is_flagged_as_probably_broken_with_known_numbers():
    _, scores = synthetic_class()
    analysis = item_statistics(CELLS, scores)
    item = by_id(analysis)["miskeyed_check"]
    group = round(0.27 * 10)
    difficulty, r, upper_lower = expected_for(scores, "miskeyed_check", 1, group)
    assert analysis.group_size == group == 3, f"expected groups of 3, got {analysis.group_size}"
    assert item.difficulty == pytest.approx(0.4, abs=EXACT), (
        f"expected 4 of 10, got {item.difficulty}"
    )
    assert item.difficulty == pytest.approx(difficulty, abs=EXACT)
    assert item.discrimination == pytest.approx(r, abs=EXACT), (
        f"expected NumPy's correlation {r}, got {item.discrimination}"
    )
    # The three strongest (by rest score) all miss it, the three weakest all earn it.
    assert item.upper_lower == pytest.approx(-1.0, abs=EXACT) == upper_lower, (
        f"expected -1 (upper 0%, lower 100%), got {item.upper_lower}"
    )
    assert item.discrimination < -0.8, f"expected a clearly negative r, got {item.discrimination}"
    assert item.flags == (PROBABLY_BROKEN,), f"expected probably broken, got {item.flags}"


def test_the_randomly_answered_question_has_the_numbers_numpy_computes():
    _, scores = synthetic_class()
    item = by_id(item_statistics(CELLS, scores))["guess_check"]
    difficulty, r, upper_lower = expected_for(scores, "guess_check", 1, 3)
    right = sum(scores[s]["guess_check"] for s in STUDENTS)
    assert item.difficulty == pytest.approx(right / 10, abs=EXACT), (
        f"expected {right}/10, got {item.difficulty}"
    )
    assert item.discrimination == pytest.approx(r, abs=EXACT), (
        f"expected {r}, got {item.discrimination}"
    )
    assert item.upper_lower == pytest.approx(upper_lower, abs=EXACT), (
        f"expected {upper_lower}, got {item.upper_lower}"
    )
    expected_flags = (PROBABLY_BROKEN,) if r <= -0.2 else (SEPARATES_WEAKLY,) if r < 0.2 else ()
    assert item.flags == expected_flags, f"expected {expected_flags} for r={r}, got {item.flags}"


def test_the_seeded_coin_is_the_one_this_test_was_written_for():
    # Pins the seed's outcome, so the random question's numbers above are not vacuous.
    answers, scores = synthetic_class()
    assert [answers["guess"][s] for s in STUDENTS] == [
        "B", "A", "C", "C", "B", "A", "C", "B", "C", "B",
    ], f"random.Random(2024) gave {[answers['guess'][s] for s in STUDENTS]}"  # fmt: skip
    item = by_id(item_statistics(CELLS, scores))["guess_check"]
    assert item.difficulty == pytest.approx(0.4, abs=EXACT), f"expected 4/10, got {item.difficulty}"
    # Rest scores are i + 2 (+1 for the four who "earn" the miskeyed point): s00..s02 have
    # the lowest (3, 4, 5) and earn 1, 0, 0; s07..s09 the highest (9, 10, 11) and earn 1, 0, 1.
    assert item.upper_lower == pytest.approx(2 / 3 - 1 / 3, abs=EXACT), (
        f"expected 2/3 - 1/3, got {item.upper_lower}"
    )
    assert 0 < item.discrimination < 0.2 and item.flags == (SEPARATES_WEAKLY,), (
        f"expected a weak positive r flagged as separating weakly, got {item}"
    )


def test_a_hand_worked_class_of_four_gives_the_numbers_worked_out_on_paper():
    # A (1 point), B (2 points), C (1 point); shares of C are 0, 0, 1, 1 and the rest
    # (A + B) is 3, 2, 1, 0: deviations (-.5, -.5, .5, .5) and (1.5, .5, -.5, -1.5), so
    # r = -2 / sqrt(1 * 5). The rest of B is 1 for everyone: undefined.
    cells = [GradedCell("A", "A", 1), GradedCell("B", "B", 2), GradedCell("C", "C", 1)]
    scores = {
        "s1": {"A": 1, "B": 2, "C": 0},
        "s2": {"A": 1, "B": 1, "C": 0},
        "s3": {"A": 0, "B": 1, "C": 1},
        "s4": {"A": 0, "B": 0},  # a missing cell counts as 0 points
    }
    scores["s4"]["C"] = 1
    items = by_id(item_statistics(cells, scores, min_class_size=4))
    assert items["C"].difficulty == pytest.approx(0.5, abs=EXACT)
    assert items["C"].discrimination == pytest.approx(-2 / math.sqrt(5), abs=EXACT), (
        f"expected -2/sqrt(5) = {-2 / math.sqrt(5)}, got {items['C'].discrimination}"
    )
    assert items["C"].upper_lower == pytest.approx(-1.0, abs=EXACT), (
        f"expected upper (s1: 0) minus lower (s4: 1) = -1, got {items['C'].upper_lower}"
    )
    assert items["C"].flags == (PROBABLY_BROKEN,), f"got {items['C'].flags}"
    assert items["B"].difficulty == pytest.approx(0.5, abs=EXACT)
    assert items["B"].discrimination is None and items["B"].upper_lower is None, (
        f"expected None when the rest does not vary, got {items['B']}"
    )
    assert "rest of the assignment" in items["B"].notes[0], f"got {items['B'].notes}"


def test_a_question_nobody_earned_is_flagged_and_never_nan():
    scores = {s: {"q": 0.0, "other": float(i)} for i, s in enumerate(STUDENTS)}
    cells = [GradedCell("q", "Question 9", 3), GradedCell("other", "Other", 9)]
    item = by_id(item_statistics(cells, scores))["q"]
    assert item.flags == (NOBODY_EARNED,), f"expected nobody earned it, got {item.flags}"
    assert item.discrimination is None, f"expected None, got {item.discrimination}"


def test_a_small_class_withholds_discrimination_and_says_why():
    _, scores = synthetic_class()
    few = {s: scores[s] for s in STUDENTS[:6]}
    analysis = item_statistics(CELLS, few)
    assert not analysis.statistics_shown, "expected statistics withheld for 6 submissions"
    assert "Only 6 graded submissions" in analysis.reason and "10" in analysis.reason, (
        f"expected the reason to name 6 and the minimum 10, got {analysis.reason!r}"
    )
    for item in analysis.items:
        assert item.discrimination is None and item.upper_lower is None and not item.flags, (
            f"expected no discrimination or flags, got {item}"
        )
        assert item.difficulty is not None, f"expected the share earned still shown: {item}"
    html = render_item_analysis(analysis)
    assert "not shown" in html and "nan" not in html.lower(), "expected 'not shown', no NaN"


def test_no_submissions_give_no_numbers_and_no_nan():
    analysis = item_statistics(CELLS, {})
    assert analysis.submissions == 0 and all(i.difficulty is None for i in analysis.items)
    html = render_item_analysis(analysis)
    assert "nothing to analyse" in html, "expected the page to say there is nothing yet"
    assert not re.search(r"\bnan\b", html, re.IGNORECASE), "expected no NaN in the page"


# --- widget questions ------------------------------------------------------------------


def bars_of(counts, group=0):
    return [(bar.label, bar.count, bar.right) for bar in counts.groups[group][1]]


def test_single_choice_counts_every_option_and_names_the_most_common_wrong_answer():
    answers, _ = synthetic_class()
    counts = option_counts(MISKEYED, answers["miskeyed"], key="wrong", chart=False)
    assert bars_of(counts) == [("true", 5, False), ("wrong", 4, True), ("other", 1, False)], (
        f"got {bars_of(counts)}"
    )
    assert (counts.right, counts.partly, counts.wrong) == (4, 0, 6), (
        f"expected 4 right, 6 wrong, got {(counts.right, counts.partly, counts.wrong)}"
    )
    assert (counts.most_common_wrong, counts.most_common_wrong_count) == ("true", 5)


def test_multiple_choice_counts_each_tick_and_judges_with_the_grading_rule():
    q = MultipleChoice("m", "Which apply?", options=("a", "b", "c", "d"))
    answers = {"s1": ["a", "b"], "s2": ["a"], "s3": ["a", "c"], "s4": ["c", "a"], "s5": []}
    counts = option_counts(q, answers, key=["a", "b"], chart=False)
    assert bars_of(counts) == [("a", 4, True), ("b", 1, True), ("c", 2, False), ("d", 0, False)]
    # s2 earns (1 - 0) / 2; s3 and s4 (1 - 1) / 2 = 0; s5 nothing.
    assert (counts.right, counts.partly, counts.wrong) == (1, 1, 3), (
        f"got {(counts.right, counts.partly, counts.wrong)}"
    )
    assert (counts.most_common_wrong, counts.most_common_wrong_count) == ("a + c", 2), (
        f"expected 'a + c' (s3 and s4, in option order), got {counts.most_common_wrong!r}"
    )


def test_ranking_counts_each_position_and_the_reversed_order_earns_nothing():
    q = Ranking("r", "Order them", items=("x", "y", "z"))
    answers = {
        "s1": ["x", "y", "z"],
        "s2": ["x", "z", "y"],
        "s3": ["z", "y", "x"],
        "s4": ["x", "y", "z"],
    }
    counts = option_counts(q, answers, key=["x", "y", "z"], chart=False)
    assert [title for title, _ in counts.groups] == ["position 1", "position 2", "position 3"]
    assert bars_of(counts, 0) == [("x", 3, True), ("y", 0, False), ("z", 1, False)]
    assert bars_of(counts, 1) == [("x", 0, False), ("y", 3, True), ("z", 1, False)]
    assert bars_of(counts, 2) == [("x", 1, False), ("y", 1, False), ("z", 2, True)]
    # Kendall's tau: x>z>y keeps 2 of 3 pairs (1/3, partly); z>y>x keeps none (0).
    assert (counts.right, counts.partly, counts.wrong) == (2, 1, 1)
    assert counts.most_common_wrong == "x > z > y", (
        f"expected the alphabetically first of two equally common, got {counts.most_common_wrong}"
    )


def test_matching_counts_each_pair_including_items_left_unmatched():
    q = Matching("p", "Match", left=("p", "q"), right=("1", "2", "3"))
    answers = {
        "s1": {"p": "1", "q": "2"},
        "s2": {"p": "2", "q": "2"},
        "s3": {"p": "2", "q": "2"},
        "s4": {"p": "1"},
    }
    counts = option_counts(q, answers, key={"p": "1", "q": "2"}, chart=False)
    assert counts.groups[0][0] == "p" and bars_of(counts, 0) == [
        ("1", 2, True), ("2", 2, False), ("3", 0, False),
    ], f"got {bars_of(counts, 0)}"  # fmt: skip
    assert bars_of(counts, 1) == [
        ("1", 0, False), ("2", 3, True), ("3", 0, False), ("(not answered)", 1, False),
    ], f"got {bars_of(counts, 1)}"  # fmt: skip
    assert (counts.right, counts.partly, counts.wrong) == (1, 3, 0)
    assert (counts.most_common_wrong, counts.most_common_wrong_count) == ("p → 2; q → 2", 2)


def test_numeric_answers_are_counted_by_value_and_judged_with_the_tolerance():
    q = Numeric("n", "Estimate", low=0, high=1, step=0.005)
    answers = {"s1": 0.075, "s2": 0.08, "s3": 0.08, "s4": 0.0755}
    counts = option_counts(q, answers, key=0.075, tolerance=0.001, chart=False)
    assert bars_of(counts) == [("0.075", 1, None), ("0.0755", 1, None), ("0.08", 2, None)]
    assert (counts.right, counts.wrong, counts.most_common_wrong) == (2, 2, "0.08")


def test_missing_and_invalid_answers_are_counted_apart_and_no_key_judges_nothing():
    answers = {"s1": "A", "s2": None, "s3": "an option renamed since", "s4": "A"}
    counts = option_counts(RANDOM, answers, chart=False)
    assert (counts.answered, counts.unanswered, counts.invalid) == (2, 1, 1), (
        f"got {(counts.answered, counts.unanswered, counts.invalid)}"
    )
    assert bars_of(counts) == [("A", 2, None), ("B", 0, None), ("C", 0, None)]
    assert counts.right is None and counts.most_common_wrong is None, "no key, no judgement"


def test_option_chart_is_a_png_drawn_offline():
    answers, _ = synthetic_class()
    counts = option_counts(MISKEYED, answers["miskeyed"], key="wrong")
    import base64

    png = base64.b64decode(counts.chart_png)
    assert png.startswith(b"\x89PNG"), f"expected PNG bytes, got {png[:8]!r}"


# --- code questions --------------------------------------------------------------------


def test_failed_checks_group_messages_that_differ_in_numbers_and_count_learners_once():
    failures = {
        "s1": {
            "test_psi": [{"message": "AssertionError: Expected 0.5, got 0.25", "hidden": False}]
        },
        "s2": {"test_psi": [{"message": "AssertionError: Expected 0.5, got 1", "hidden": False}]},
        "s3": {
            "test_psi": [
                {"message": "AssertionError: Expected 0.5, got 0.25", "hidden": False},
                {"message": "AssertionError: Expected 0.5, got 0.25", "hidden": False},
            ]
        },
        "s4": {"test_psi": [{"message": "AssertionError: empty bins", "hidden": True}]},
        "s5": {"test_ks": ["NameError: name 'ks' is not defined"]},
    }
    checks = failed_checks(failures)
    psi = [(c.message, c.example, c.hidden, c.learners) for c in checks["test_psi"]]
    assert psi == [
        ("AssertionError: Expected #, got #", "AssertionError: Expected 0.5, got 0.25", False, 3),
        ("AssertionError: empty bins", "AssertionError: empty bins", True, 1),
    ], f"got {psi}"
    (ks,) = checks["test_ks"]
    assert (ks.hidden, ks.learners) == (None, 1), f"a bare message has hidden unknown: {ks}"


def test_a_failure_after_the_hidden_mark_is_a_hidden_check():
    source = "x = f()\nassert x == 1, 'visible'\n### BEGIN HIDDEN TESTS\nassert x != 2, 'hidden'\n"
    output = {
        "output_type": "error",
        "ename": "AssertionError",
        "evalue": "hidden",
        "traceback": [
            "\x1b[0;31m----\x1b[0m",
            "\x1b[0;31mAssertionError\x1b[0m  Traceback (most recent call last)",
            "Cell \x1b[0;32mIn[7], line 4\x1b[0m\n      2 assert x == 1\n----> 4 assert x != 2",
        ],
    }
    assert failure_from_error_output(output, source) == {
        "message": "AssertionError: hidden",
        "hidden": True,
    }
    visible = {**output, "evalue": "visible", "traceback": ["Cell In[7], line 2\n"]}
    assert failure_from_error_output(visible, source)["hidden"] is False
    unknown = {**output, "traceback": None}
    assert failure_from_error_output(unknown, source)["hidden"] is None


# --- the page --------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script>"


def test_the_page_escapes_every_learner_written_string_and_loads_nothing_from_outside():
    answers, scores = synthetic_class()
    cells = [GradedCell(c.grade_id, c.label, c.max_points) for c in CELLS]
    question = SingleChoice("hostile", "Pick", options=(HOSTILE, "fine"))
    counts = option_counts(question, {"s1": HOSTILE, "s2": HOSTILE, "s3": "fine"}, key="fine")
    checks = failed_checks({HOSTILE: {"skill_test": [f"AssertionError: {HOSTILE}"]}})
    html = render_item_analysis_page(
        f"07 {HOSTILE}", item_statistics(cells, scores), [counts], checks, {"skill_test": HOSTILE}
    )
    assert HOSTILE not in html, "expected the script tag escaped everywhere"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, "expected the escaped text shown"
    assert not re.search(r"https?://", html), "expected no URL: the page must work offline"
    assert "<script" not in html.lower() and "<link" not in html.lower(), "no scripts or links"
    assert re.findall(r'src="([^"]{0,22})', html) == ["data:image/png;base64,"], (
        "expected only embedded PNGs (the option chart and nothing else external)"
    )
    assert "probably broken" in html and "Question 1.4 · reversed key" in html
