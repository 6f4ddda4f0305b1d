"""Scoring a saved answer inside an nbgrader test cell.

nbgrader scores a test cell zero when it raises or writes to stderr, and reads a
number left as the cell's value as the *points* earned (at most the cell's
points). So :func:`points_earned` raises a hint when nothing is earned, and
otherwise returns ``fraction * points`` for the cell to end with.
"""

from __future__ import annotations

import warnings

from .questions import InvalidAnswer, Question


class AnswerMissing(AssertionError):
    """No usable answer was saved for a question."""


class WrongAnswer(AssertionError):
    """The saved answer earns nothing."""


def points_earned(
    question: Question,
    value,
    key,
    points: float,
    tolerance: float | None = None,
    hints: dict | None = None,
) -> float:
    """Score ``value`` against ``key`` and return the points earned.

    Args:
        question: the question asked.
        value: the learner's answer, already checked against the question.
        key: the correct answer (it lives only in a hidden test).
        points: the points of the test cell; the result is at most this.
        tolerance: for numeric questions, how far from the key still counts as right.
        hints: optional messages for particular wrong answers, keyed by the answer
            (for single choice) or by a wrong option that was chosen (multiple choice).

    Raises:
        WrongAnswer: with a hint, when the answer earns nothing.
    """
    with warnings.catch_warnings():
        # A warning would reach stderr, and nbgrader scores any stderr as zero.
        warnings.simplefilter("ignore")
        try:
            key = question.check(key)
        except InvalidAnswer as error:
            raise ValueError(f"the key of question {question.id!r} is not valid: {error}") from None
        if question.kind == "numeric":
            fraction, message = question.score(value, key, tolerance=tolerance or 0.0)
        else:
            fraction, message = question.score(value, key)
    hint = _pick_hint(question, value, key, hints or {})
    if fraction <= 0:
        raise WrongAnswer(
            f"Question {question.id}: {hint or message} Have another look and try again."
        )
    if fraction < 1:
        print(f"Question {question.id}: partly right. {message}" + (f" {hint}" if hint else ""))
    return round(fraction * points, 6)


def _pick_hint(question: Question, value, key, hints: dict) -> str:
    if question.kind == "single":
        return hints.get(value, "")
    if question.kind == "multiple":
        wrong = [option for option in value if option not in key and option in hints]
        return " ".join(hints[option] for option in wrong)
    return ""
