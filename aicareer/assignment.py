"""What a notebook binds to: an :class:`Assignment` (graded) or a :class:`Practice` (lesson).

Both ask questions with the same methods (``single_choice``, ``multiple_choice``,
``numeric``, ``ranking``, ``matching``) and accept typed answers with
``answer(question_id, value)``. An assignment keeps answers in its answer sheet
and offers ``require`` and ``grade`` for nbgrader test cells; a practice keeps
answers in memory and gives immediate feedback from keys written in the lesson.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
import warnings
from datetime import datetime
from html import escape
from pathlib import Path

from .answers import AnswerSheet, AnswerSheetError, read_sheet, sheet_path
from .grading import AnswerMissing, assess, points_earned
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
from .progress import WORKSPACE_MARK, record_practice, session_notebook
from .questions import (
    InvalidAnswer,
    Matching,
    MultipleChoice,
    Numeric,
    Question,
    Ranking,
    SingleChoice,
)
from .runmode import grading_mode
from .widgets import GREEN, GREY, RED, WIDGET_FOR_KIND, status_html

# The shape of a typed answer, with placeholders, so no example reads as a suggestion.
ANSWER_SHAPE = {
    "single": lambda q: '"<one option, copied exactly>"',
    "multiple": lambda q: '["<an option>", "<another option>"]',
    "numeric": lambda q: f"<a number from {q.low:g} to {q.high:g}>",
    "ranking": lambda q: "[<every item, first to last>]",
    "matching": lambda q: '{"<item>": "<its match>", ...}',
}
CHOICES = {
    "single": lambda q: q.options,
    "multiple": lambda q: q.options,
    "numeric": lambda q: (),
    "ranking": lambda q: q.items,
    "matching": lambda q: tuple(q.left) + ("matched with one of:",) + tuple(q.right),
}


def _display(obj) -> None:
    """Show ``obj`` in the notebook; outside IPython (tests, scripts) do nothing."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return
    if get_ipython() is not None:
        display(obj)


