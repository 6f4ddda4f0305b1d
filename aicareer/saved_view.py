"""How a notebook reads when it is reopened, before any cell has run again.

A widget lives in the kernel. Once the kernel is gone (a restart, the next day), the
widget views stored in the notebook point at nothing, and JupyterLab and Notebook 7 show
"Error displaying widget: model not found" in each of them; check cells keep the red
``AnswerMissing`` they showed before the question was answered. So, each time Jupyter
saves a notebook, :func:`pre_save_hook` rewrites those outputs in the copy written to
disk (the open tab keeps its live widgets):

* in an assignment, each widget question's stored views become a plain note built from
  the answer sheet beside the notebook: the saved answer, or "not answered yet", and that
  running the cell brings the widget back;
* a check cell's stale ``AnswerMissing`` error becomes a note that the question has been
  answered since and the check should be run again, once every question it reads is saved;
* anywhere else (a lesson's practice questions), a stored widget view is dropped and the
  text shown where widgets cannot render is kept.

Sources, metadata, other outputs and the answer sheet are never changed. ``make lab``
registers the hook as ``FileContentsManager.pre_save_hook``
(``aicareer.saved_view.pre_save_hook``).
"""

from __future__ import annotations

import copy
import logging
from datetime import datetime
from html import escape
from pathlib import Path

from .answers import AnswerSheetError, read_sheet, sheet_path
from .notebook_status import (
    answer_state,
    assignment_name,
    is_widget_question,
    notebook_contents,
    required_ids,
    source_of,
)
from .questions import kind_named

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Marks the notes written here, so that the next save replaces them with fresh ones.
NOTE_MARK = "aicareer-saved-view"
ERROR_NAME = "AnswerMissing"
RUN_AGAIN = "Run this cell (Shift+Enter) to bring the widget back"
log = logging.getLogger(__name__)


def _is_note(output: dict) -> bool:
    return output.get("metadata", {}).get(NOTE_MARK) is True


def _has_widget_view(output: dict) -> bool:
    return WIDGET_VIEW in (output.get("data") or {})


def _note(lines: list[str], html_lines: list[str] | None = None, colour: str = "#5f6b7a"):
    """A display_data output that reads as plain text and, where HTML shows, as a box."""
    body = "".join(f"<div>{line}</div>" for line in (html_lines or map(escape, lines)))
    return {
        "output_type": "display_data",
        "data": {
            "text/plain": "\n".join(lines),
            "text/html": (
                f'<div class="aicareer-saved-view" style="border-left:4px solid {colour};'
                f'padding:4px 10px;line-height:1.4">{body}</div>'
            ),
        },
        "metadata": {NOTE_MARK: True},
    }


def describe_value(kind: str, value, unit: str = "") -> str:
    """A saved answer in plain words, as its question kind words it."""
    return kind_named(kind).describe(value, unit)


def _saved_time(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%d %b %Y, %H:%M")
    except (TypeError, ValueError):
        return ""


def question_note(question, entry, sheet_name: str) -> dict:
    """The note that stands in for a widget question whose widget is not running."""
    state = answer_state(question, entry)
    unit = getattr(question.question, "unit", "")
    if state == "missing":
        lines = [
            f"{question.label}: not answered yet.",
            f"{RUN_AGAIN} and choose your answer; each click is saved in {sheet_name}.",
        ]
        return _note(lines)
    answer = describe_value(question.kind, entry.value, unit)
    when = _saved_time(entry.saved)
    first = f"{question.label}: your saved answer is {answer}"
    first += f" (saved {when})." if when else "."
    if state == "partly":
        first += " Some items are not matched yet."
    lines = [first, f"{RUN_AGAIN}; your saved answer comes back with it."]
    html_lines = [
        f"{escape(question.label)}: your saved answer is <b>{escape(answer)}</b>"
        + (f" (saved {escape(when)})." if when else ".")
        + (" Some items are not matched yet." if state == "partly" else ""),
        escape(lines[1]),
    ]
    return _note(lines, html_lines)


def _unreadable_note(problem: str) -> dict:
    return _note(
        [
            f"Your answer sheet could not be read ({problem}).",
            f"{RUN_AGAIN} and see what happened to it; nothing has been deleted.",
        ]
    )


def saved_view(nb: dict, folder: Path) -> dict:
    """A copy of notebook ``nb`` (a dict) that reads cleanly without a running kernel.

    ``folder`` holds the notebook and, for an assignment, its answer sheet. ``nb`` itself
    is not changed; only outputs differ in the copy (see the module docstring).
    """
    nb = copy.deepcopy(nb)
    cells = nb.get("cells", [])
    name = assignment_name(nb)
    if name is None:
        for cell in cells:
            cell["outputs"] = _without_widget_views(cell.get("outputs") or [])
        return nb
    path = sheet_path(Path(folder), name)
    try:
        sheet, problem = read_sheet(path, name), None
    except AnswerSheetError as error:
        sheet, problem = {}, error.problem
    contents = notebook_contents(nb)
    by_cell: dict[int, list] = {}
    for question in contents.widget_questions:
        by_cell.setdefault(question.cell, []).append(question)
    asked = {q.id: q for q in contents.widget_questions}
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        outputs = cell.get("outputs") or []
        if index in by_cell and is_widget_question(cell):
            kept = [o for o in outputs if not (_has_widget_view(o) or _is_note(o))]
            if problem is not None:
                notes = [_unreadable_note(problem)]
            else:
                notes = [question_note(q, sheet.get(q.id), path.name) for q in by_cell[index]]
            cell["outputs"] = kept + notes
        elif any(o.get("output_type") == "error" and o.get("ename") == ERROR_NAME for o in outputs):
            cell["outputs"] = _answered_since(outputs, source_of(cell), asked, sheet)
        else:
            cell["outputs"] = _without_widget_views(outputs)
    return nb


def _answered_since(outputs: list, source: str, asked: dict, sheet: dict) -> list:
    """Replace a stale AnswerMissing error once every question the cell reads is saved."""
    ids = required_ids(source)
    states = [answer_state(asked[i], sheet.get(i)) if i in asked else "missing" for i in ids]
    if not ids or any(state == "missing" for state in states):
        return outputs
    labels = ", ".join(asked[i].label for i in ids)
    note = _note(
        [
            f"{labels}: answered since this check last ran, and saved.",
            "Run this cell again to check it.",
        ]
    )
    return [
        note if o.get("output_type") == "error" and o.get("ename") == ERROR_NAME else o
        for o in outputs
    ]


def _without_widget_views(outputs: list) -> list:
    """Drop stored widget views, keeping the text a viewer without widgets shows."""
    kept = []
    for output in outputs:
        if not _has_widget_view(output):
            kept.append(output)
            continue
        data = {k: v for k, v in output["data"].items() if k != WIDGET_VIEW}
        if not data:
            data = {"text/plain": f"(A widget was shown here. {RUN_AGAIN}.)"}
        kept.append({**output, "data": data})
    return kept


def pre_save_hook(model, path, contents_manager, **kwargs):
    """Jupyter's pre-save hook: write reopen-friendly outputs (see the module docstring).

    Any failure leaves the notebook exactly as the browser sent it: a save never fails
    because of this hook.
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    try:
        try:
            os_path = Path(contents_manager._get_os_path(path))
        except AttributeError:
            os_path = Path(contents_manager.root_dir) / path
        model["content"] = saved_view(model["content"], os_path.parent)
    except Exception:  # noqa: BLE001 - never block a learner's save
        log.warning("aicareer: the saved view of %s was not made", path, exc_info=True)
