"""What a notebook's questions bind to: the part an :class:`~aicareer.assignment.Assignment`
(graded) and a :class:`~aicareer.practice.Practice` (lesson) share.

A binder asks questions, one method per question kind (``single_choice``,
``multiple_choice``, ``numeric``, ``ranking``, ``matching``), and keeps each question and
its widget. The asking methods are not written out here: each kind carries its own
(:attr:`~aicareer.questions.Question.asking_method`, with the signature and docstring of
:meth:`~aicareer.questions.Question.asked`), so a new kind needs no change in this file.
Subclasses say where answers live, by the *binder protocol* the widgets call:
``restore(question)``, ``record(question, value)`` and ``feedback(question, value)``.
"""

from __future__ import annotations

import inspect

from .display import show
from .grading import AnswerMissing
from .questions import QUESTION_KINDS, Question, question_asked
from .widgets import WIDGET_FOR_KIND


class Binder:
    """Asks questions and keeps them (``self.questions``) and their widgets
    (``self.widgets``), both by question id.

    Each asking method displays its widget (reach it later as
    ``self.widgets[question_id]``).
    """

    variable = "hw"  # the name the notebooks give the binder, for typed examples

    def __init__(self):
        self.questions: dict[str, Question] = {}
        self.widgets: dict[str, object] = {}

    def _ask(self, question: Question, on_change=None, **options):
        self.questions[question.id] = question
        widget = WIDGET_FOR_KIND[question.kind](question, self, on_change=on_change, **options)
        self.widgets[question.id] = widget
        # Displayed here and not returned: a returned widget would show a second time
        # when the call is the last line of its cell. Tests reach it via self.widgets.
        show(widget)

    def _question(self, question_id: str) -> Question:
        try:
            return self.questions[question_id]
        except KeyError:
            raise AnswerMissing(
                f"Question {question_id} has not been asked in this session yet: "
                "run the cells above this one first (Run > Run All Above Selected Cell)."
            ) from None

    def example_call(self, question: Question) -> str:
        """The shape of the line a learner types to answer ``question`` without widgets."""
        return f"{self.variable}.answer({question.id!r}, {question.answer_shape()})"

    def choices_text(self, question: Question) -> str:
        """The options of ``question`` as plain lines, for places where widgets do not show."""
        return "\n".join(f"  - {choice}" for choice in question.choices())

    def feedback(self, question: Question, value) -> str:
        """Feedback shown under a widget after each change (none by default)."""
        return ""


def _asking_method(kind: type[Question]):
    """The binder method that asks a question of ``kind``: its name, signature and
    docstring are the kind's, so ``hw.numeric?`` in a notebook shows them."""

    def ask(self, *args, **kwargs):
        question, options = question_asked(kind.asking_method, *args, **kwargs)
        return self._ask(question, **options)

    signature = inspect.signature(kind.asked)
    this = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ask.__signature__ = signature.replace(parameters=[this, *signature.parameters.values()])
    ask.__name__ = kind.asking_method
    ask.__qualname__ = f"{Binder.__name__}.{kind.asking_method}"
    ask.__doc__ = kind.asked.__doc__
    return ask


for _kind in QUESTION_KINDS:
    setattr(Binder, _kind.asking_method, _asking_method(_kind))
