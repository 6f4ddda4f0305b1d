"""Grade a class: nbgrader's autograde for every submission, several at a time.

Most of the cost of grading one small submission is starting things (Python, nbgrader's
imports, a kernel), not running the learner's code. So the parallelism comes from a
pool of worker processes that each import nbgrader once and then grade submission after
submission with nbgrader's own API (the same sanitising, cell restoring and scoring as
``nbgrader autograde``), while the main process only hands out work and reads the
gradebook at the end.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from . import sandbox
from . import status as status_rules

_API = None  # one NbGraderAPI per worker process, made once by _start_worker


@dataclass(frozen=True)
class Submission:
    """One learner's hand-in of one assignment in ``submitted/<student>/<assignment>/``."""

    student: str
    assignment: str


@dataclass(frozen=True)
class Outcome:
    """How grading one submission went."""

    submission: Submission
    status: str
    detail: str
    seconds: float


@dataclass(frozen=True)
class Limits:
    """Settings that override ``nbgrader_config.py`` for one grading run (None: keep)."""

    cell_timeout: int | None = None  # seconds one cell may run
    notebook_timeout: int | None = None  # seconds a whole notebook may run
    isolation: str | None = None  # "auto", "on" or "off": kernels in a sandbox or not
    db_url: str | None = None  # the gradebook, if not SQLite in the course folder


def load_api(course: Path, limits: Limits | None = None):
    """An NbGraderAPI configured by the course's ``nbgrader_config.py`` and ``limits``."""
    from nbgrader.apps.api import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    limits = limits or Limits()
    if limits.cell_timeout:
        config.Execute.timeout = limits.cell_timeout
    if limits.notebook_timeout:
        config.GuardedExecute.notebook_timeout = limits.notebook_timeout
    if limits.isolation:
        config.SandboxedKernelManager.isolation = limits.isolation
    if limits.db_url:
        config.CourseDirectory.db_url = limits.db_url
    return NbGraderAPI(config=config)


def _start_worker(course: str, limits: Limits, sandbox_problem: str | None) -> None:
    global _API
    # nbgrader finds its helpers (alembic) on PATH; a kernel must not inherit grading mode.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    os.chdir(course)
    sandbox.trust_probe(sandbox_problem)
    _API = load_api(Path(course), limits)


def _grade_in_worker(submission: Submission, feedback: bool = False) -> Outcome:
    start = time.perf_counter()
    result = _API.autograde(submission.assignment, submission.student, force=True, create=True)
    course = Path(_API.coursedir.root)
    status, detail = status_rules.classify(course, submission, result)
    if feedback and result.get("success"):
        # Here rather than afterwards in one loop: the feedback pages are made in parallel too.
        _API.generate_feedback(submission.assignment, submission.student, force=True)
    return Outcome(submission, status, detail, time.perf_counter() - start)


def find_submissions(course: Path, assignment: str) -> list[Submission]:
    """Every ``submitted/<student>/<assignment>/`` folder, sorted by student."""
    folder = Path(course) / "submitted"
    students = (
        sorted(p.name for p in folder.iterdir() if (p / assignment).is_dir())
        if folder.is_dir()
        else []
    )
    return [Submission(student, assignment) for student in students]


class Progress:
    """A one-line progress bar with an estimate of the time left, on stderr."""

    def __init__(self, total: int, stream=None):
        self.total, self.done, self.start = total, 0, time.perf_counter()
        self.stream = stream or sys.stderr

    def step(self, outcome: Outcome) -> None:
        """Count one finished submission and redraw the line."""
        self.done += 1
        elapsed = time.perf_counter() - self.start
        left = elapsed / self.done * (self.total - self.done)
        filled = int(30 * self.done / self.total)
        bar = "#" * filled + "." * (30 - filled)
        self.stream.write(
            f"\r[{bar}] {self.done}/{self.total}  {elapsed:5.1f} s, about {left:4.0f} s left  "
            f"{outcome.submission.student[:20]:<20} {outcome.status:<16}"
        )
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()


def grade(
    course: Path,
    assignment: str,
    workers: int = 2,
    progress: bool = True,
    feedback: bool = False,
    limits: Limits | None = None,
) -> list[Outcome]:
    """Autograde every submission of ``assignment`` in ``course``, ``workers`` at a time.

    The assignment must have been released (``make release``), so that nbgrader's
    gradebook knows its cells. With ``feedback``, each worker also writes the feedback
    page of the submissions it graded. Returns one outcome per submission, sorted by student.
    """
    course = Path(course).resolve()
    limits = limits or Limits()
    submissions = find_submissions(course, assignment)
    if not submissions:
        return []
    bar = Progress(len(submissions)) if progress else None
    problem = "turned off" if limits.isolation == "off" else sandbox.isolation_problem()
    outcomes = []
    with ProcessPoolExecutor(
        max_workers=max(1, workers),
        initializer=_start_worker,
        initargs=(str(course), limits, problem),
    ) as pool:
        futures = [pool.submit(_grade_in_worker, s, feedback) for s in submissions]
        for future in as_completed(futures):
            outcome = future.result()
            outcomes.append(outcome)
            if bar:
                bar.step(outcome)
    return sorted(outcomes, key=lambda o: o.submission.student)
