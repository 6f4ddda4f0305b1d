"""Question kinds: each kind is one class that owns everything particular to it.

A kind knows nothing about widgets or files. Its class says:

* how it is asked: the binder's method name (:attr:`Question.asking_method`, e.g.
  ``single_choice``) and the arguments of that method (:meth:`Question.asked`, whose
  signature and docstring *are* the method's, see :mod:`aicareer.binder`);
* what an answer looks like: :meth:`~Question.check_shape` (any answer of the kind,
  used when a sheet is read before its questions are known) and :meth:`~Question.check`
  (an answer to this question, with its options);
* how an answer is scored and hinted: :meth:`~Question.score` returns the fraction
  earned (0 to 1) with a short message, :meth:`~Question.hint` picks the author's hint
  for the mistake made;
* how it reads as text: :meth:`~Question.answer_shape` (the placeholder in
  ``hw.answer(...)``), :meth:`~Question.choices` (its options as lines),
  :meth:`~Question.describe` (a saved answer in words), and whether an answer is still
  empty (:meth:`~Question.nothing_chosen`) or only part done (:meth:`~Question.leaves_open`);
* what someone knowing nothing could answer (:meth:`~Question.guesses`), so that a
  release can check guessing earns nothing.

Keys are given by the caller (a hidden test or a practice exercise); nothing here knows a
correct answer. Every question is built by :func:`question_asked`: the binder's asking
methods and the readers of a notebook on disk alike.

To add a kind: write its class here and list it in :data:`QUESTION_KINDS`, then write
its widget in :mod:`aicareer.widgets` (it registers itself by its ``question_type``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import combinations
from typing import ClassVar

QUESTION_ID = re.compile(r"^\w[\w.\-]{0,63}$")
# What a wrong single choice says, in a lesson after "✗ Not yet." and in a check after
# "Question 1.2:": what is wrong, without a second "not" and without naming the key.
WRONG_CHOICE = "Another option fits better."
MAX_TEXT = 500
MAX_ITEMS = 50


class InvalidAnswer(ValueError):
    """An answer that is not of the shape its question accepts."""


# The line of a question widget's plain text that names the answer saved when its cell
# ran; the grader's feedback page looks for it.
SAVED_ANSWER_LABEL = "Answer saved when this cell ran:"


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


@dataclass(frozen=True)
class Question:
    """Common fields: an id, the prompt shown to the learner, and the kind.

    Subclasses set ``kind`` (the name stored in the answer sheet) and ``asking_method``
    (the binder's method that asks it), and override what differs from the defaults here.
    """

    id: str
    prompt: str
    kind: str = field(init=False, default="")
    asking_method: ClassVar[str] = ""

    def __post_init__(self):
        check_question_id(self.id)

    @classmethod
    def asked(cls, question_id: str, prompt: str, **extra):  # pragma: no cover - abstract
        """Build the question from the asking method's arguments.

        Returns ``(question, options)``: the options are what the method passes on to
        the binder and the widget (``on_change``, a practice key...).
        """
        raise NotImplementedError

    @classmethod
    def check_shape(cls, value):  # pragma: no cover - abstract
        """Return ``value`` if it has the shape every answer of this kind has, else raise
        :class:`InvalidAnswer`. Options are not known here."""
        raise NotImplementedError

    def check(self, value):
        """Return ``value`` if it is a well-formed answer to this question, else raise."""
        return self.check_shape(value)

    def check_typed(self, value):
        """:meth:`check` for an answer typed with ``hw.answer``: also one the widget could
        have given (the same as ``check`` unless a kind says otherwise)."""
        return self.check(value)

    def score(self, value, key, tolerance: float = 0.0) -> tuple[float, str]:  # pragma: no cover
        """The fraction of the points ``value`` earns against ``key`` (0 to 1), and why.

        ``tolerance`` is how far from the key still counts as right, for the kinds whose
        answers have a distance (numbers); the others ignore it.
        """
        raise NotImplementedError

    def hint(self, value, key, hints: dict, hint_missed: bool = False) -> str:
        """The author's hint for the mistake in ``value`` (see :func:`aicareer.grading.assess`
        for what ``hints`` is keyed by), or ''. None by default."""
        return ""

    def answer_shape(self) -> str:  # pragma: no cover - abstract
        """The answer as typed in ``hw.answer(...)``, with placeholders so no example
        reads as a suggestion."""
        raise NotImplementedError

    def choices(self) -> tuple[str, ...]:
        """The options as plain lines, for places where widgets do not show."""
        return ()

    @classmethod
    def describe(cls, value, unit: str = "") -> str:
        """A saved answer in plain words (``unit`` is a number's unit, when known)."""
        return str(value)

    @classmethod
    def nothing_chosen(cls, value) -> bool:
        """True for an answer that is saved but chooses nothing (no answer yet)."""
        return False

    def leaves_open(self, value) -> bool:
        """True for an answer that leaves part of the question open."""
        return False

    def guesses(self) -> list[tuple[str, object]]:
        """Answers a learner could give without knowing anything, as (description, answer)."""
        return []


@dataclass(frozen=True)
class SingleChoice(Question):
    """Pick exactly one option."""

    options: tuple[str, ...] = ()
    kind: str = field(init=False, default="single")
    asking_method: ClassVar[str] = "single_choice"

    @classmethod
    def asked(cls, question_id: str, prompt: str, options, **extra):
        """Ask for exactly one of ``options``; shows radio buttons."""
        return cls(question_id, prompt, options=tuple(options)), extra

    @classmethod
    def check_shape(cls, value):
        return _check_label(value)

    def check(self, value):
        value = self.check_shape(value)
        if value not in self.options:
            raise InvalidAnswer(f"{value!r} is not one of the options {list(self.options)}")
        return value

    def score(self, value, key, tolerance: float = 0.0):
        return (1.0, "Right.") if value == key else (0.0, WRONG_CHOICE)

    def hint(self, value, key, hints, hint_missed=False):
        """The hint keyed by the option chosen."""
        return hints.get(value, "")

    def answer_shape(self):
        return '"<one option, copied exactly>"'

    def choices(self):
        return self.options


@dataclass(frozen=True)
class MultipleChoice(Question):
    """Pick every option that applies; partial credit."""

    options: tuple[str, ...] = ()
    kind: str = field(init=False, default="multiple")
    asking_method: ClassVar[str] = "multiple_choice"

    @classmethod
    def asked(cls, question_id: str, prompt: str, options, **extra):
        """Ask for every option that applies; shows a checkbox per option."""
        return cls(question_id, prompt, options=tuple(options)), extra

    @classmethod
    def check_shape(cls, value):
        return _check_distinct_labels(value, "options")

    def check(self, value):
        value = self.check_shape(value)
        unknown = [v for v in value if v not in self.options]
        if unknown:
            raise InvalidAnswer(f"{unknown[0]!r} is not one of the options {list(self.options)}")
        # Keep the order of the options so equal answers are stored identically.
        return [o for o in self.options if o in value]

    def score(self, value, key, tolerance: float = 0.0):
        """Right picks minus wrong picks, over the number of right options (never below 0)."""
        chosen, right = set(value), set(key)
        hits, false_alarms = len(chosen & right), len(chosen - right)
        fraction = max(0.0, (hits - false_alarms) / len(right)) if right else float(not chosen)
        missed = len(right - chosen)
        return fraction, (
            f"{hits} of {len(right)} right options chosen, {false_alarms} chosen that "
            f"{'does' if false_alarms == 1 else 'do'} not apply, {missed} left out."
        )

    def hint(self, value, key, hints, hint_missed=False):
        """The hints keyed by options wrongly ticked."""
        # Wrong ticks only: a hint for a right option left unticked would name it, and
        # an empty answer would collect the whole key (practice may opt in).
        wrong = [o for o in self.options if o in value and o not in key]
        if hint_missed:
            wrong = [o for o in self.options if (o in value) != (o in key)]
        return " ".join(hints[o] for o in wrong if o in hints)

    def answer_shape(self):
        return '["<an option>", "<another option>"]'

    def choices(self):
        return self.options

    @classmethod
    def describe(cls, value, unit=""):
        return "; ".join(value) if value else "nothing ticked"

    @classmethod
    def nothing_chosen(cls, value):
        return isinstance(value, list) and not value

    def guesses(self):
        return [("ticking every option", list(self.options))]


@dataclass(frozen=True)
class Numeric(Question):
    """An estimate within a range; scored with a tolerance around the key."""

    low: float = 0.0
    high: float = 1.0
    step: float = 0.1
    unit: str = ""
    # A slider gives only values on its steps; a text box takes any number in the range.
    slider: bool = True
    kind: str = field(init=False, default="numeric")
    asking_method: ClassVar[str] = "numeric"

    @classmethod
    def asked(
        cls,
        question_id: str,
        prompt: str,
        low: float,
        high: float,
        step: float,
        unit: str = "",
        slider: bool = True,
        on_change=None,
        **extra,
    ):
        """Ask for a number between ``low`` and ``high``; a slider, or a text box.

        ``on_change(value)`` is called with each new value (and the restored one),
        for example to redraw a plot.
        """
        question = cls(
            question_id,
            prompt,
            low=float(low),
            high=float(high),
            step=float(step),
            unit=unit,
            slider=bool(slider),
        )
        return question, {"on_change": on_change, "slider": slider, **extra}

    @classmethod
    def check_shape(cls, value):
        return _check_number(value)

    def check(self, value):
        value = self.check_shape(value)
        if not self.low <= value <= self.high:
            raise InvalidAnswer(f"{value} is outside the range {self.low} to {self.high}")
        return value

    def check_typed(self, value):
        value = self.check(value)
        if self.slider and self.step > 0 and value != self.high:
            # A typed answer between two of the slider's steps could never be clicked, and
            # the question's key and tolerance are set on the steps.
            steps = (value - self.low) / self.step
            if abs(steps - round(steps)) > 1e-6:
                below = self.low + math.floor(steps) * self.step
                raise InvalidAnswer(
                    f"{value:g} is between two steps of the slider, which moves in steps of "
                    f"{self.step:g} from {self.low:g}; the nearest are {below:g} and "
                    f"{min(below + self.step, self.high):g}"
                )
        return value

    def score(self, value, key, tolerance: float = 0.0):
        if abs(value - key) <= tolerance + 1e-9:
            return 1.0, "Within the tolerance."
        direction = "high" if value > key else "low"
        return 0.0, f"{value:g}{self.unit} is too {direction}."

    def hint(self, value, key, hints, hint_missed=False):
        """The hint keyed by ``"high"`` or ``"low"``."""
        return hints.get("high" if value > key else "low", "")

    def answer_shape(self):
        return f"<a number from {self.low:g} to {self.high:g}>"

    @classmethod
    def describe(cls, value, unit=""):
        return f"{value:g}{unit}"


@dataclass(frozen=True)
class Ranking(Question):
    """Put every item in order, first to last; partial credit by pairs in the right order."""

    items: tuple[str, ...] = ()
    kind: str = field(init=False, default="ranking")
    asking_method: ClassVar[str] = "ranking"

    @classmethod
    def asked(cls, question_id: str, prompt: str, items, **extra):
        """Ask for an order of ``items``, first to last."""
        return cls(question_id, prompt, items=tuple(items)), extra

    @classmethod
    def check_shape(cls, value):
        return _check_distinct_labels(value, "items")

    def check(self, value):
        value = self.check_shape(value)
        if sorted(value) != sorted(self.items):
            raise InvalidAnswer(f"a ranking must list each of {list(self.items)} exactly once")
        return value

    def score(self, value, key, tolerance: float = 0.0):
        """Kendall's tau between the two orders, floored at 0: a random order earns about 0."""
        position = {item: i for i, item in enumerate(value)}
        pairs = list(combinations(key, 2))
        agree = sum(position[a] < position[b] for a, b in pairs)
        tau = (2 * agree - len(pairs)) / len(pairs) if pairs else 1.0
        return max(0.0, tau), f"{agree} of {len(pairs)} pairs are in the right order."

    def answer_shape(self):
        return "[<every item, first to last>]"

    def choices(self):
        return self.items

    @classmethod
    def describe(cls, value, unit=""):
        return ", ".join(f"{i}. {item}" for i, item in enumerate(value, start=1))

    def guesses(self):
        return [("leaving the items in the order shown", list(self.items))]


@dataclass(frozen=True)
class Matching(Question):
    """Match each item on the left with one on the right; partial credit per pair."""

    left: tuple[str, ...] = ()
    right: tuple[str, ...] = ()
    kind: str = field(init=False, default="matching")
    asking_method: ClassVar[str] = "matching"

    @classmethod
    def asked(cls, question_id: str, prompt: str, left, right, **extra):
        """Ask to match each item of ``left`` with one of ``right``."""
        return cls(question_id, prompt, left=tuple(left), right=tuple(right)), extra

    @classmethod
    def check_shape(cls, value):
        if not isinstance(value, dict):
            raise InvalidAnswer(f"expected an object of pairs, got {type(value).__name__}")
        if len(value) > MAX_ITEMS:
            raise InvalidAnswer(f"expected at most {MAX_ITEMS} pairs, got {len(value)}")
        return {_check_label(k, "an item"): _check_label(v, "a match") for k, v in value.items()}

    def check(self, value):
        value = self.check_shape(value)
        for item, match in value.items():
            if item not in self.left:
                raise InvalidAnswer(f"{item!r} is not one of the items {list(self.left)}")
            if match not in self.right:
                raise InvalidAnswer(f"{match!r} is not one of the choices {list(self.right)}")
        return {item: value[item] for item in self.left if item in value}

    def score(self, value, key, tolerance: float = 0.0):
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

    def hint(self, value, key, hints, hint_missed=False):
        """The hints keyed by items matched wrongly."""
        # Only items the learner has matched wrongly: a hint for an item not yet answered
        # would give its answer away.
        wrong = [i for i in key if value.get(i) not in (None, key[i]) and i in hints]
        return " ".join(hints[i] for i in wrong)

    def answer_shape(self):
        return '{"<item>": "<its match>", ...}'

    def choices(self):
        return tuple(self.left) + ("matched with one of:",) + tuple(self.right)

    @classmethod
    def describe(cls, value, unit=""):
        return "; ".join(f"{item} → {match}" for item, match in value.items())

    def leaves_open(self, value):
        """True while some items are not matched yet."""
        return len(value) < len(self.left)

    def guesses(self):
        """The same choice for every item, and each item matched to the choice in its own
        position (when both sides are as long)."""
        found = [
            (f"matching every item to {choice!r}", dict.fromkeys(self.left, choice))
            for choice in self.right
        ]
        if len(self.left) == len(self.right):
            in_line = dict(zip(self.left, self.right, strict=True))
            found.append(("matching each item to the choice in the same position", in_line))
        return found


# The registry: every kind, in the order messages list them. Everything that depends on
# the set of kinds (the binder's asking methods, the sheet's check, the notebook reader,
# the grader's cross-check) reads it from here.
QUESTION_KINDS: tuple[type[Question], ...] = (
    SingleChoice,
    MultipleChoice,
    Numeric,
    Ranking,
    Matching,
)
BY_KIND: dict[str, type[Question]] = {kind.kind: kind for kind in QUESTION_KINDS}
ASKED_BY: dict[str, type[Question]] = {kind.asking_method: kind for kind in QUESTION_KINDS}
KINDS = tuple(BY_KIND)  # the names stored in an answer sheet
ASKING_METHODS = tuple(ASKED_BY)  # the binder's methods that ask a question


def kind_named(kind: str) -> type[Question]:
    """The class of the question kind called ``kind`` (as stored in an answer sheet).

    Raises :class:`InvalidAnswer` for anything else, including a name that is not text
    (a sheet is untrusted, and its ``kind`` could be any JSON value).
    """
    if not isinstance(kind, str) or kind not in BY_KIND:
        raise InvalidAnswer(f"unknown question kind {kind!r}; known kinds: {', '.join(KINDS)}")
    return BY_KIND[kind]


def check_shape(kind: str, value):
    """Check ``value`` against the shape every answer of ``kind`` has, without options.

    Used when an answer sheet is read, before the questions themselves are known.
    """
    return kind_named(kind).check_shape(value)


def question_asked(method: str, *args, **kwargs) -> tuple[Question, dict]:
    """The question that ``<binder>.<method>(*args, **kwargs)`` asks, and the options that
    call leaves for the binder and the widget.

    The one way questions are built: by the binder's asking methods in a running notebook,
    and from a notebook file's literal calls (:func:`aicareer.notebook_status.build_question`,
    which the grader's cross-check uses too). Raises ``TypeError`` for arguments the method
    does not take, :class:`InvalidAnswer` for a bad id, and ``ValueError`` for a method
    that asks nothing.
    """
    if method not in ASKED_BY:
        raise ValueError(
            f"{method!r} asks no question; the asking methods are {', '.join(ASKING_METHODS)}"
        )
    return ASKED_BY[method].asked(*args, **kwargs)
