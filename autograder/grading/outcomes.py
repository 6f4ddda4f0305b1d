"""What the grading engine works on and what it gives back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Submission:
    """One learner's hand-in of one assignment in ``submitted/<student>/<assignment>/``."""

    student: str
    assignment: str


@dataclass(frozen=True)
class Outcome:
    """How grading one submission went."""

    submission: Submission
    status: str
    detail: str
    seconds: float
