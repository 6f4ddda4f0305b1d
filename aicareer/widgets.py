"""Exercise widgets: one class per question kind, all with the same frame.

A :class:`QuestionWidget` shows the prompt, the controls, a status line (the
"saved" mark) and a feedback line. It does not know where answers are kept:
it asks a *binder* (an :class:`~aicareer.assignment.Assignment` or a
:class:`~aicareer.practice.Practice`) to restore and to record them.

Each widget class names the question kind it shows (``question_type``) and is found by
that kind in :data:`WIDGET_FOR_KIND`, which fills itself as the classes are defined.

Every widget has a Python ``.value`` (None until answered) that can be set in
code, which is how the headless tests drive them; the controls set the same value.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import ClassVar

import ipywidgets as widgets

from .questions import (
    SAVED_ANSWER_LABEL,
    Matching,
    MultipleChoice,
    Numeric,
    Question,
    Ranking,
    SingleChoice,
)

# JupyterLab's own theme colours, so that the text stays readable in its light and dark
# themes alike (error red #d32f2f on white, #f44336 on the dark grey; success green
# #1b5e20 and #388e3c: each at least 4.5:1 against its background). The fallback after the
# comma is for front ends without JupyterLab's theme variables.
GREEN = "var(--jp-success-color0, #1a7f37)"
RED = "var(--jp-error-color1, #b42318)"
GREY = "var(--jp-ui-font-color2, #5f6b7a)"

# The widget class of each question kind, by kind name; see QuestionWidget.__init_subclass__.
WIDGET_FOR_KIND: dict[str, type[QuestionWidget]] = {}

# ipywidgets gives a line of HTML the height of a button (28 px), so a message that
# wraps would have a gap under every line; a block of our own sets ordinary spacing.
LINE_SPACING = "line-height:1.4"


def text_block(html_text: str, style: str = "") -> str:
    """HTML for a widget label or message, with ordinary line spacing when it wraps."""
    return f'<div style="{LINE_SPACING};{style}">{html_text}</div>'


def status_html(text: str, colour: str = GREY) -> str:
    """A small coloured status line."""
    return (
        f'<div class="aicareer-status" style="color:{colour};{LINE_SPACING}">{escape(text)}</div>'
    )


def readout_format(step: float) -> str:
    """The slider's number format: as many decimals as the step has, so a question in
    whole weeks reads "13", not "13.00", and one in tenths reads "2.5"."""
    decimals = max(0, -Decimal(str(step)).normalize().as_tuple().exponent)
    return f".{decimals}f"


class QuestionWidget(widgets.VBox):
    """The shared frame: prompt, controls, status line and feedback line.

    A subclass sets ``question_type`` to the question kind it shows, which registers it.
    """

    question_type: ClassVar[type[Question] | None] = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.question_type is not None:
            WIDGET_FOR_KIND[cls.question_type.kind] = cls

    def __init__(self, question: Question, binder, on_change=None):
        self.question = question
        self._binder = binder
        self._on_change = [on_change] if on_change else []
        self._value = None
        self._quiet = False  # True while we set controls ourselves, so nothing is saved
        self.status = widgets.HTML(status_html("Not answered yet."))
        self.feedback = widgets.HTML()
        prompt = widgets.HTML(text_block(f"<b>{escape(question.prompt)}</b>"))
        super().__init__(
            children=[prompt, self._build_controls(), self.status, self.feedback],
            layout=widgets.Layout(border="1px solid #d0d7de", padding="6px 10px", margin="6px 0"),
        )
        self.add_class("aicareer-question")
        self.add_class(f"aicareer-{question.kind}")
        restored, message = binder.restore(question)
        if restored is not None:
            self._show(restored)
            self._value = restored
        self.status.value = message
        if restored is not None:
            self._notify(restored)

    # Subclasses: build the controls, show a value in them, read a value from them.
    def _build_controls(self) -> widgets.Widget:  # pragma: no cover - abstract
        raise NotImplementedError

    def _show(self, value) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def value(self):
        """The current answer, or None if the learner has not answered yet."""
        return self._value

    @value.setter
    def value(self, new_value):
        new_value = self.question.check(new_value)
        self._show(new_value)
        self._commit(new_value)

    def show_value(self, value, message: str) -> None:
        """Display ``value`` (recorded elsewhere, e.g. typed) without recording it again."""
        self._show(value)
        self._value = value
        self.status.value = message
        self._notify(value)

    def _show_quietly(self, show) -> None:
        self._quiet = True
        try:
            show()
        finally:
            self._quiet = False

    def _commit(self, value) -> None:
        """Called whenever the learner changes the answer: record it and report."""
        self._value = value
        self.status.value = self._binder.record(self.question, value)
        self.feedback.value = self._binder.feedback(self.question, value)
        self._notify(value)

    def _changed(self, value) -> None:
        if not self._quiet:
            self._commit(value)

    def _notify(self, value) -> None:
        for callback in self._on_change:
            callback(value)

    def _repr_mimebundle_(self, **kwargs):
        # Where widgets cannot render (a plain viewer, some editors), front ends show
        # text/plain: make that tell the learner how to answer by typing instead.
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle:
            data = bundle[0] if isinstance(bundle, tuple) else bundle
            data["text/plain"] = self.fallback_text()
        return bundle

    def fallback_text(self) -> str:
        """What a learner sees where widgets do not render. Its second line, when an answer
        was saved, says which (the feedback page shows the first two lines)."""
        lines = [f"Question {self.question.id}: {self.question.prompt}"]
        if self._value is not None:
            described = self.question.describe(self._value, getattr(self.question, "unit", ""))
            lines.append(f"{SAVED_ANSWER_LABEL} {described}")
        choices = self._binder.choices_text(self.question)
        if choices:
            lines.append(choices)
        lines.append(
            "No buttons here? Run this cell (Shift+Enter) to bring the widget back; a saved "
            "answer comes back with it. Where widgets never show, answer by typing in a new "
            "cell directly below:"
        )
        lines.append(f"  {self._binder.example_call(self.question)}")
        return "\n".join(lines)


class SingleChoiceWidget(QuestionWidget):
    """Radio buttons: one option."""

    question: SingleChoice
    question_type = SingleChoice

    def _build_controls(self):
        self.control = widgets.RadioButtons(
            options=list(self.question.options), value=None, layout={"width": "max-content"}
        )
        self.control.observe(lambda change: self._changed(change["new"]), names="value")
        return self.control

    def _show(self, value):
        self._show_quietly(lambda: setattr(self.control, "value", value))


class MultipleChoiceWidget(QuestionWidget):
    """A checkbox per option: every option that applies."""

    question: MultipleChoice
    question_type = MultipleChoice

    def _build_controls(self):
        # Width "auto": JupyterLab gives checkboxes a fixed width that would clip long options.
        self.boxes = [
            widgets.Checkbox(
                value=False, description=option, indent=False, layout=widgets.Layout(width="auto")
            )
            for option in self.question.options
        ]
        for box in self.boxes:
            box.observe(lambda change: self._changed(self._read()), names="value")
        return widgets.VBox(self.boxes)

    def _read(self):
        return [box.description for box in self.boxes if box.value]

    def _show(self, value):
        def show():
            for box in self.boxes:
                box.value = box.description in value

        self._show_quietly(show)


class NumericWidget(QuestionWidget):
    """A slider or a text box for a number within a range."""

    question: Numeric
    question_type = Numeric

    def __init__(self, question, binder, on_change=None, slider=True):
        self._slider = slider
        super().__init__(question, binder, on_change)

    def _build_controls(self):
        q = self.question
        common = dict(value=q.low, min=q.low, max=q.high, step=q.step, continuous_update=False)
        if self._slider:
            self.control = widgets.FloatSlider(readout_format=readout_format(q.step), **common)
        else:
            self.control = widgets.BoundedFloatText(**common)
        self.control.layout.width = "420px"
        self.control.observe(lambda change: self._changed(float(change["new"])), names="value")
        unit = widgets.HTML(escape(q.unit)) if q.unit else widgets.HTML()
        return widgets.HBox([self.control, unit])

    def _show(self, value):
        self._show_quietly(lambda: setattr(self.control, "value", value))


class RankingWidget(QuestionWidget):
    """The items in a list with buttons to move each one up or down."""

    question: Ranking
    question_type = Ranking

    def _build_controls(self):
        self.order = list(self.question.items)
        self.rows = widgets.VBox()
        self.keep = widgets.Button(description="Save this order", tooltip="Save the order shown")
        self.keep.on_click(lambda _: self._changed(list(self.order)))
        self._draw_rows()
        return widgets.VBox([self.rows, self.keep])

    def _draw_rows(self):
        rows = []
        for position, item in enumerate(self.order):
            up = widgets.Button(
                description="▲",
                tooltip=f"Move up: {item}",
                layout={"width": "36px"},
                disabled=position == 0,
            )
            down = widgets.Button(
                description="▼",
                tooltip=f"Move down: {item}",
                layout={"width": "36px"},
                disabled=position == len(self.order) - 1,
            )
            up.on_click(lambda _, p=position: self.move(p, p - 1))
            down.on_click(lambda _, p=position: self.move(p, p + 1))
            label = widgets.HTML(text_block(f"{position + 1}. {escape(item)}"))
            rows.append(widgets.HBox([up, down, label]))
        self.rows.children = rows

    def move(self, source: int, target: int) -> None:
        """Move the item at ``source`` to ``target`` (0-based) and save the new order."""
        if 0 <= target < len(self.order):
            self.order.insert(target, self.order.pop(source))
            self._draw_rows()
            self._changed(list(self.order))

    def _show(self, value):
        self.order = list(value)
        self._draw_rows()


class MatchingWidget(QuestionWidget):
    """A drop-down per item on the left, choosing its match on the right."""

    question: Matching
    question_type = Matching
    PLACEHOLDER = "(choose)"

    def _build_controls(self):
        self.menus = {}
        rows = []
        for item in self.question.left:
            menu = widgets.Dropdown(
                options=[(self.PLACEHOLDER, None)] + [(r, r) for r in self.question.right],
                value=None,
                layout={"width": "auto"},
            )
            menu.observe(lambda change: self._changed(self._read()), names="value")
            self.menus[item] = menu
            label = widgets.HTML(text_block(escape(item)), layout={"width": "45%"})
            rows.append(widgets.HBox([label, menu]))
        return widgets.VBox(rows)

    def _read(self):
        return {item: menu.value for item, menu in self.menus.items() if menu.value is not None}

    def _show(self, value):
        def show():
            for item, menu in self.menus.items():
                menu.value = value.get(item)

        self._show_quietly(show)
