"""A lesson's binder: :class:`Practice` questions give immediate feedback from keys written
in the lesson, and nothing is saved or graded."""

from __future__ import annotations

import html
import json
from pathlib import Path

from .binder import Binder
from .display import strip_tags
from .grading import assess
from .progress import WORKSPACE_MARK, record_practice, session_notebook
from .questions import InvalidAnswer, Question
from .widgets import GREEN, GREY, RED, status_html


def _lesson_holding(prompt: str) -> Path | None:
    """The one notebook in the kernel's folder of a workspace whose text holds ``prompt``."""
    folder = Path.cwd()
    if folder.name != "lessons" or not (folder.parent / WORKSPACE_MARK).exists():
        return None
    needle = json.dumps(prompt)[1:-1]
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        try:
            if needle in path.read_text("utf-8", errors="replace"):
                found.append(path)
        except OSError:
            continue
    return found[0] if len(found) == 1 else None


class Practice(Binder):
    """Practice questions for lessons: immediate feedback, nothing saved or graded.

    Each question method takes ``correct=`` (the key, visible in the lesson on
    purpose), and optionally ``explain=`` (shown once the answer is right),
    ``hints=`` (messages for particular wrong answers) and, for numbers,
    ``tolerance=``.
    """

    variable = "practice"

    def __init__(self):
        super().__init__()
        self.keys: dict[str, dict] = {}
        self.answers: dict[str, object] = {}
        # The lesson file, for the start page's record of how far the lesson has run:
        # None until looked for, False if it cannot be found.
        self._lesson: Path | bool | None = session_notebook()
        if self._lesson:
            record_practice(self._lesson)

    def _ask(
        self,
        question,
        on_change=None,
        correct=None,
        explain="",
        hints=None,
        tolerance=None,
        **options,
    ):
        if correct is None:
            raise ValueError(f"practice question {question.id!r} needs correct=")
        self.keys[question.id] = {
            "key": question.check(correct),
            "explain": explain,
            "hints": hints or {},
            "tolerance": tolerance,
        }
        super()._ask(question, on_change=on_change, **options)
        lesson = self._lesson_file(question)
        if lesson:
            record_practice(lesson, question.id)

    def _lesson_file(self, question: Question) -> Path | None:
        """The lesson this practice runs in: Jupyter names it, or the one lesson beside
        the kernel that holds this question's prompt."""
        if self._lesson is None:
            self._lesson = _lesson_holding(question.prompt) or False
        return self._lesson or None

    def restore(self, question: Question):
        """Practice answers live for the session only."""
        value = self.answers.get(question.id)
        return value, status_html("Practice: try an answer and see feedback at once.")

    def record(self, question: Question, value) -> str:
        """Keep the answer in memory."""
        self.answers[question.id] = value
        return status_html("Practice: not graded.")

    def feedback(self, question: Question, value) -> str:
        """Right, partly right or not yet, with the explanation or a hint."""
        spec = self.keys[question.id]
        fraction, message = assess(
            question, value, spec["key"], spec["tolerance"], spec["hints"], hint_missed=True
        )
        if fraction <= 0:
            return status_html(f"✗ Not yet. {message}", RED)
        if fraction < 1:
            return status_html(f"◐ Partly right. {message}", GREY)
        return status_html(f"✓ Right. {spec['explain']}".strip(), GREEN)

    def answer(self, question_id: str, value) -> None:
        """Answer by typing; feedback is shown under the widget."""
        try:
            self._question(question_id).check_typed(value)
        except InvalidAnswer as error:
            raise ValueError(f"Practice {question_id}: {error}") from None
        widget = self.widgets[question_id]
        widget.value = value
        print(f"Practice {question_id}: {html.unescape(strip_tags(widget.feedback.value))}")


__all__ = ["Practice"]
