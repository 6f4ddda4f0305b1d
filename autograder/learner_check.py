"""``make check``: a learner studying alone grades their own workspace with the real tests.

The learner's files are never touched: each assignment in ``workspace/assignments/`` is
copied into a scratch nbgrader course built from this checkout's ``source/`` (hidden
tests included), graded there exactly as an instructor would, and the feedback page is
copied back to ``workspace/feedback/``. The copy is taken as the grader takes any
submission (:func:`autograder.guards.files.take_submission`): links are not followed and
special files not read, and the line says what was left out.

The modules are graded at once, on one pool of grading workers for the whole check (as
many as there are modules to grade, up to :data:`autograder.options.DEFAULT_WORKERS`):
most of the cost of checking one small module is starting things (a process, nbgrader's
imports, a kernel), and a worker kept between modules pays for them once. Each worker
also generates the module's assignment in the scratch course through nbgrader's API
(instead of one ``nbgrader`` command per module) and writes the feedback page itself.
"""

from __future__ import annotations

import fcntl
import shutil
import tempfile
from concurrent.futures import as_completed
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat

from aicareer.answers import SUFFIX, read_sheet
from aicareer.notebook_status import notebook_contents, read_notebook

from . import gradebook
from .grading.engine import local_pool
from .grading.outcomes import Outcome, Submission
from .grading.statuses import MISSING_ANSWERS, with_intake
from .grading.worker import grade_submission, load_api
from .guards.files import Intake, take_submission
from .nbgrader_command import NbgraderFailed
from .notebooks import is_graded, is_graded_by_hand, is_task, points
from .options import DEFAULT_WORKERS, GradingOptions, Isolation
from .reports.feedback import SELF_MARKING_CONFIG
from .reports.wording import points_text
from .sandbox import isolation_problem

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


def check_workspace(repo: Path, workspace: Path, workers: int | None = None) -> list[ModuleCheck]:
    """Grade every assignment the learner has in ``workspace`` against ``repo``'s source/.

    Returns one result per assignment, in course order. Modules not started are not
    graded; the others are graded at once on one pool of ``workers`` processes (default:
    one per module to grade, up to :data:`DEFAULT_WORKERS`).
    """
    repo, workspace = Path(repo).resolve(), Path(workspace).resolve()
    mine = sorted(
        p.name
        for p in (workspace / "assignments").glob("*")
        if p.is_dir() and not p.is_symlink() and (repo / "source" / p.name).is_dir()
    )
    results: dict[str, ModuleCheck] = {}
    gradebook.quiet_gradebook_warnings()
    with tempfile.TemporaryDirectory(prefix="self-check-") as scratch:
        course = Path(scratch)
        shutil.copy(repo / "nbgrader_config.py", course)
        with open(course / "nbgrader_config.py", "a", encoding="utf-8") as config:
            config.write(SELF_MARKING_CONFIG)
        shutil.copytree(repo / "source", course / "source")
        intakes: dict[str, Intake] = {}
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
                results[assignment] = untouched
            else:
                intakes[assignment] = intake
        for outcome in _grade_modules(course, list(intakes), workers):
            assignment = outcome.submission.assignment
            status, detail = with_intake(intakes[assignment], outcome.status, outcome.detail)
            outcome = replace(outcome, status=status, detail=detail)
            results[assignment] = _summarise(course, workspace, assignment, outcome)
    return [results[assignment] for assignment in mine]


def _grade_modules(course: Path, assignments: list[str], workers: int | None) -> list[Outcome]:
    """Generate and grade each of ``assignments`` (the learner's copies are already in
    ``submitted/``) on one local pool of worker processes, all submitted at once."""
    if not assignments:
        return []
    options = GradingOptions(
        workers=workers or min(len(assignments), DEFAULT_WORKERS),
        # The worker writes the page right after grading, from the scratch course's
        # configuration, which has SELF_MARKING_CONFIG in it.
        feedback=True,
        # A learner's own machine, never a cluster named in the environment.
        scheduler=None,
    )
    problem = "turned off" if options.isolation is Isolation.OFF else isolation_problem()
    pool = local_pool(course, options, problem)
    try:
        futures = [
            pool.submit(generate_and_grade, str(course), options, problem, assignment)
            for assignment in assignments
        ]
        return [future.result() for future in as_completed(futures)]
    finally:
        pool.shutdown(cancel_futures=True)


def generate_and_grade(
    course: str, options: GradingOptions, sandbox_problem: str | None, assignment: str
) -> Outcome:
    """A worker's task: generate ``assignment`` in the scratch ``course`` with nbgrader's
    API, then grade the learner's copy of it as any submission is graded.

    Raises:
        NbgraderFailed: when nbgrader cannot generate the assignment, with its log.
    """
    # Workers generate one at a time: the first creates the gradebook, which nbgrader
    # does not guard against a second process doing the same, and SQLite takes one
    # writer at a time anyway. Generating a module after that takes a fraction of a second.
    with open(Path(course) / ".generate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        generated = load_api(Path(course), options).generate_assignment(assignment, force=True)
    if not generated.get("success"):
        raise NbgraderFailed(
            f"nbgrader generate_assignment {assignment} failed:\n"
            f"{(generated.get('log') or '') + (generated.get('error') or '')}".strip()
        )
    return grade_submission(course, options, sandbox_problem, Submission(LEARNER, assignment))


def _summarise(course: Path, workspace: Path, assignment: str, outcome: Outcome) -> ModuleCheck:
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
