"""What one worker process does: grade submission after submission with nbgrader's API.

Most of the cost of grading one small submission is starting things (Python, nbgrader's
imports, a kernel), not running the learner's code. So each worker process imports
nbgrader once, builds one ``NbGraderAPI`` the first time it is asked to grade, and keeps
it for every later submission of the same run (the same sanitising, cell restoring and
scoring as ``nbgrader autograde``).

The worker is set up lazily, from the task's own arguments, so that any executor can run
it: the local process pool, or an executor of a cluster whose processes were started
without knowing about this course.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from ..options import GradingOptions
from ..sandbox import trust_probe
from . import statuses
from .outcomes import Outcome, Submission

# One NbGraderAPI per worker process and run, keyed by what configured it.
_APIS: dict[tuple, object] = {}


def load_api(course: Path, options: GradingOptions | None = None):
    """An NbGraderAPI configured by the course's ``nbgrader_config.py`` and ``options``."""
    from nbgrader.apps.api import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    options = options or GradingOptions()
    if options.cell_timeout:
        config.Execute.timeout = options.cell_timeout
    if options.notebook_timeout:
        config.GuardedExecute.notebook_timeout = options.notebook_timeout
    config.SandboxedKernelManager.isolation = options.isolation.value
    if options.db_url:
        config.CourseDirectory.db_url = options.db_url
    return NbGraderAPI(config=config)


def prepare_process(course: str, sandbox_problem: str | None) -> None:
    """Make this process fit to grade in ``course``; safe to call more than once."""
    # nbgrader finds its helpers (alembic) on PATH.
    bin_dir = str(Path(sys.executable).parent)
    if not os.environ.get("PATH", "").startswith(bin_dir + os.pathsep):
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    os.chdir(course)
    trust_probe(sandbox_problem)


def _api(course: str, options: GradingOptions, sandbox_problem: str | None):
    key = (course, options)
    if key not in _APIS:
        prepare_process(course, sandbox_problem)
        _APIS[key] = load_api(Path(course), options)
    return _APIS[key]


def grade_submission(
    course: str, options: GradingOptions, sandbox_problem: str | None, submission: Submission
) -> Outcome:
    """Autograde one submission (and write its feedback page if the options say so)."""
    api = _api(course, options, sandbox_problem)
    start = time.perf_counter()
    result = api.autograde(submission.assignment, submission.student, force=True, create=True)
    status, detail = statuses.classify(Path(course), submission, result)
    if options.feedback and result.get("success"):
        # Here rather than afterwards in one loop: the feedback pages are made in parallel too.
        api.generate_feedback(submission.assignment, submission.student, force=True)
    return Outcome(submission, status, detail, time.perf_counter() - start)
