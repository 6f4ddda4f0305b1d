"""Charting a Career in AI: the exercise kit that the course notebooks import.

In an assignment::

    from aicareer import Assignment
    hw = Assignment("07-job-search")
    hw.single_choice("move-kind", "Which kind of move is this?", ["Role switch", ...])

In a lesson::

    from aicareer import Practice
    practice = Practice()
    practice.single_choice("p1", "...", ["a", "b"], correct="a", explain="...")
"""

from .answers import AnswerSheet, AnswerSheetError
from .assignment import Assignment
from .grading import AnswerMissing, WrongAnswer
from .practice import Practice

__version__ = "0.1.0"
__all__ = [
    "Assignment",
    "Practice",
    "AnswerSheet",
    "AnswerSheetError",
    "AnswerMissing",
    "WrongAnswer",
]
