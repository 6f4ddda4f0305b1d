"""How far a learner has got: widget questions answered per assignment in the workspace."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from .answers import AnswerSheetError, read_sheet, sheet_path
from .course import MODULES, Module

# The tag that marks a cell asking a widget question: the release, the grader and the
# start page all find questions by it.
WIDGET_QUESTION_TAG = "widget-question"


def is_widget_question(cell) -> bool:
    """True for a notebook cell that asks a widget question."""
    return WIDGET_QUESTION_TAG in cell.get("metadata", {}).get("tags", [])


@dataclass(frozen=True)
class ModuleProgress:
    """What the start page shows for one module."""

    module: Module
    lesson: Path | None
    assignment: Path | None
    answered: int = 0
    questions: int = 0
    problem: str = ""

    def summary(self) -> str:
        """A few words on how far the learner has got."""
        if self.lesson is None and self.assignment is None:
            return "coming in a later release"
        if self.problem:
            return f"answer sheet needs attention: {self.problem}"
        if self.assignment is None or self.questions == 0:
            return "lesson only so far"
        if self.answered == 0:
            return "not started"
        return f"{self.answered} of {self.questions} questions answered"


def count_questions(notebook: Path) -> int:
    """The number of widget questions in an assignment notebook (its tagged cells)."""
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:  # a notebook the learner broke still gets a start page
        return 0
    return sum(is_widget_question(c) for c in nb.cells)


def module_progress(workspace: Path, module: Module) -> ModuleProgress:
    """Progress of one module in ``workspace``."""
    lesson = workspace / "lessons" / f"{module.slug}.ipynb"
    assignment = workspace / "assignments" / module.slug / f"{module.slug}.ipynb"
    lesson_found = lesson if lesson.exists() else None
    if not assignment.exists():
        return ModuleProgress(module, lesson_found, None)
    questions = count_questions(assignment)
    try:
        answered = len(read_sheet(sheet_path(assignment.parent, module.slug), module.slug))
    except AnswerSheetError as error:
        return ModuleProgress(module, lesson_found, assignment, 0, questions, str(error))
    return ModuleProgress(module, lesson_found, assignment, min(answered, questions), questions)


def course_progress(workspace: Path) -> list[ModuleProgress]:
    """Progress of every module, in course order."""
    return [module_progress(Path(workspace), module) for module in MODULES]


def progress_table(workspace: Path) -> str:
    """The modules as a Markdown table with links (relative to ``workspace``) and progress."""
    rows = ["| # | Module | Lesson | Assignment | Time | Progress |", "|---|---|---|---|---|---|"]
    for item in course_progress(workspace):
        m = item.module
        lesson = f"[open](lessons/{m.slug}.ipynb)" if item.lesson else "—"
        task = f"[open](assignments/{m.slug}/{m.slug}.ipynb)" if item.assignment else "—"
        rows.append(
            f"| {m.number} | **{m.title}**<br>{m.question} | {lesson} | {task} | "
            f"{m.minutes} min | {item.summary()} |"
        )
    return "\n".join(rows)


def show_progress(workspace: Path | None = None) -> None:
    """Display the progress table in a notebook (the start page's refresh cell)."""
    from IPython.display import Markdown, display

    display(Markdown(progress_table(Path(workspace or Path.cwd()))))
