"""The registry of question kinds: each kind carries its own asking method, checks, wording
and guesses, and questions are built one way whether a notebook runs or is read."""

import ast
import inspect
import json

import pytest

from aicareer import Assignment, Practice
from aicareer.answers import AnswerSheetError, parse_sheet
from aicareer.notebook_status import build_question, literal_questions
from aicareer.questions import (
    ASKING_METHODS,
    KINDS,
    QUESTION_KINDS,
    InvalidAnswer,
    Matching,
    MultipleChoice,
    Numeric,
    Ranking,
    SingleChoice,
    check_shape,
    kind_named,
    question_asked,
)
from aicareer.widgets import WIDGET_FOR_KIND

# One literal call per kind, as a notebook writes it, with an answer it accepts.
CALLS = {
    "single": ('hw.single_choice("1.1", "Pick one", ["a", "b", "c"])', "b"),
    "multiple": ('hw.multiple_choice("1.2", "Tick all", ["a", "b", "c"])', ["a", "c"]),
    "numeric": ('hw.numeric("1.3", "How many?", 0, 10, 0.5, unit=" weeks")', 2.5),
    "ranking": ('hw.ranking("1.4", "Order", ["x", "y", "z"])', ["z", "x", "y"]),
    "matching": ('hw.matching("1.5", "Match", ["p", "q"], ["A", "B"])', {"p": "B"}),
}
# The notebooks' API: these signatures are what authors write and what the grader binds.
SIGNATURES = {
    "single_choice": "(self, question_id: 'str', prompt: 'str', options, **extra)",
    "multiple_choice": "(self, question_id: 'str', prompt: 'str', options, **extra)",
    "numeric": (
        "(self, question_id: 'str', prompt: 'str', low: 'float', high: 'float', "
        "step: 'float', unit: 'str' = '', slider: 'bool' = True, on_change=None, **extra)"
    ),
    "ranking": "(self, question_id: 'str', prompt: 'str', items, **extra)",
    "matching": "(self, question_id: 'str', prompt: 'str', left, right, **extra)",
}


def call_of(source: str) -> ast.Call:
    return ast.parse(source).body[0].value


def test_every_kind_has_its_own_name_asking_method_and_widget():
    names = [kind.kind for kind in QUESTION_KINDS]
    methods = [kind.asking_method for kind in QUESTION_KINDS]
    assert len(set(names)) == len(names) == len(set(methods)), f"duplicates in {names} {methods}"
    assert KINDS == ("single", "multiple", "numeric", "ranking", "matching"), KINDS
    assert ASKING_METHODS == tuple(SIGNATURES), (
        f"expected {tuple(SIGNATURES)}, got {ASKING_METHODS}"
    )
    missing = [name for name in names if name not in WIDGET_FOR_KIND]
    assert not missing, f"kinds without a widget: {missing}"
    for name, widget in WIDGET_FOR_KIND.items():
        assert widget.question_type.kind == name, f"{widget.__name__} shows {name}"


@pytest.mark.parametrize("binder", [Assignment, Practice])
@pytest.mark.parametrize("method", list(SIGNATURES))
def test_asking_methods_keep_the_notebooks_signatures(binder, method):
    signature = str(inspect.signature(getattr(binder, method)))
    assert signature == SIGNATURES[method], f"expected {SIGNATURES[method]}, got {signature}"
    asked = next(kind for kind in QUESTION_KINDS if kind.asking_method == method).asked
    assert getattr(binder, method).__doc__ == asked.__doc__, "the docstring is the kind's"
    assert getattr(binder, method).__name__ == method


@pytest.mark.parametrize("kind", KINDS)
def test_a_running_binder_and_the_notebook_reader_build_the_same_question(
    kind, tmp_path, monkeypatch
):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    source, answer = CALLS[kind]
    hw = Assignment("07-job-search", folder=tmp_path)
    eval(source, {"hw": hw})  # the notebook's own line, run against a real binder
    (asked,) = hw.questions.values()
    rebuilt = build_question(call_of(source).func.attr, call_of(source), {})
    assert rebuilt == asked, f"expected {asked}, got {rebuilt}"
    assert asked.kind == kind and type(hw.widgets[asked.id]) is WIDGET_FOR_KIND[kind]
    assert asked.check(answer) is not None


def test_question_asked_separates_the_question_from_the_widget_options():
    question, options = question_asked(
        "numeric", "2.1", "Weeks?", 0, 20, 1, " weeks", False, correct=4
    )
    assert question == Numeric(
        "2.1", "Weeks?", low=0.0, high=20.0, step=1.0, unit=" weeks", slider=False
    )
    assert options == {"on_change": None, "slider": False, "correct": 4}, options
    question, options = question_asked("ranking", "2.2", "Order", ("b", "a"), on_change=print)
    assert question == Ranking("2.2", "Order", items=("b", "a")) and options == {
        "on_change": print
    }, (question, options)


def test_question_asked_refuses_a_method_that_asks_nothing():
    with pytest.raises(ValueError, match="'grade' asks no question"):
        question_asked("grade", "1.1", "key", 1)


