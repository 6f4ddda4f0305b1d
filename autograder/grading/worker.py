"""What one worker process does: grade submission after submission with nbgrader's API.

Most of the cost of grading one small submission is starting things (Python, nbgrader's
imports, a kernel), not running the learner's code. So each worker process imports
nbgrader once, builds one ``NbGraderAPI`` the first time it is asked to grade, and keeps
it for every later submission of the same run (the same sanitising, cell restoring and
scoring as ``nbgrader autograde``).

The worker is set up lazily, from the task's own arguments, so that any executor can run
it: the local process pool, or an executor of a cluster whose processes were started
without knowing about this course.

nbgrader never reads ``submitted/`` itself. The worker first takes the submission in
(:func:`autograder.guards.files.take_submission`): its regular files, read without
following links and within caps, are copied into a staging folder of the worker's own,
and links, FIFOs, sockets, devices, hard links and files past a cap are refused there,
before anything is parsed. nbgrader is then pointed at the staging folder (an absolute
``submitted_directory``, which nbgrader's paths allow), so its copy into ``autograded/``,
the kernel's files and everything read afterwards come from what passed. The learner's
original stays as it was handed in.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from ..gradebook import gradebook_url
from ..guards import trusted_scores
from ..guards.files import take_submission
from ..options import GradingOptions
from ..sandbox import trust_probe
from . import statuses
from .outcomes import Outcome, Submission
from .shared_engine import share_engines

# One NbGraderAPI per worker process and run, keyed by what configured it.
_APIS: dict[tuple, object] = {}
INTAKE_PREFIX = "aicareer-intake-"
# nbgrader matches the submitted path with a regular expression built from it unescaped;
# a staging folder must hold none of these characters.
_REGEX_SPECIALS = frozenset("()[]{}?*+|^$\\")


def load_api(course: Path, options: GradingOptions | None = None):
    """An NbGraderAPI configured by the course's ``nbgrader_config.py`` and ``options``."""
    from nbgrader.apps.api import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    from ..metadata_checks import build_validators_once

    build_validators_once()

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    # nbconvert validates the whole notebook after every preprocessor by default (about
    # twenty times a submission). Once, after the last step of each conversion, still
    # refuses a notebook a step made invalid; it only no longer names the step.
    config.NotebookExporter.optimistic_validation = True
    options = options or GradingOptions()
    if options.cell_timeout:
        config.Execute.timeout = options.cell_timeout
    if options.notebook_timeout:
        config.GuardedExecute.notebook_timeout = options.notebook_timeout
    config.SandboxedKernelManager.isolation = options.isolation.value
    config.SandboxedKernelManager.warm_kernels = options.warm_kernels
    if options.db_url:
        config.CourseDirectory.db_url = options.db_url
    return NbGraderAPI(config=config)


def import_grading_libraries() -> None:
    """Import what grading a submission imports, so that worker processes forked from
    this one start with it (about a second of CPU each otherwise)."""
    import nbgrader.apps.api  # noqa: F401
    import nbgrader.converters.autograde  # noqa: F401
    import nbgrader.converters.generate_feedback  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401

    from .. import preprocessors  # noqa: F401
    from ..metadata_checks import build_validators_once
    from . import statuses  # noqa: F401

    build_validators_once()


def prepare_process(course: str, sandbox_problem: str | None) -> None:
    """Make this process fit to grade in ``course``; safe to call more than once."""
    # nbgrader finds its helpers (alembic) on PATH.
    bin_dir = str(Path(sys.executable).parent)
    if not os.environ.get("PATH", "").startswith(bin_dir + os.pathsep):
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    os.chdir(course)
    trust_probe(sandbox_problem)
    share_engines()


def _api(course: str, options: GradingOptions, sandbox_problem: str | None):
    key = (course, options)
    if key not in _APIS:
        prepare_process(course, sandbox_problem)
        _APIS[key] = load_api(Path(course), options)
    return _APIS[key]


def grade_submission(
    course: str,
    options: GradingOptions,
    sandbox_problem: str | None,
    submission: Submission,
    taken=None,
) -> Outcome:
    """Autograde one submission (and write its feedback page if the options say so).

    Only what :func:`take_submission` passed is graded; see the module's docstring.
    ``taken`` is a submission already taken in on another machine (its files and intake
    record, :class:`autograder.grading.cluster.TakenSubmission`): a cluster's worker then
    grades those and never reads ``submitted/``.
    """
    from nbgrader.utils import temp_attrs

    api = _api(course, options, sandbox_problem)
    start = time.perf_counter()
    submitted = Path(course) / "submitted"
    with tempfile.TemporaryDirectory(prefix=INTAKE_PREFIX, dir=_staging_parent(course)) as staging:
        handed_in = Path(staging) / submission.student / submission.assignment
        if taken is None:
            intake = take_submission(
                submitted / submission.student / submission.assignment, handed_in, trusted=submitted
            )
        else:
            intake = taken.unpack(handed_in)
        with temp_attrs(api.coursedir, submitted_directory=staging):
            result = api.autograde(
                submission.assignment, submission.student, force=True, create=True
            )
        status, detail = statuses.classify(Path(course), submission, result, handed_in, intake)
        if result.get("success"):
            # Widget questions scored here from the hand-in, whatever the kernel said, and
            # before the feedback page is made, so that every page shows the same score.
            claimed = trusted_scores.score_in_trusted_process(
                Path(course),
                handed_in,
                submission.assignment,
                submission.student,
                gradebook_url(Path(course), options.db_url),
            )
            if claimed and status not in statuses.NOT_GRADED:
                reasons = [detail] if status == statuses.TAMPERED else []
                status, detail = statuses.TAMPERED, "; ".join(reasons + claimed)[:500]
    if options.feedback and result.get("success"):
        # Here rather than afterwards in one loop: the feedback pages are made in parallel too.
        api.generate_feedback(submission.assignment, submission.student, force=True)
    return Outcome(submission, status, detail, time.perf_counter() - start)


def _staging_parent(course: str) -> str:
    """Where staging folders go: the temporary folder, unless its path would confuse
    nbgrader's path matching, then the course folder (removed again after each use)."""
    parent = tempfile.gettempdir()
    return course if _REGEX_SPECIALS & set(parent) else parent
