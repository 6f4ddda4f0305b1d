"""NameFeedbackCells: works out what the feedback page shows for each graded cell (see
:mod:`autograder.reports.feedback` for the page and why it differs from nbgrader's)."""

from __future__ import annotations

import re
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from aicareer.questions import SAVED_ANSWER_LABEL

from ..gradebook import hand_marked
from ..notebooks import grade_id, is_graded_by_hand, is_task

_QUESTION = re.compile(r"Question\s+(\d+(?:\.\d+)*)")
# The check cell of a widget question opens "Question 1.2: an answer is saved; ...".
_SAVED_ANSWER = re.compile(r"Question\s+(\d+(?:\.\d+)*): an answer is saved")
_SCHEME = re.compile(r"#+\s*BEGIN MARK SCHEME\s*\n(.*?)\n#+\s*END MARK SCHEME", re.S)


def question_label(cell) -> str:
    """What a graded cell is called on the page: its docstring's or heading's first line.

    Test cells open with a docstring such as ``\"\"\"Question 1.1: the four kinds of move
    are told apart.\"\"\"``; reflections open with a heading such as ``### Question 7.1 — …``.
    """
    for line in cell.source.splitlines():
        text = line.strip().strip('"').strip("'").lstrip("#").strip().replace("`", "")
        if text:
            saved = _SAVED_ANSWER.match(text)
            return f"Question {saved.group(1)}: the score of your saved answer" if saved else text
    return grade_id(cell) or ""


def mark_scheme(source_notebook, task_id: str) -> str:
    """The mark scheme of task ``task_id`` in the instructor's notebook, or ''."""
    for cell in source_notebook.cells:
        if grade_id(cell) == task_id:
            found = _SCHEME.search(cell.source)
            return found.group(1).strip() if found else ""
    return ""


class NameFeedbackCells(Preprocessor):
    """Adds to each graded cell's nbgrader metadata what the feedback template shows:

    - ``feedback_label``: "Question 1.1: …" for test and task cells, and "Question 1.1:
      your answer" for the answer cells before them;
    - for cells graded by a person: ``by_hand`` (True), ``marked`` (whether a person has
      given a score yet) and, when :attr:`self_marking` is on, ``mark_scheme`` and
      ``answered`` (whether the learner wrote anything in the answer cell below).
    """

    enabled = Bool(True)  # nbconvert's preprocessors are off unless enabled

    self_marking = Bool(
        False,
        help="The learner marks their own reflections (make check): show the mark scheme "
        "once they have answered. Never for feedback sent to a class.",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources.setdefault("nbgrader", {})
        source = self._source_notebook(resources) if self.self_marking else None
        released = self._released_notebook(resources) if self.self_marking else None
        marked = self._hand_marked(resources)
        pending_answers = []
        by_hand_points = 0.0
        for index, cell in enumerate(nb.cells):
            meta = cell.metadata.get("nbgrader")
            if not meta:
                continue
            if meta.get("solution") and not meta.get("grade"):
                pending_answers.append(meta)
                continue
            if not (meta.get("grade") or meta.get("task")):
                continue
            label = question_label(cell)
            meta["feedback_label"] = label
            number = _QUESTION.search(label)
            for answer in pending_answers:
                answer["feedback_label"] = (
                    f"Question {number.group(1)}: your answer" if number else "Your answer"
                )
            pending_answers = []
            if is_graded_by_hand(cell.cell_type, is_task(cell)):
                scheme = _SCHEME.search(cell.source)
                if scheme:  # never on the page itself; shown apart, to self-markers only
                    cell.source = cell.source[: scheme.start()] + cell.source[scheme.end() :]
                    cell.source = cell.source.rstrip() + "\n"
                meta["by_hand"] = True
                meta["marked"] = meta.get("grade_id") in marked
                by_hand_points += float(meta.get("points") or 0)
                if self.self_marking:
                    meta["mark_scheme"] = (
                        scheme.group(1).strip()
                        if scheme
                        else mark_scheme(source, meta["grade_id"])
                        if source
                        else ""
                    )
                    meta["answered"] = _answered(nb, released, index)
        info["by_hand_points"] = by_hand_points
        info["self_marking"] = self.self_marking
        info["saved_answer_label"] = SAVED_ANSWER_LABEL  # the line the template shows
        return nb, resources

    @staticmethod
    def _paths(resources):
        info = resources.get("nbgrader", {})
        root = Path(resources.get("metadata", {}).get("path", ".")).resolve()
        # autograded/<student>/<assignment>/ -> the course directory is three levels up.
        course = root.parents[2] if len(root.parents) > 2 else root
        return course, info.get("assignment", ""), info.get("notebook", "")

    def _source_notebook(self, resources):
        return self._read(resources, "source")

    def _released_notebook(self, resources):
        return self._read(resources, "release")

    def _read(self, resources, edition: str):
        import nbformat

        course, assignment, notebook = self._paths(resources)
        try:
            return nbformat.read(course / edition / assignment / f"{notebook}.ipynb", 4)
        except (OSError, ValueError):
            return None

    @staticmethod
    def _hand_marked(resources) -> set[str]:
        """The grade ids a person has given a score to, read from the gradebook."""
        info = resources.get("nbgrader", {})
        if not info.get("db_url"):
            return set()
        try:
            return hand_marked(
                info["db_url"], info["assignment"], info["notebook"], info["student"]
            )
        except Exception:  # no gradebook at hand: nothing is known to be marked
            return set()


def _answered(nb, released, task_index: int) -> bool:
    """Whether the learner wrote an answer in the cell after the task: it is not empty
    and no longer the placeholder the student edition handed out."""
    if task_index + 1 >= len(nb.cells):
        return False
    written = nb.cells[task_index + 1].source.strip()
    if not written:
        return False
    task_id = grade_id(nb.cells[task_index])
    if released is not None:
        for position, cell in enumerate(released.cells[:-1]):
            if grade_id(cell) == task_id:
                return written != released.cells[position + 1].source.strip()
    return True
