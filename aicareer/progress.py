"""How far a learner has got, module by module, for the start page.

Everything shown is read from files, never guessed from how a notebook looks: lessons
are delivered already run (stored with outputs and execution counts), so a lesson
counts as run only from the record its kernel writes while the learner runs it
(:func:`record_practice`, called by :class:`~aicareer.practice.Practice` as each
practice question is shown). An assignment's widget questions are compared with its
answer sheet, and its code exercises and written answers are read from the notebook
file (:mod:`aicareer.notebook_status`, the same reader ``hw.check_complete()`` uses).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .answers import (
    AnswerSheetError,
    Entry,
    now_stamp,
    read_sheet,
    render_sheet,
    sheet_path,
    write_atomically,
)
from .course import MODULES, Module
from .notebook_status import (
    WIDGET_QUESTION_TAG,
    answer_state,
    is_widget_question,
    notebook_contents,
    read_notebook,
)
from .runmode import grading_mode

__all__ = [
    "WIDGET_QUESTION_TAG",
    "ModuleProgress",
    "course_progress",
    "example_workspace",
    "is_widget_question",
    "module_progress",
    "progress_table",
    "record_practice",
    "show_progress",
    "workspace_of",
]

# The file ``make lab`` keeps in the workspace root: a lesson is only recorded there.
WORKSPACE_MARK = ".course-state.json"


def lesson_record_path(lesson: Path) -> Path:
    """Where the record of a lesson's run lives: a hidden file beside the lesson."""
    return Path(lesson).with_name(f".{Path(lesson).stem}.progress.json")


def _in_workspace(lesson: Path) -> bool:
    return lesson.parent.name == "lessons" and (lesson.parent.parent / WORKSPACE_MARK).exists()


