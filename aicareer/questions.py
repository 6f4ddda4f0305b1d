"""Question kinds: what a valid answer looks like for each, and how it is scored.

Each kind knows two things and nothing about widgets or files:
``check(value)`` raises :class:`InvalidAnswer` unless ``value`` is a well-formed
answer to this question, and ``score(value, key)`` returns the fraction earned
(0 to 1) with a short message. Keys are given by the caller (a hidden test or a
practice exercise); nothing here knows a correct answer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import combinations

QUESTION_ID = re.compile(r"^\w[\w.\-]{0,63}$")
# What a wrong single choice says, in a lesson after "✗ Not yet." and in a check after
# "Question 1.2:": what is wrong, without a second "not" and without naming the key.
WRONG_CHOICE = "Another option fits better."
MAX_TEXT = 500
MAX_ITEMS = 50


class InvalidAnswer(ValueError):
    """An answer that is not of the shape its question accepts."""


def check_question_id(question_id: str) -> str:
    """Return ``question_id`` if it is a usable id (letters, digits, ``.``, ``-``, ``_``)."""
    if not isinstance(question_id, str) or not QUESTION_ID.match(question_id):
        raise InvalidAnswer(
            f"{question_id!r} is not a question id: use 1 to 64 letters, digits, '.', '-' or '_'."
        )
    return question_id


def _check_label(value, what: str = "an option") -> str:
    if not isinstance(value, str):
        raise InvalidAnswer(f"expected {what} as text, got {type(value).__name__}")
    if len(value) > MAX_TEXT:
        raise InvalidAnswer(f"{what} is longer than {MAX_TEXT} characters")
    return value


def _check_distinct_labels(value, what: str) -> list[str]:
    if not isinstance(value, list):
        raise InvalidAnswer(f"expected a list of {what}, got {type(value).__name__}")
    if len(value) > MAX_ITEMS:
        raise InvalidAnswer(f"expected at most {MAX_ITEMS} {what}, got {len(value)}")
    labels = [_check_label(item, what) for item in value]
    if len(set(labels)) != len(labels):
        raise InvalidAnswer(f"the list of {what} names an entry twice")
    return labels


def _check_number(value) -> float:
    # bool is a subclass of int in Python, but True is never a sensible estimate.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidAnswer(f"expected a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise InvalidAnswer(f"expected a finite number, got {value}")
    return float(value)


def check_shape(kind: str, value):
    """Check ``value`` against the shape every answer of ``kind`` has, without options.

    Used when an answer sheet is read, before the questions themselves are known.
    """
    if kind not in KINDS:
        raise InvalidAnswer(f"unknown question kind {kind!r}; known kinds: {', '.join(KINDS)}")
    if kind == "single":
        return _check_label(value)
    if kind in ("multiple", "ranking"):
        return _check_distinct_labels(value, "options" if kind == "multiple" else "items")
    if kind == "numeric":
        return _check_number(value)
    # matching
    if not isinstance(value, dict):
        raise InvalidAnswer(f"expected an object of pairs, got {type(value).__name__}")
    if len(value) > MAX_ITEMS:
        raise InvalidAnswer(f"expected at most {MAX_ITEMS} pairs, got {len(value)}")
    return {_check_label(k, "an item"): _check_label(v, "a match") for k, v in value.items()}


@dataclass(frozen=True)
class Question:
    """Common fields: an id, the prompt shown to the learner, and the kind."""

    id: str
    prompt: str
    kind: str = field(init=False, default="")

    def __post_init__(self):
        check_question_id(self.id)

    def check(self, value):
        """Return ``value`` if it is a well-formed answer to this question, else raise."""
        return check_shape(self.kind, value)

    def score(self, value, key) -> tuple[float, str]:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class SingleChoice(Question):
    """Pick exactly one option."""

    options: tuple[str, ...] = ()
    kind: str = field(init=False, default="single")

    def check(self, value):
        value = check_shape(self.kind, value)
        if value not in self.options:
            raise InvalidAnswer(f"{value!r} is not one of the options {list(self.options)}")
        return value

    def score(self, value, key):
        return (1.0, "Right.") if value == key else (0.0, WRONG_CHOICE)


@dataclass(frozen=True)
class MultipleChoice(Question):
    """Pick every option that applies; partial credit."""

    options: tuple[str, ...] = ()
    kind: str = field(init=False, default="multiple")

    def check(self, value):
        value = check_shape(self.kind, value)
        unknown = [v for v in value if v not in self.options]
        if unknown:
            raise InvalidAnswer(f"{unknown[0]!r} is not one of the options {list(self.options)}")
        # Keep the order of the options so equal answers are stored identically.
        return [o for o in self.options if o in value]

    def score(self, value, key):
        """Right picks minus wrong picks, over the number of right options (never below 0)."""
        chosen, right = set(value), set(key)
        hits, false_alarms = len(chosen & right), len(chosen - right)
        fraction = max(0.0, (hits - false_alarms) / len(right)) if right else float(not chosen)
        missed = len(right - chosen)
        return fraction, (
            f"{hits} of {len(right)} right options chosen, {false_alarms} chosen that do not "
            f"apply, {missed} left out."
        )


@dataclass(frozen=True)
class Numeric(Question):
    """An estimate within a range; scored with a tolerance around the key."""

    low: float = 0.0
    high: float = 1.0
    step: float = 0.1
    unit: str = ""
    kind: str = field(init=False, default="numeric")

    def check(self, value):
        value = check_shape(self.kind, value)
        if not self.low <= value <= self.high:
            raise InvalidAnswer(f"{value} is outside the range {self.low} to {self.high}")
        return value

    def score(self, value, key, tolerance: float = 0.0):
        if abs(value - key) <= tolerance + 1e-9:
            return 1.0, "Within the tolerance."
        direction = "high" if value > key else "low"
        return 0.0, f"{value:g}{self.unit} is too {direction}."


@dataclass(frozen=True)
class Ranking(Question):
    """Put every item in order, first to last; partial credit by pairs in the right order."""

    items: tuple[str, ...] = ()
    kind: str = field(init=False, default="ranking")

    def check(self, value):
        value = check_shape(self.kind, value)
        if sorted(value) != sorted(self.items):
            raise InvalidAnswer(f"a ranking must list each of {list(self.items)} exactly once")
        return value

    def score(self, value, key):
        """Kendall's tau between the two orders, floored at 0: a random order earns about 0."""
        position = {item: i for i, item in enumerate(value)}
        pairs = list(combinations(key, 2))
        agree = sum(position[a] < position[b] for a, b in pairs)
        tau = (2 * agree - len(pairs)) / len(pairs) if pairs else 1.0
        return max(0.0, tau), f"{agree} of {len(pairs)} pairs are in the right order."