def test_literal_questions_reads_every_literal_call_and_skips_the_rest():
    nb = {
        "cells": [
            {"cell_type": "code", "source": 'KINDS = ["a", "b"]\nhw = None'},
            {"cell_type": "markdown", "source": 'hw.single_choice("9.9", "in prose", ["a"])'},
            {
                "cell_type": "code",
                "source": [
                    'hw.single_choice("1.1", "Pick", KINDS)\n',
                    'hw.ranking("1.2", "Order", sorted(KINDS))\n',
                    "%matplotlib inline\n",
                    'hw.matching("1.3", "Match", ["p"], ["A", "B"])\n',
                    'hw.numeric("1.4", "How many?", 0, 10, 1, on_change=redraw)\n',
                ],
            },
            {"cell_type": "code", "source": 'practice.single_choice("1.1", "Again", ["c", "d"])'},
        ]
    }
    questions = literal_questions(nb)
    assert sorted(questions) == ["1.1", "1.3"], f"expected 1.1 and 1.3, got {sorted(questions)}"
    assert questions["1.1"] == SingleChoice("1.1", "Again", options=("c", "d")), "later call wins"
    assert questions["1.3"] == Matching("1.3", "Match", left=("p",), right=("A", "B"))


@pytest.mark.parametrize("kind", [["single"], {"single": 1}, None, 3, "essay"])
def test_a_sheet_entry_of_an_unknown_kind_is_refused_by_name(kind, tmp_path):
    with pytest.raises(InvalidAnswer, match="known kinds: single, multiple, numeric"):
        kind_named(kind)
    sheet = {
        "format": "aicareer-answers",
        "version": 1,
        "assignment": "x",
        "answers": {"1.1": {"kind": kind, "value": "a", "saved": "2026-01-01T00:00:00+00:00"}},
    }
    with pytest.raises(AnswerSheetError, match=r"question '1\.1': unknown question kind"):
        parse_sheet(tmp_path / "x.answers.json", json.dumps(sheet).encode())


def test_shape_checks_belong_to_each_kind():
    assert check_shape("multiple", ["a", "b"]) == ["a", "b"]
    assert check_shape("numeric", 3) == 3.0
    with pytest.raises(InvalidAnswer, match="expected a list of items, got str"):
        check_shape("ranking", "a")
    with pytest.raises(InvalidAnswer, match="expected an object of pairs, got list"):
        check_shape("matching", [])


def test_each_kind_words_and_hints_its_own_answers():
    numeric = Numeric("1", "n", low=0, high=10, step=1, unit="%")
    matching = Matching("2", "m", left=("p", "q"), right=("A", "B"))
    multiple = MultipleChoice("3", "t", options=("a", "b", "c"))
    assert numeric.answer_shape() == "<a number from 0 to 10>"
    assert matching.choices() == ("p", "q", "matched with one of:", "A", "B")
    assert Numeric.describe(2.5, "%") == "2.5%"
    assert MultipleChoice.describe([]) == "nothing ticked"
    assert Ranking.describe(["x", "y"]) == "1. x, 2. y"
    assert SingleChoice.describe("a") == "a"
    assert MultipleChoice.nothing_chosen([]) and not Matching.nothing_chosen({})
    assert matching.leaves_open({"p": "A"}) and not matching.leaves_open({"p": "A", "q": "B"})
    assert numeric.hint(8, 5, {"high": "Too many.", "low": "Too few."}) == "Too many."
    hints = {"a": "A is wrong.", "b": "B is right."}
    assert multiple.hint(["a"], ["b"], hints) == "A is wrong.", "a missed option stays unnamed"
    assert multiple.hint(["a"], ["b"], hints, hint_missed=True) == "A is wrong. B is right."
    assert Ranking("4", "r", items=("x", "y")).hint(["y", "x"], ["x", "y"], {"x": "no"}) == ""


@pytest.mark.parametrize("kind", KINDS)
def test_every_guess_is_an_answer_its_question_accepts(kind):
    source, _ = CALLS[kind]
    question = build_question(call_of(source).func.attr, call_of(source), {})
    for description, answer in question.guesses():
        assert question.check(answer) == answer, f"{kind}: {description} gives {answer!r}"


def test_guesses_are_the_answers_that_need_no_knowledge():
    matching = Matching("1", "m", left=("p", "q"), right=("A", "B"))
    assert [answer for _, answer in matching.guesses()] == [
        {"p": "A", "q": "A"},
        {"p": "B", "q": "B"},
        {"p": "A", "q": "B"},
    ]
    assert MultipleChoice("2", "t", options=("a", "b")).guesses() == [
        ("ticking every option", ["a", "b"])
    ]
    assert Ranking("3", "r", items=("y", "x")).guesses() == [
        ("leaving the items in the order shown", ["y", "x"])
    ]
    assert SingleChoice("4", "s", options=("a",)).guesses() == []
    assert Numeric("5", "n").guesses() == []


def test_a_typed_number_must_be_one_a_slider_can_give():
    """``hw.answer`` takes a typed number only on the slider's steps (the key and its
    tolerance are set on them); a text box takes any number in its range, and a key may
    lie between two steps."""
    slider = Numeric("1.2", "Hours?", low=0.0, high=10.0, step=0.25)
    assert slider.check_typed(2.75) == 2.75 and slider.check_typed(3) == 3.0
    assert Numeric("1", "p", low=0.0, high=1.0, step=0.1).check_typed(0.30000000000000004)
    with pytest.raises(InvalidAnswer) as off:
        slider.check_typed(2.6)
    assert "the nearest are 2.5 and 2.75" in str(off.value), str(off.value)
    assert slider.check(2.6) == 2.6, "expected a key between two steps accepted"
    text_box = Numeric("1.2", "Hours?", low=0.0, high=10.0, step=0.25, slider=False)
    assert text_box.check_typed(2.6) == 2.6