def read_lesson_record(lesson: Path) -> list[str]:
    """The practice questions recorded as shown in ``lesson`` (empty if it never ran)."""
    try:
        record = json.loads(lesson_record_path(lesson).read_text("utf-8"))
        reached = record.get("reached", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [item for item in reached if isinstance(item, str)] if isinstance(reached, list) else []


def record_practice(lesson: Path, question_id: str | None = None) -> bool:
    """Note that the learner's kernel ran ``lesson`` (and showed ``question_id``).

    Written only for a lesson inside a workspace made by ``make lab``, never while
    nbgrader runs, and never with a fuss: a read-only folder just records nothing.
    Returns True if the record was written.
    """
    lesson = Path(lesson)
    if grading_mode() or not _in_workspace(lesson):
        return False
    reached = read_lesson_record(lesson)
    if question_id is not None and question_id not in reached:
        reached.append(question_id)
    elif lesson_record_path(lesson).exists():
        return False
    record = {"lesson": lesson.stem, "reached": reached, "updated": now_stamp()}
    try:
        write_atomically(lesson_record_path(lesson), json.dumps(record, indent=1) + "\n")
    except OSError:
        return False
    return True


def session_notebook() -> Path | None:
    """The notebook whose kernel this is, as Jupyter tells it (``JPY_SESSION_NAME``)."""
    name = os.environ.get("JPY_SESSION_NAME", "")
    return Path(name) if name.endswith(".ipynb") and Path(name).is_file() else None


@dataclass(frozen=True)
class ModuleProgress:
    """What the start page shows for one module."""

    module: Module
    lesson: Path | None
    assignment: Path | None
    answered: int = 0
    questions: int = 0
    problem: str = ""
    practice_reached: int = 0
    practice: int = 0
    lesson_ran: bool = False
    partly: int = 0
    code_written: int = 0
    code: int = 0
    reflections_written: int = 0
    reflections: int = 0
    unticked: int = 0  # multiple-choice questions saved with nothing ticked
    code_begun: int = 0  # code exercises with code of their own, stub line or not

    @property
    def lesson_run(self) -> bool:
        """Every practice question of the lesson was shown by a running kernel."""
        return self.lesson_ran and self.practice_reached >= self.practice

    @property
    def assignment_started(self) -> bool:
        return bool(
            self.answered
            or self.partly
            or self.code_written
            or self.code_begun
            or self.reflections_written
        )

    @property
    def assignment_done(self) -> bool:
        return (
            self.answered == self.questions
            and self.code_written == self.code
            and self.reflections_written == self.reflections
            and (self.questions or self.code or self.reflections) > 0
        )

    def summary(self) -> str:
        """A few words on how far the learner has got."""
        if self.lesson is None and self.assignment is None:
            return "coming in a later release"
        if not (self.lesson_ran or self.assignment_started or self.problem):
            return "not started"
        parts = []
        if self.lesson is not None:
            if self.lesson_run:
                parts.append("lesson run")
            elif self.lesson_ran:
                parts.append(
                    f"lesson started ({self.practice_reached} of {self.practice} "
                    "practice questions reached)"
                )
            else:
                parts.append("lesson not run yet")
        if self.problem:
            parts.append(f"answer sheet needs attention: {self.problem}")
        elif self.assignment is not None:
            if self.assignment_done:
                parts.append("assignment ready to hand in")
            elif not self.assignment_started:
                parts.append("assignment not started")
            else:
                parts.append(self._assignment_counts())
        return " · ".join(parts)

    def _assignment_counts(self) -> str:
        counts = []
        if self.questions:
            text = f"{self.answered} of {self.questions} questions answered"
            notes = [f"{self.partly} only partly"] if self.partly else []
            if self.unticked:
                notes.append(f"{self.unticked} with nothing ticked")
            if notes:
                text += f" ({', '.join(notes)})"
            counts.append(text)
        if self.code:
            counts.append(f"{self.code_written} of {self.code} code exercises written")
        if self.reflections:
            noun = "written answer" if self.reflections == 1 else "written answers"
            counts.append(f"{self.reflections_written} of {self.reflections} {noun} done")
        return ", ".join(counts)


def count_questions(notebook: Path) -> int:
    """The number of widget questions in an assignment notebook (its tagged cells)."""
    nb = read_notebook(notebook)
    return len(notebook_contents(nb).widget_questions) if nb is not None else 0


def module_progress(workspace: Path, module: Module) -> ModuleProgress:
    """Progress of one module in ``workspace``."""
    lesson = workspace / "lessons" / f"{module.slug}.ipynb"
    assignment = workspace / "assignments" / module.slug / f"{module.slug}.ipynb"
    found = {}
    if lesson.exists():
        found["lesson"] = lesson
        record_exists = lesson_record_path(lesson).exists()
        reached = set(read_lesson_record(lesson))
        nb = read_notebook(lesson)
        practice = notebook_contents(nb).practice_ids if nb is not None else []
        found.update(
            lesson_ran=record_exists,
            practice=len(practice),
            practice_reached=len(reached & set(practice)),
        )
    else:
        found["lesson"] = None
    nb = read_notebook(assignment) if assignment.exists() else None
    if nb is None:
        return ModuleProgress(
            module, assignment=assignment if assignment.exists() else None, **found
        )
    contents = notebook_contents(nb)
    found.update(
        assignment=assignment,
        questions=len(contents.widget_questions),
        code=len(contents.code_exercises),
        code_written=sum(e.written for e in contents.code_exercises),
        code_begun=sum(e.has_code for e in contents.code_exercises),
        reflections=len(contents.reflections),
        reflections_written=sum(r.written for r in contents.reflections),
    )
    try:
        sheet = read_sheet(sheet_path(assignment.parent, module.slug), module.slug)
    except AnswerSheetError as error:
        return ModuleProgress(module, problem=str(error), **found)
    states = [answer_state(q, sheet.get(q.id)) for q in contents.widget_questions]
    return ModuleProgress(
        module,
        answered=states.count("answered"),
        partly=states.count("partly"),
        unticked=states.count("unticked"),
        **found,
    )


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


def workspace_of(folder: Path) -> Path | None:
    """The workspace a lesson in ``folder`` belongs to (the folder above ``lessons/``
    that ``make lab`` marked), or None when ``folder`` is not inside a workspace."""
    folder = Path(folder)
    if folder.name == "lessons" and (folder.parent / WORKSPACE_MARK).exists():
        return folder.parent
    return None


# The course checkout this package lives in: its notebooks/ and release/ say what each
# module asks, so that the example workspace has the real course's sizes.
COURSE_DIR = Path(__file__).resolve().parents[1]
# In a row of a made-up learner: every item of that part of the module.
ALL = -1
# The made-up learner of :func:`example_workspace`, module by module, how far they got in
# (lesson practice questions reached, widget questions answered, code exercises written,
# written answers done): modules 1 to 4 finished, 5 under way, the lesson of 6 started.
EXAMPLE_LEARNER = (
    (ALL, ALL, ALL, ALL),
    (ALL, ALL, ALL, ALL),
    (ALL, ALL, ALL, ALL),
    (ALL, ALL, ALL, ALL),
    (ALL, 2, 1, 0),
    (1, 0, 0, 0),
    (0, 0, 0, 0),
    (0, 0, 0, 0),
)


def module_sizes(module: Module, course_dir: Path = COURSE_DIR) -> tuple[int, int, int, int]:
    """What ``module`` asks in the course at ``course_dir``: (practice questions of its
    lesson in notebooks/, widget questions, code exercises and written answers of its
    student edition in release/); 0 for a notebook that is not there."""
    course_dir = Path(course_dir)
    lesson = read_notebook(course_dir / "notebooks" / f"{module.slug}.ipynb")
    assignment = read_notebook(course_dir / "release" / module.slug / f"{module.slug}.ipynb")
    practice = len(notebook_contents(lesson).practice_ids) if lesson is not None else 0
    if assignment is None:
        return practice, 0, 0, 0
    asks = notebook_contents(assignment)
    return practice, len(asks.widget_questions), len(asks.code_exercises), len(asks.reflections)


def _cell(kind: str, source: str, **metadata) -> dict:
    cell = {"cell_type": kind, "metadata": metadata, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _write_notebook(path: Path, cells: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")


def example_workspace(folder: Path, learner=EXAMPLE_LEARNER, course_dir: Path = COURSE_DIR) -> Path:
    """Write a small made-up workspace into ``folder`` and return it.

    For showing what the progress of a learner halfway through the course looks like
    where no real workspace exists (a lesson run from ``notebooks/`` by CI). Each module
    gets a stand-in lesson and assignment asking as many practice questions, widget
    questions, code exercises and written answers as the real module does
    (:func:`module_sizes` of ``course_dir``), done as far as its row of ``learner`` says
    (as in :data:`EXAMPLE_LEARNER`; a count above the module's size means all of it).
    Nothing in it depends on the date or on chance, so for one state of the course it
    reads the same every time.
    """
    course_dir = Path(course_dir)
    if not (course_dir / "notebooks").is_dir():
        raise FileNotFoundError(f"no course notebooks in {course_dir / 'notebooks'}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / WORKSPACE_MARK).write_text("{}\n", encoding="utf-8")
    stamp = "2026-01-01T00:00:00+00:00"
    for module, row in zip(MODULES, learner, strict=False):
        sizes = module_sizes(module, course_dir)
        practice, questions, code, tasks = sizes
        reached, answered, written, done = (
            size if n == ALL else min(n, size) for n, size in zip(row, sizes, strict=True)
        )
        lesson = folder / "lessons" / f"{module.slug}.ipynb"
        asks = [
            f'practice.single_choice("p{k}", "Example {k}?", ["yes", "no"], correct="yes")'
            for k in range(1, practice + 1)
        ]
        _write_notebook(
            lesson, [_cell("code", "practice = Practice()")] + [_cell("code", ask) for ask in asks]
        )
        if reached:
            record = {"lesson": module.slug, "reached": [f"p{k}" for k in range(1, reached + 1)]}
            lesson_record_path(lesson).write_text(json.dumps(record) + "\n", encoding="utf-8")
        notebook = folder / "assignments" / module.slug / f"{module.slug}.ipynb"
        cells = [_cell("code", f'hw = Assignment("{module.slug}")')]
        for k in range(1, questions + 1):
            cells.append(
                _cell(
                    "code",
                    f'hw.single_choice("1.{k}", "Example {k}?", ["yes", "no"])',
                    tags=[WIDGET_QUESTION_TAG],
                )
            )
        for k in range(1, code + 1):
            body = "    return 1" if k <= written else "    raise NotImplementedError()"
            cells.append(_cell("code", f"def f{k}():\n{body}\n", nbgrader={"solution": True}))
        for k in range(1, tasks + 1):
            cells.append(_cell("markdown", f"### Question 3.{k}", nbgrader={"task": True}))
            text = "My answer." if k <= done else "*Write your answer here.*"
            cells.append(_cell("markdown", text))
        _write_notebook(notebook, cells)
        if answered:
            answers = {f"1.{k}": Entry("single", "yes", stamp) for k in range(1, answered + 1)}
            write_atomically(
                sheet_path(notebook.parent, module.slug), render_sheet(module.slug, answers)
            )
    return folder
