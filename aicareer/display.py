"""What the kit shows in a notebook besides the widgets: message boxes and the completion
check's text.

Everything here reads well as plain text too, for front ends that cannot render HTML.
"""

from __future__ import annotations

import re
from html import escape

from .widgets import GREEN, GREY, RED


def show(obj) -> None:
    """Show ``obj`` in the notebook; outside IPython (tests, scripts) do nothing."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return
    if get_ipython() is not None:
        display(obj)


def strip_tags(markup: str) -> str:
    """``markup`` without its HTML tags (entities are left as they are)."""
    return re.sub(r"<[^>]+>", "", markup)


class MessageBox:
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
