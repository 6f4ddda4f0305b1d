"""Release: generate the student edition with nbgrader, and refuse it unless it is fit to hand out.

The order matters. Everything is first generated and checked in a scratch copy of the
course, so a failed check leaves ``release/`` and the gradebook as they were; only then
is the real ``release/`` regenerated, which also tells nbgrader's gradebook about the
assignment (autograde needs that).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..nbgrader_command import NbgraderFailed
from ..nbgrader_command import nbgrader as run_nbgrader
from . import checks

FULL_MARKS = "Success! Your notebook passes all the tests."
ALL_FAIL = "Success! The notebook does not pass any tests."


class ReleaseRefused(RuntimeError):
    """The student edition is not fit to hand out; ``problems`` says why."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Release:
    """What a successful release produced."""

    tables: dict[str, list[tuple[str, str, float]]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The points table of every assignment, for the terminal."""
        out = []
        for assignment, rows in self.tables.items():
            out.append(f"\n{assignment}")
            width = max(len(grade_id) for grade_id, _, _ in rows)
            for grade_id, how, points in rows:
                out.append(f"  {grade_id:<{width}}  {how:<13}  {points:>5g}")
            total = sum(points for _, _, points in rows)
            auto = sum(points for _, how, points in rows if how != "by hand")
            out.append(f"  {'total':<{width}}  {'':<13}  {total:>5g}  ({auto:g} autograded)")
        return out


def nbgrader(course: Path, *args: str) -> str:
    """Run an nbgrader command in ``course``; a failure refuses the release with its output."""
    try:
        return run_nbgrader(course, *args)
    except NbgraderFailed as failed:
        raise ReleaseRefused([str(failed)]) from None


def assignments_in(root: Path) -> list[str]:
    """Every assignment folder in ``source/``, in order."""
    return sorted(p.name for p in (root / "source").iterdir() if p.is_dir())


def check_in_scratch(root: Path, assignments: list[str]) -> list[str]:
    """Generate and check every assignment in a throwaway copy of the course."""
    problems = checks.answer_sheets_in(root / "source")
    for assignment in assignments:
        source = root / "source" / assignment / f"{assignment}.ipynb"
        problems += checks.grading_metadata(source) + checks.guessing(source)
    if problems:
        return problems  # do not spend a minute generating what is already refused
    with tempfile.TemporaryDirectory(prefix="release-check-") as scratch:
        course = Path(scratch)
        shutil.copy(root / "nbgrader_config.py", course)
        shutil.copytree(root / "source", course / "source")
        for assignment in assignments:
            name = f"{assignment}.ipynb"
            nbgrader(course, "generate_assignment", assignment, "--force")
            released = course / "release" / assignment / name
            problems += checks.leaks(released)
            problems += checks.answer_sheets_in(course / "release")
            if FULL_MARKS not in nbgrader(
                course, "validate", str(course / "source" / assignment / name)
            ):
                problems.append(f"source/{assignment}/{name}: the solutions do not pass every test")
            if ALL_FAIL not in nbgrader(course, "validate", "--invert", str(released)):
                problems.append(f"release/{assignment}/{name}: a blank notebook passes some test")
    return problems


def release(root: Path, assignments: list[str] | None = None) -> Release:
    """Check, then regenerate ``release/`` for ``assignments`` (default: all in source/).

    Raises:
        ReleaseRefused: listing every problem found; ``release/`` is then left unchanged.
    """
    root = Path(root)
    assignments = assignments or assignments_in(root)
    unknown = [a for a in assignments if not (root / "source" / a).is_dir()]
    if unknown:
        raise ReleaseRefused([f"no such assignment in source/: {a}" for a in unknown])
    problems = check_in_scratch(root, assignments)
    if problems:
        raise ReleaseRefused(problems)
    result = Release()
    for assignment in assignments:
        nbgrader(root, "generate_assignment", assignment, "--force")
        result.tables[assignment] = checks.points_table(
            root / "source" / assignment / f"{assignment}.ipynb"
        )
    return result
