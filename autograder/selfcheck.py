"""``make check``: a learner studying alone grades their own workspace with the real tests.

The learner's files are never touched: each assignment in ``workspace/assignments/`` is
copied into a scratch nbgrader course built from this checkout's ``source/`` (hidden
tests included), graded there exactly as an instructor would, and the feedback page is
copied back to ``workspace/feedback/``.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import export
from .grade import grade, load_api
from .release import nbgrader

LEARNER = "me"


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
        text = f"{self.assignment}: {self.earned:g} of {self.autograded:g} autograded points"
        if self.by_hand:
            text += f" (+{self.by_hand:g} graded by hand)"
        if self.status != "ok":
            text += f"; {self.status}: {self.detail}"
        return text


def check_workspace(repo: Path, workspace: Path) -> list[ModuleCheck]:
    """Grade every assignment the learner has in ``workspace`` against ``repo``'s source/."""
    repo, workspace = Path(repo).resolve(), Path(workspace).resolve()
    mine = sorted(
        p.name
        for p in (workspace / "assignments").glob("*")
        if p.is_dir() and (repo / "source" / p.name).is_dir()
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="self-check-") as scratch:
        course = Path(scratch)
        shutil.copy(repo / "nbgrader_config.py", course)
        shutil.copytree(repo / "source", course / "source")
        for assignment in mine:
            nbgrader(course, "generate_assignment", assignment, "--force", "--log-level=ERROR")
            target = course / "submitted" / LEARNER / assignment
            shutil.copytree(
                workspace / "assignments" / assignment,
                target,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.unreadable-*"),
            )
            (outcome,) = grade(course, assignment, workers=1, progress=False)
            load_api(course).generate_feedback(assignment, LEARNER, force=True)
            results.append(_summarise(course, workspace, assignment, outcome))
    return results


def _summarise(course: Path, workspace: Path, assignment: str, outcome) -> ModuleCheck:
    from nbgrader.api import Gradebook

    points = export.scores(export.gradebook_url(course), assignment).get(LEARNER, {})
    with Gradebook(export.gradebook_url(course)) as gradebook:
        cells = gradebook.find_notebook(assignment, assignment).grade_cells
        by_hand = sum(c.max_score for c in cells if not c.cell_type == "code")
        task_points = sum(
            c.max_score for c in gradebook.find_notebook(assignment, assignment).task_cells
        )
        total = gradebook.find_assignment(assignment).max_score
    by_hand += task_points
    page = None
    for html in (course / "feedback" / LEARNER / assignment).glob("*.html"):
        page = workspace / "feedback" / f"{assignment}.html"
        page.parent.mkdir(exist_ok=True)
        shutil.copy(html, page)
    return ModuleCheck(
        assignment,
        round(sum(points.values()), 4),
        total - by_hand,
        by_hand,
        outcome.status,
        outcome.detail,
        page,
    )
