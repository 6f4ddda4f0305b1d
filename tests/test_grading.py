"""Scoring in test cells: points earned, hints, partial credit, nothing on stderr."""

import warnings

import pytest

from aicareer import AnswerMissing, Assignment, Practice, WrongAnswer
from aicareer.questions import Matching, MultipleChoice, Numeric, Ranking, SingleChoice

NAME = "04-scoping-under-uncertainty"


@pytest.fixture
def hw(tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return Assignment(NAME, folder=tmp_path)


def test_single_choice_right_earns_all_points(hw):
    hw.single_choice("6.1", "Plan?", ["Aim first", "Fire first"])
    hw.widgets["6.1"].value = "Aim first"
    assert hw.grade("6.1", "Aim first", points=2) == 2


def test_single_choice_wrong_raises_the_matching_hint(hw):
    hw.single_choice("6.1", "Plan?", ["Aim first", "Fire first"])
    hw.widgets["6.1"].value = "Fire first"
    with pytest.raises(WrongAnswer, match="A failed launch costs"):
        hw.grade("6.1", "Aim first", points=1, hints={"Fire first": "A failed launch costs..."})


def test_missing_answer_raises_with_guidance(hw):
    hw.single_choice("6.1", "Plan?", ["Aim first", "Fire first"])
    with pytest.raises(AnswerMissing, match="no saved answer.*must be handed in"):
        hw.grade("6.1", "Aim first", points=1)
    with pytest.raises(AnswerMissing, match="has not been asked"):
        hw.require("7.7")


def test_multiple_choice_partial_credit_in_points(hw, capsys):
    hw.multiple_choice("2.2", "Which?", ["a", "b", "c", "d"])
    hw.widgets["2.2"].value = ["a"]
    assert hw.grade("2.2", ["a", "b"], points=2) == 1.0
    assert "partly right" in capsys.readouterr().out
    hw.widgets["2.2"].value = ["a", "b", "c"]
    assert hw.grade("2.2", ["a", "b"], points=2) == 1.0, "a wrong tick cancels a right one"
    hw.widgets["2.2"].value = ["c", "d"]
    with pytest.raises(WrongAnswer):
        hw.grade("2.2", ["a", "b"], points=2)


def test_numeric_tolerance_is_inclusive(hw):
    hw.numeric("4.2", "Week?", 0, 40, 1)
    for value, earns in [(17, 2), (18, 2), (16, 2), (19, None), (15, None)]:
        hw.widgets["4.2"].value = value
        if earns is None:
            with pytest.raises(WrongAnswer, match="too (high|low)"):
                hw.grade("4.2", 17, points=2, tolerance=1)
        else:
            assert hw.grade("4.2", 17, points=2, tolerance=1) == earns


def test_ranking_scores_by_pairs_in_order():
    q = Ranking("r", "Order", items=("a", "b", "c", "d"))
    assert q.score(["a", "b", "c", "d"], ["a", "b", "c", "d"])[0] == 1
    assert q.score(["b", "a", "c", "d"], ["a", "b", "c", "d"])[0] == pytest.approx(4 / 6)
    assert q.score(["d", "c", "b", "a"], ["a", "b", "c", "d"])[0] == 0


def test_matching_scores_per_pair():
    q = Matching("m", "Match", left=("x", "y"), right=("A", "B"))
    assert q.score({"x": "A"}, {"x": "A", "y": "B"})[0] == 0.5
    assert q.score({"x": "B", "y": "A"}, {"x": "A", "y": "B"})[0] == 0


def test_guessing_earns_nothing():
    """The same choice for every item, or every box ticked, earns 0 when the question has
    as many wrong options as right ones; a wrong pair costs 1/(k - 1) of a right one."""
    two = Matching("m", "Match", left=("w", "x", "y", "z"), right=("A", "B"))
    key = {"w": "A", "x": "B", "y": "A", "z": "B"}
    assert two.score(dict.fromkeys(key, "A"), key)[0] == 0
    assert two.score({"w": "A", "x": "B", "y": "A", "z": "A"}, key)[0] == pytest.approx(2 / 4)
    assert two.score({"w": "A"}, key)[0] == pytest.approx(1 / 4), "unmatched items cost nothing"
    three = Matching("m", "Match", left=("x", "y"), right=("A", "B", "C"))
    assert three.score({"x": "A", "y": "C"}, {"x": "A", "y": "B"})[0] == pytest.approx(1 / 4)
    ticks = MultipleChoice("c", "Which?", options=("a", "b", "c", "d"))
    assert ticks.score(["a", "b", "c", "d"], ["a", "b"])[0] == 0


def test_multiple_choice_hints_speak_only_of_wrong_ticks(hw):
    """An empty or wrong answer must not collect hints that name the right options: a
    hint keyed by a right option never shows in a graded check; how many right options
    are missing is said, not which."""
    from aicareer.grading import assess

    question = MultipleChoice("c", "Which?", options=("a", "b", "c", "d"))
    key = ["a", "b"]
    hints = {"a": "a is true.", "b": "b is also true.", "c": "c never holds.", "d": "d is not."}
    fraction, message = assess(question, [], key, hints=hints)
    assert fraction == 0 and "true" not in message and "never" not in message
    assert "0 of 2 right options chosen" in message and "2 left out" in message
    message = assess(question, ["a", "c"], key, hints=hints)[1]
    assert "c never holds." in message and "b is also" not in message and "d is" not in message
    assert "1 left out" in message and "1 chosen that does not apply" in message, message
    hw.multiple_choice("2.2", "Which?", ["a", "b", "c", "d"])
    hw.answer("2.2", [])
    with pytest.raises(WrongAnswer) as raised:
        hw.grade("2.2", key, points=2, hints=hints)
    assert "true" not in str(raised.value) and "2 left out" in str(raised.value)


def test_practice_may_hint_at_a_right_option_left_out(tmp_path, monkeypatch):
    """A lesson's practice is not graded: once tried, its hint can explain a missed option."""
    monkeypatch.chdir(tmp_path)
    practice = Practice()
    practice.multiple_choice(
        "p", "Which?", ["a", "b", "c"], correct=["a", "b"], hints={"b": "b is also true."}
    )
    practice.widgets["p"].value = ["a"]
    assert "b is also true" in practice.widgets["p"].feedback.value


def test_single_choice_wording_lives_in_one_place():
    from aicareer.grading import assess
    from aicareer.questions import WRONG_CHOICE

    question = SingleChoice("s", "?", options=("a", "b"))
    assert question.score("b", "a") == (0.0, WRONG_CHOICE)
    assert assess(question, "b", "a") == (0.0, WRONG_CHOICE)
    assert assess(question, "b", "a", hints={"b": "b is late."})[1] == f"{WRONG_CHOICE} b is late."


def test_partly_matched_answer_counts_the_pairs_not_matched_yet():
    question = Matching("m", "Match", left=tuple("vwxyz"), right=("A", "B"))
    key = {"v": "A", "w": "B", "x": "A", "y": "B", "z": "A"}
    _, message = question.score({"v": "A"}, key)
    assert message == "1 of 5 pairs matched correctly, 0 matched wrongly, 4 not matched yet."
    _, message = question.score(dict(key), key)
    assert "not matched yet" not in message


def test_scoring_kinds_reject_answers_of_the_wrong_shape():
    with pytest.raises(ValueError):
        SingleChoice("s", "?", options=("a",)).check(["a"])
    with pytest.raises(ValueError):
        MultipleChoice("m", "?", options=("a",)).check(["z"])
    with pytest.raises(ValueError):
        Numeric("n", "?", low=0, high=1).check(2)
    with pytest.raises(ValueError):
        Ranking("r", "?", items=("a", "b")).check(["a"])


def test_invalid_key_is_an_instructor_error(hw):
    hw.single_choice("6.1", "Plan?", ["Aim first", "Fire first"])
    hw.widgets["6.1"].value = "Aim first"
    with pytest.raises(ValueError, match="key of question '6.1'"):
        hw.grade("6.1", "Aim", points=1)


def test_grading_never_writes_to_stderr(hw, capsys):
    hw.numeric("4.2", "Week?", 0, 40, 1)
    hw.widgets["4.2"].value = 17
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # a warning raised while grading would reach stderr
        assert hw.grade("4.2", 17, points=1, tolerance=0) == 1
        hw.widgets["4.2"].value = 16
        with pytest.raises(WrongAnswer):
            hw.grade("4.2", 17, points=1, tolerance=0)
    assert capsys.readouterr().err == ""


def test_hints_reach_numeric_and_matching_mistakes(hw):
    hw.numeric("4.2", "Week?", 0, 40, 1)
    hw.widgets["4.2"].value = 30
    with pytest.raises(WrongAnswer, match="read the 80th percentile"):
        hw.grade("4.2", 17, points=1, tolerance=1, hints={"high": "read the 80th percentile"})
    hw.matching("3.2", "Match", ["x", "y"], ["A", "B"])
    hw.widgets["3.2"].value = {"x": "A", "y": "A"}
    with pytest.raises(WrongAnswer, match="y is a B"):
        hw.grade("3.2", {"x": "A", "y": "B"}, points=2, hints={"y": "y is a B."})


def test_practice_partial_feedback_keeps_its_hint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    practice = Practice()
    practice.multiple_choice(
        "p", "Which?", ["a", "b", "c"], correct=["a", "b"], hints={"c": "c is never true."}
    )
    practice.widgets["p"].value = ["a", "b", "c"]
    assert "Partly right" in practice.widgets["p"].feedback.value
    assert "c is never true" in practice.widgets["p"].feedback.value
    practice.widgets["p"].value = ["c"]
    assert "Not yet" in practice.widgets["p"].feedback.value


def test_matching_hint_is_not_shown_for_an_item_not_yet_answered():
    from aicareer.grading import assess

    question = Matching("m", "Match", left=("x", "y"), right=("A", "B"))
    fraction, message = assess(question, {"x": "A"}, {"x": "A", "y": "B"}, hints={"y": "y is B"})
    assert fraction == 0.5 and "y is B" not in message
    fraction, message = assess(
        question, {"x": "A", "y": "A"}, {"x": "A", "y": "B"}, hints={"y": "y is B"}
    )
    assert "y is B" in message


def test_a_typed_number_off_the_sliders_steps_is_refused_with_the_nearest_steps(hw):
    """A number typed with ``hw.answer`` between two of the slider's steps is not saved:
    the key and its tolerance are set on the steps, so it would be graded against a grid
    the learner never saw."""
    hw.numeric("1.2", "Hours per week?", low=0, high=10, step=0.25)
    with pytest.raises(ValueError) as refused:
        hw.answer("1.2", 2.6)
    said = str(refused.value)
    assert "Question 1.2: 2.6 is between two steps of the slider" in said, said
    assert "the nearest are 2.5 and 2.75" in said, said
    assert "1.2" not in hw.sheet.answers, "expected nothing saved"
    hw.answer("1.2", 2.75)
    assert hw.value_of("1.2") == 2.75
