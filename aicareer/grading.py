"""Scoring a saved answer inside an nbgrader test cell.

nbgrader scores a test cell zero when it raises or writes to stderr, and reads a
number left as the cell's value as the *points* earned (at most the cell's
points). So :func:`points_earned` raises a hint when nothing is earned, and
otherwise returns ``fraction * points`` for the cell to end with.
"""

from __future__ import annotations

import warnings

from .questions import InvalidAnswer, Question


class _CheckFailed(AssertionError):
    """A failed check whose notebook display is its message alone.

    IPython shows ``_render_traceback_()`` instead of the full traceback, so a learner
    reads one sentence about their answer, not a stack of frames inside this package.
    """

    def _render_traceback_(self):
        return [f"{type(self).__name__}: {self}"]


class AnswerMissing(_CheckFailed):
    """No usable answer was saved for a question."""


class WrongAnswer(_CheckFailed):
    """The saved answer earns nothing."""


def assess(
    question: Question,
    value,
    key,
    tolerance: float | None = None,
    hints: dict | None = None,
    *,
    hint_missed: bool = False,
) -> tuple[float, str]:
    """Score ``value`` against ``key``: the fraction earned (0 to 1) and a message.

    The message carries the hint for this particular mistake when ``hints`` has one:
    keyed by the chosen option (single choice), by an option wrongly ticked (multiple
    choice), by ``"high"`` or ``"low"`` (numeric), or by a wrongly matched item
    (matching). A hint speaks only about what the learner chose: the message may say how
    many right options or pairs are missing, never which, so that handing in an empty or
    wrong answer does not reveal the key. Only a lesson's practice, whose key is no
    secret once tried, sets ``hint_missed`` to add the hints of right options left
    unticked.
    """
    with warnings.catch_warnings():
        # A warning would reach stderr, and nbgrader scores any stderr as zero.
        warnings.simplefilter("ignore")
        try:
            key = question.check(key)
        except InvalidAnswer as error:
            raise ValueError(f"the key of question {question.id!r} is not valid: {error}") from None
        fraction, message = question.score(value, key, tolerance=tolerance or 0.0)
    if fraction < 1:
        hint = question.hint(value, key, hints or {}, hint_missed)
        message = f"{message} {hint}".strip() if hint else message
    return fraction, message


def points_earned(
    question: Question,
    value,
    key,
    points: float,
    tolerance: float | None = None,
    hints: dict | None = None,
) -> float:
    """Score ``value`` against ``key`` and return the points earned, for a test cell.

    Args:
        question: the question asked.
        value: the learner's answer, already checked against the question.
        key: the correct answer (it lives only in a hidden test).
        points: the points of the test cell; the result is at most this.
        tolerance: for numeric questions, how far from the key still counts as right.
        hints: messages for particular mistakes (see :func:`assess`).

    Raises:
        WrongAnswer: with the hint, when the answer earns nothing.
    """
    fraction, message = assess(question, value, key, tolerance, hints)
    if fraction <= 0:
        raise WrongAnswer(f"Question {question.id}: {message} Have another look and try again.")
    if fraction < 1:
        print(f"Question {question.id}: partly right. {message}")
    return round(fraction * points, 6)