@dataclass(frozen=True)
class Matching(Question):
    """Match each item on the left with one on the right; partial credit per pair."""

    left: tuple[str, ...] = ()
    right: tuple[str, ...] = ()
    kind: str = field(init=False, default="matching")

    def check(self, value):
        value = check_shape(self.kind, value)
        for item, match in value.items():
            if item not in self.left:
                raise InvalidAnswer(f"{item!r} is not one of the items {list(self.left)}")
            if match not in self.right:
                raise InvalidAnswer(f"{match!r} is not one of the choices {list(self.right)}")
        return {item: value[item] for item in self.left if item in value}

    def score(self, value, key):
        """Pairs matched right, minus a share for each matched wrong, over all pairs.

        With ``k`` choices on the right, a wrong pair costs ``1 / (k - 1)`` of a right one,
        so guessing (the same choice for every item, or choices at random) earns about 0;
        with two choices, each wrong pair cancels a right one. Items left unmatched count
        neither way. Never below 0.
        """
        right = sum(value.get(item) == match for item, match in key.items())
        wrong = sum(item in value and value[item] != match for item, match in key.items())
        cost = 1 / (len(self.right) - 1) if len(self.right) > 1 else 0.0
        fraction = max(0.0, (right - cost * wrong) / len(key))
        message = f"{right} of {len(key)} pairs matched correctly, {wrong} matched wrongly"
        unmatched = sum(item not in value for item in key)
        if unmatched:
            message += f", {unmatched} not matched yet"
        return fraction, message + "."


KINDS = ("single", "multiple", "numeric", "ranking", "matching")