class _Questions:
    """Question factories shared by assignments and practice.

    Each factory displays its widget (reach it later as ``self.widgets[question_id]``).
    """

    variable = "hw"

    def __init__(self):
        self.questions: dict[str, Question] = {}
        self.widgets: dict[str, object] = {}

    def _ask(self, question: Question, on_change=None, **options):
        self.questions[question.id] = question
        widget = WIDGET_FOR_KIND[question.kind](question, self, on_change=on_change, **options)
        self.widgets[question.id] = widget
        # Displayed here and not returned: a returned widget would show a second time
        # when the call is the last line of its cell. Tests reach it via self.widgets.
        _display(widget)

    def single_choice(self, question_id: str, prompt: str, options, **extra):
        """Ask for exactly one of ``options``; shows radio buttons."""
        return self._ask(SingleChoice(question_id, prompt, options=tuple(options)), **extra)

    def multiple_choice(self, question_id: str, prompt: str, options, **extra):
        """Ask for every option that applies; shows a checkbox per option."""
        return self._ask(MultipleChoice(question_id, prompt, options=tuple(options)), **extra)

    def numeric(
        self,
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
        question = Numeric(
            question_id, prompt, low=float(low), high=float(high), step=float(step), unit=unit
        )
        return self._ask(question, on_change=on_change, slider=slider, **extra)

    def ranking(self, question_id: str, prompt: str, items, **extra):
        """Ask for an order of ``items``, first to last."""
        return self._ask(Ranking(question_id, prompt, items=tuple(items)), **extra)

    def matching(self, question_id: str, prompt: str, left, right, **extra):
        """Ask to match each item of ``left`` with one of ``right``."""
        return self._ask(
            Matching(question_id, prompt, left=tuple(left), right=tuple(right)), **extra
        )

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
        return f"{self.variable}.answer({question.id!r}, {ANSWER_SHAPE[question.kind](question)})"

    def choices_text(self, question: Question) -> str:
        """The options of ``question`` as plain lines, for places where widgets do not show."""
        return "\n".join(f"  - {choice}" for choice in CHOICES[question.kind](question))

    def feedback(self, question: Question, value) -> str:
        """Feedback shown under a widget after each change (none by default)."""
        return ""


class Assignment(_Questions):
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
            _display(_Box(self._problem_text(), RED))
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
            value = question.check(value)
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
        print(f"Question {question_id}: {value!r} - {html.unescape(_strip_tags(message))}")

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
        _display(_Box(*completion_message(status, self.sheet.path.name, self.mode)))


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


def _user_namespace() -> dict:
    """The learner's variables in the running kernel (empty outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return {}
    shell = get_ipython()
    return getattr(shell, "user_ns", {}) if shell is not None else {}


def _count(done: int, total: int, noun: str, verb: str) -> str:
    plural = noun if total == 1 else noun + "s"
    return f"{done} of {total} {plural} {verb}"


def completion_message(status: dict, sheet_name: str, mode: str | None):
    """What ``check_complete`` shows for ``status``: text, colour, open items, closing notes."""
    labels = status["labels"]
    lengths = status.get("reflection_lengths", {})
    pending = [(labels[q], "not answered yet") for q in status["missing"]]
    pending += [
        (labels[q], "only partly answered (some items are not matched yet)")
        for q in status["partly"]
    ]
    pending += [(labels[q], "nothing ticked yet") for q in status.get("unticked", [])]
    pending += [
        (label, "no code yet (the cell still says raise NotImplementedError())")
        for label in status["code_open"]
    ]
    stub_left = "code written, but the stub is still there: delete the raise NotImplementedError()"
    pending += [(label, f"{stub_left} line") for label in status.get("code_stub_left", [])]
    pending += [
        (label, lengths.get(label) or "nothing written yet in the cell below the prompt")
        for label in status["reflections_open"]
    ]
    # Top to bottom, as the learner will scroll through them.
    where = status.get("positions", {})
    pending.sort(key=lambda item: where.get(item[0], len(where) + 10**6))
    open_items = [f"{label}: {what}" for label, what in pending]
    questions = sum(
        len(status.get(state, [])) for state in ("answered", "partly", "unticked", "missing")
    )
    counts = [_count(len(status["answered"]), questions, "widget question", "answered")]
    if status["code"]:
        written = status["code"] - len(status["code_open"]) - len(status.get("code_stub_left", []))
        counts.append(_count(written, status["code"], "code exercise", "written"))
    if status["reflections"]:
        written = status["reflections"] - len(status["reflections_open"])
        counts.append(_count(written, status["reflections"], "written answer", "done"))
    summary = ", ".join(counts) + "."
    notes = [
        f"{label}: {note}. It counts as written, but aim for the length the question asks."
        for label, note in lengths.items()
        if label not in status["reflections_open"]
    ]
    if status["unsaved_code"]:
        notes.append(
            "Written and run in this session but not yet saved in the notebook file: "
            + "; ".join(status["unsaved_code"])
            + ". Save the notebook (Ctrl+S) before you hand it in."
        )
    if status["unknown"]:
        notes.append(
            "The answer sheet also holds answers to questions this notebook does not ask: "
            + ", ".join(status["unknown"])
            + "."
        )
    if mode:
        return f"Graded copy: {summary}", GREY, open_items, " ".join(notes)
    if status["notebook"] is None:
        text = (
            f"This check could not read the notebook file beside {sheet_name}, so it only "
            f"knows the questions that ran in this session: {summary}"
        )
        return text, GREY, open_items, " ".join(notes)
    if open_items:
        notes.append(
            "This check reads the saved notebook file: if you have just written something, "
            "save the notebook (Ctrl+S) and run this cell again."
        )
        return f"Not ready to hand in yet: {summary} Still open:", RED, open_items, " ".join(notes)
    text = (
        f"Ready to hand in: {summary} Your widget answers are saved in {sheet_name}: hand "
        "that file in together with this notebook. (Whether your code is right, the check "
        "cells and the grading tell you.)"
    )
    return text, GREEN, [], " ".join(notes)


class Practice(_Questions):
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
        self._question(question_id)
        widget = self.widgets[question_id]
        widget.value = value
        print(f"Practice {question_id}: {html.unescape(_strip_tags(widget.feedback.value))}")


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


def _strip_tags(markup: str) -> str:
    return re.sub(r"<[^>]+>", "", markup)


class _Box:
    """A coloured message box, optionally with a list of items and a closing line,
    that also reads well as plain text."""

    def __init__(self, text: str, colour: str, items=(), after: str = ""):
        self.text, self.colour, self.items, self.after = text, colour, list(items), after

    def _repr_html_(self):
        listed = "".join(f"<li>{escape(item)}</li>" for item in self.items)
        listed = f'<ul style="margin:4px 0">{listed}</ul>' if listed else ""
        after = f"<div>{escape(self.after)}</div>" if self.after else ""
        return (
            f'<div class="aicareer-message" style="border-left:4px solid {self.colour};'
            f'padding:4px 10px">{escape(self.text)}{listed}{after}</div>'
        )

    def __repr__(self):
        lines = [self.text] + [f"  - {item}" for item in self.items]
        return "\n".join(lines + ([self.after] if self.after else []))


__all__ = ["Assignment", "Practice"]
