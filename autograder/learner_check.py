"""``make check``: a learner studying alone grades their own workspace with the real tests.

The learner's files are never touched: each assignment in ``workspace/assignments/`` is
copied into a scratch nbgrader course built from this checkout's ``source/`` (hidden
tests included), graded there exactly as an instructor would, and the feedback page is
copied back to ``workspace/feedback/``. The copy is taken as the grader takes any
submission (:func:`autograder.guards.files.take_submission`): links are not followed and
special files not read, and the line says what was left out.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat

from aicareer.answers import SUFFIX, read_sheet
from aicareer.notebook_status import notebook_contents, read_notebook

from . import gradebook
from .grading.engine import grade
from .grading.statuses import MISSING_ANSWERS, with_intake
from .grading.worker import load_api
from .guards.files import take_submission
from .nbgrader_command import nbgrader
from .notebooks import is_graded, is_graded_by_hand, is_task, points
from .options import GradingOptions
from .reports.feedback import SELF_MARKING_CONFIG
from .reports.wording import points_text

LEARNER = "me"
NOT_STARTED = "not started"


@dataclass(frozen=True)
class ModuleCheck:
    """The result of checking one assignment."""

    assignment: str
    earned: float
    autograded: float
    by_hand: float
    status: str
    detail: str
    feedback: Path | None

    def line(self) -> str:
        """One line for the terminal."""
        if self.status == NOT_STARTED:
            text = (
                f"{self.assignment}: not started ({points_text(self.autograded)} autograded points"
            )
            if self.by_hand:
                text += f" and {points_text(self.by_hand)} graded by hand"
            return text + " to earn)"
        text = (
            f"{self.assignment}: {points_text(self.earned)} of {points_text(self.autograded)} "
            "autograded points"
        )
        if self.by_hand:
            text += f" (+{points_text(self.by_hand)} graded by hand: mark yourself with the "
            text += "mark scheme on the feedback page)"
        if self.status == MISSING_ANSWERS:
            # The instructor's wording ("no ... was handed in") does not fit a learner at home.
            text += "; no widget answers are saved yet, so those questions earn nothing"
        elif self.status != "ok":
            text += f"; {self.status}: {self.detail}"
        return text


def check_workspace(repo: Path, workspace: Path) -> list[ModuleCheck]:
    """Grade every assignment the learner has in ``workspace`` against ``repo``'s source/."""
    repo, workspace = Path(repo).resolve(), Path(workspace).resolve()
    mine = sorted(
        p.name
        for p in (workspace / "assignments").glob("*")
        if p.is_dir() and not p.is_symlink() and (repo / "source" / p.name).is_dir()
    )
    results = []
    gradebook.quiet_gradebook_warnings()
    with tempfile.TemporaryDirectory(prefix="self-check-") as scratch:
        course = Path(scratch)
        shutil.copy(repo / "nbgrader_config.py", course)
        with open(course / "nbgrader_config.py", "a", encoding="utf-8") as config:
            config.write(SELF_MARKING_CONFIG)
        shutil.copytree(repo / "source", course / "source")
        for assignment in mine:
            target = course / "submitted" / LEARNER / assignment
            intake = take_submission(
                workspace / "assignments" / assignment,
                target,
                trusted=workspace / "assignments",
                leave_out=("*.unreadable-*",),
            )
            untouched = _not_started(repo, workspace, assignment, folder=target)
            if untouched:
                results.append(untouched)
                continue
            nbgrader(course, "generate_assignment", assignment, "--force", "--log-level=ERROR")
            (outcome,) = grade(course, assignment, GradingOptions(workers=1, feedback=False))
            load_api(course).generate_feedback(assignment, LEARNER, force=True)
            status, detail = with_intake(intake, outcome.status, outcome.detail)
            outcome = replace(outcome, status=status, detail=detail)
            results.append(_summarise(course, workspace, assignment, outcome))
    return results


def _summarise(course: Path, workspace: Path, assignment: str, outcome) -> ModuleCheck:
    db = gradebook.gradebook_url(course)
    earned = gradebook.scores(db, assignment).get(LEARNER, {})
    cells = gradebook.cell_points(db, assignment)
    page = None
    for html in (course / "feedback" / LEARNER / assignment).glob("*.html"):
        page = workspace / "feedback" / f"{assignment}.html"
        page.parent.mkdir(exist_ok=True)
        shutil.copy(html, page)
    return ModuleCheck(
        assignment,
        sum(earned.values()),
        cells.autograded_total,
        cells.by_hand_total,
        outcome.status,
        outcome.detail,
        page,
    )


def _not_started(
    repo: Path, workspace: Path, assignment: str, folder: Path | None = None
) -> ModuleCheck | None:
    """A check result saying "not started" when the learner has done nothing here yet:
    no answer saved, no code of their own in any exercise (even with the stub line still
    below it) and not a word in any reflection (opening the notebook and running its
    cells does not count, and neither does a course update). ``folder`` is where the
    learner's files are read: the grader's safe copy of them when grading."""
    folder = folder or workspace / "assignments" / assignment
    sheets = list(folder.glob(f"*{SUFFIX}"))
    if any(_has_answers(sheet, assignment) for sheet in sheets):
        return None
    released = sorted((repo / "release" / assignment).glob("*.ipynb"))
    autograded = by_hand = 0.0
    for handed_out in released:
        mine = read_notebook(folder / handed_out.name)
        if mine is None:  # missing or damaged: let grading say what it finds
            return None
        contents = notebook_contents(mine)
        if any(e.has_code for e in contents.code_exercises) or any(
            r.written or r.words for r in contents.reflections
        ):
            return None
        for cell in nbformat.read(handed_out, as_version=4).cells:
            if not is_graded(cell):
                continue
            if is_graded_by_hand(cell.cell_type, is_task(cell)):
                by_hand += points(cell)
            else:
                autograded += points(cell)
    if not released:
        return None
    return ModuleCheck(assignment, 0.0, autograded, by_hand, NOT_STARTED, "", None)


def _has_answers(sheet: Path, assignment: str) -> bool:
    """True unless the sheet reads as holding no answer (a damaged one counts as started)."""
    try:
        return bool(read_sheet(sheet, assignment))
    except Exception:
        return True
