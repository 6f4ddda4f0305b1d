"""The graded notebook's binder: an :class:`Assignment` keeps its answers in the answer
sheet beside the notebook.

It asks questions with the methods every binder has (:mod:`aicareer.binder`), accepts
typed answers with ``answer(question_id, value)``, offers ``require`` and ``grade`` for
nbgrader test cells, and ``check_complete`` for the notebook's last cell. A lesson's
practice questions use :class:`~aicareer.practice.Practice` instead.
"""

from __future__ import annotations

import html
import os
import sys
import warnings
from datetime import datetime
from pathlib import Path

from .answers import AnswerSheet, AnswerSheetError, read_sheet, sheet_path
from .binder import Binder
from .display import MessageBox, completion_message, show, strip_tags
from .grading import AnswerMissing, points_earned
from .notebook_status import (
    NotebookContents,
    WidgetQuestion,
    answer_state,
    assignment_name,
    is_partly_answered,
    is_unticked,
    notebook_contents,
    read_notebook,
    written_in_kernel,
)
from .questions import InvalidAnswer, Question
from .runmode import grading_mode
from .widgets import GREEN, GREY, RED, status_html


class Assignment(Binder):
    """Binds a graded notebook to its answer sheet, ``<name>.answers.json`` beside it.

    Args:
        name: the assignment's name, which is also the notebook's file stem.
        folder: where the sheet lives; by default the kernel's working folder,
            which Jupyter and nbgrader both set to the notebook's folder.
    """

    def __init__(self, name: str, folder: Path | None = None):
        super().__init__()
        self.name = name
        self.mode = grading_mode()
        self.sheet = AnswerSheet(
            sheet_path(folder or Path.cwd(), name), name, read_only=self.mode is not None
        )
        # Answers typed with answer() while nbgrader runs the notebook: kept in memory,
        # never written, so the instructor's solution cells can answer during validate.
        self.typed: dict[str, object] = {}
        if self.sheet.problem:
            show(MessageBox(self._problem_text(), RED))
        keep_stderr_clean(self.mode)

    def _problem_text(self) -> str:
        text = f"Your answer sheet could not be read: {self.sheet.problem}."
        if self.sheet.set_aside_as:
            text += (
                f" Nothing is lost: the file was kept as {self.sheet.set_aside_as.name}, "
                "and a fresh sheet starts now. Answer the questions again, or ask for help "
                "to recover the old answers from that file."
            )
        return text

    # --- the binder protocol used by the widgets ---------------------------------
    def restore(self, question: Question):
        """The saved answer of ``question`` (or None) and the status line to show."""
        try:
            value = self._saved_value(question)
        except AnswerMissing as problem:
            return None, status_html(str(problem), RED)
        if value is None:
            message = "Not answered yet."
            if self.mode:
                message = "Not answered (graded copy: answers are read here, never changed)."
            return None, status_html(message)
        return value, status_html("✓ Saved answer restored.", GREEN)

    def record(self, question: Question, value) -> str:
        """Save ``value`` at once and return the status line saying whether it stuck."""
        if self.mode:
            return status_html("Graded copy: this change is not saved.", GREY)
        try:
            entry = self.sheet.save(question.id, question.kind, value)
        except OSError as error:  # a full disk, a read-only folder...
            return status_html(
                f"✗ Not saved: {error.strerror or error}. Your earlier answer "
                "is still on disk; free some space and answer again.",
                RED,
            )
        clock = datetime.fromisoformat(entry.saved).astimezone().strftime("%H:%M:%S")
        return status_html(f"✓ Saved at {clock}", GREEN)

    # --- reading answers ---------------------------------------------------------
    def _saved_value(self, question: Question):
        if question.id in self.typed:
            return self.typed[question.id]
        entry = self.sheet.get(question.id)
        if entry is None:
            return None
        try:
            if entry.kind != question.kind:
                raise InvalidAnswer(
                    f"saved as a {entry.kind} answer, but this is a {question.kind} question"
                )
            return question.check(entry.value)
        except InvalidAnswer as error:
            raise AnswerMissing(
                f"{self.sheet.path.name}, question {question.id!r}: the saved "
                f"answer cannot be used ({error}). Answer it again."
            ) from None

    def answer(self, question_id: str, value) -> None:
        """Record an answer by typing, for places where the widgets do not show."""
        question = self._question(question_id)
        try:
            value = question.check_typed(value)
        except InvalidAnswer as error:
            raise ValueError(
                f"Question {question_id}: {error}. Type it as {self.example_call(question)}"
            ) from None
        if self.mode:
            self.typed[question_id] = value
            message = status_html("Answer given in code (graded copy: not written).", GREY)
        else:
            message = self.record(question, value)
        widget = self.widgets.get(question_id)
        if widget is not None:
            widget.show_value(value, message)
        # The widget may be the very thing that does not show, so confirm here as well.
        print(f"Question {question_id}: {value!r} - {html.unescape(strip_tags(message))}")

    def value_of(self, question_id: str):
        """The learner's answer to ``question_id``; raises :class:`AnswerMissing` if none."""
        question = self._question(question_id)
        value = self._saved_value(question)
        if value is None:
            reason = ""
            if self.sheet.problem:
                reason = f" (the answer sheet could not be read: {self.sheet.problem})"
            elif not self.sheet.path.exists() and not self.typed:
                reason = (
                    f" (there is no {self.sheet.path.name} beside the notebook: it must be "
                    "handed in together with the notebook)"
                )
            raise AnswerMissing(
                f"Question {question_id} has no saved answer{reason}. Choose your answer in the "
                "widget above and wait for the green ✓ Saved mark."
            )
        return value

    # --- for nbgrader test cells -------------------------------------------------
    def require(self, question_id: str) -> None:
        """A visible test: raise a clear message unless ``question_id`` is answered."""
        self.value_of(question_id)

    def grade(
        self,
        question_id: str,
        key,
        points: float,
        tolerance: float | None = None,
        hints: dict | None = None,
    ) -> float:
        """Score the answer against ``key`` and return the points earned.

        Use as the last line of a hidden test block, with ``points`` equal to the
        cell's points: nbgrader reads the value as partial credit.
        """
        question = self._question(question_id)
        return points_earned(
            question, self.value_of(question_id), key, points, tolerance=tolerance, hints=hints
        )

    def notebook_file(self) -> tuple[Path | None, dict | None]:
        """The notebook this assignment lives in, read from disk, or ``(None, None)``.

        Jupyter tells the kernel which notebook started it (``JPY_SESSION_NAME``), which
        finds a renamed copy; otherwise it is ``<name>.ipynb`` beside the answer sheet.
        Only a notebook that binds to this assignment counts.
        """
        candidates = []
        session = os.environ.get("JPY_SESSION_NAME", "")
        if session.endswith(".ipynb"):
            candidates.append(Path(session))
        candidates.append(self.sheet.path.parent / f"{self.name}.ipynb")
        for candidate in candidates:
            nb = read_notebook(candidate)
            if nb is not None and assignment_name(nb) == self.name:
                return candidate, nb
        return None, None

    def completion(self) -> dict:
        """What is done and what is open, read from the notebook file and the sheet.

        Every widget question of the notebook counts, whether or not its cell ran in
        this kernel (questions asked only in this kernel count too). Keys:
        ``answered``, ``partly``, ``unticked`` (a multiple choice saved with nothing
        ticked), ``missing`` and ``unknown`` (sheet entries for questions the notebook
        does not ask) hold question ids; ``labels`` maps ids to what the learner reads
        ("Question 1.2 (name the move)"); ``code_open`` lists the labels of code
        exercises that are still only the stub, ``code_stub_left`` those with code of
        their own that still hold the ``raise NotImplementedError()`` line, and
        ``unsaved_code`` those written in this kernel but not yet in the file;
        ``reflections_open`` lists reflections still empty (or well short of the length
        their task asks for), and ``reflection_lengths`` maps the label of each
        reflection whose length misses its task's range to a note on it; ``code`` and
        ``reflections`` count them all; ``notebook`` is the file read, or None;
        ``positions`` maps each label to its cell, so that open items can be listed top
        to bottom.
        """
        path, nb = self.notebook_file()
        contents = notebook_contents(nb) if nb is not None else NotebookContents()
        if not self.mode and not self.sheet.problem:
            try:  # another tab may have saved since this kernel last looked
                self.sheet.answers = read_sheet(self.sheet.path, self.name)
            except AnswerSheetError:
                pass
        asked = {q.id: q for q in contents.widget_questions}
        labels = {q.id: q.label for q in contents.widget_questions}
        order = list(asked) + [qid for qid in self.questions if qid not in asked]
        states = {"answered": [], "partly": [], "unticked": [], "missing": []}
        for question_id in order:
            labels.setdefault(question_id, f"Question {question_id}")
            states[self._state(question_id, asked.get(question_id))].append(question_id)
        unknown = []
        if nb is not None:
            unknown = sorted(set(self.sheet.answers) - set(order) - set(self.typed))
        namespace = _user_namespace()
        positions = {labels[q.id]: q.cell for q in contents.widget_questions}
        positions.update({e.label: e.cell for e in contents.code_exercises})
        positions.update({r.label: r.cell for r in contents.reflections})
        code_open, stub_left, unsaved = [], [], []
        for exercise in contents.code_exercises:
            if exercise.written:
                continue
            in_kernel = [written_in_kernel(namespace.get(name)) for name in exercise.functions]
            if exercise.functions and all(in_kernel):
                unsaved.append(exercise.label)
            elif exercise.has_code:
                stub_left.append(exercise.label)
            else:
                code_open.append(exercise.label)
        return {
            **states,
            "unknown": unknown,
            "labels": labels,
            "code": len(contents.code_exercises),
            "code_open": code_open,
            "code_stub_left": stub_left,
            "unsaved_code": unsaved,
            "reflections": len(contents.reflections),
            "reflections_open": [r.label for r in contents.reflections if not r.written],
            "reflection_lengths": {
                r.label: r.length_note() for r in contents.reflections if r.length_note()
            },
            "notebook": path,
            "positions": positions,
        }

    def _state(self, question_id: str, on_disk: WidgetQuestion | None) -> str:
        question = self.questions.get(question_id) or (on_disk.question if on_disk else None)
        if question is not None:
            try:
                value = self._saved_value(question)
            except AnswerMissing:
                return "missing"
            if value is None:
                return "missing"
            if is_unticked(question.kind, value):
                return "unticked"
            return "partly" if is_partly_answered(question, value) else "answered"
        # A question whose options are not literals, and whose cell has not run yet.
        if question_id in self.typed:
            return "answered"
        return answer_state(on_disk, self.sheet.get(question_id))

    def check_complete(self) -> None:
        """Show what is still open before handing in (the last cell's job).

        Green only when every widget question of the notebook is fully answered, every
        code exercise holds code and every reflection has an answer.
        """
        status = self.completion()
        show(MessageBox(*completion_message(status, self.sheet.path.name, self.mode)))


def _user_namespace() -> dict:
    """The learner's variables in the running kernel (empty outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return {}
    shell = get_ipython()
    return getattr(shell, "user_ns", {}) if shell is not None else {}


def _warning_to_stdout(message, category, filename, lineno, file=None, line=None):
    print(warnings.formatwarning(message, category, filename, lineno, line).rstrip())


def keep_stderr_clean(mode: str | None) -> None:
    """Send warnings to stdout in a notebook kernel, and all of stderr while nbgrader runs.

    nbgrader scores a test cell zero if anything reaches stderr, so correct code that
    happens to warn (a NumPy RuntimeWarning, a deprecation) would lose its points.
    The learner still sees every warning, printed as ordinary output. Outside a
    kernel (scripts, tests) nothing is changed.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    if get_ipython() is None:
        return
    warnings.showwarning = _warning_to_stdout
    if mode:
        sys.stderr = sys.stdout


__all__ = ["Assignment"]
