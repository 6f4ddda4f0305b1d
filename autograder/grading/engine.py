"""Grade a class: every submission of an assignment, several at a time, on an executor.

The engine hands one task per submission to a ``concurrent.futures.Executor`` and
collects the outcomes; it prints nothing. By default the executor is a local pool of
worker processes (see :mod:`.worker` for why processes are kept between submissions);
any other executor with the same ``submit`` can be passed in instead. With
``options.scheduler`` set, it is a Dask cluster's (:mod:`.cluster`).
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from pathlib import Path

from ..options import GradingOptions, Isolation
from ..sandbox import isolation_problem
from ..sandbox.warm import (
    TemplateUnavailable,
    close_this_process_template,
    start_shared_template,
    this_process_template,
)
from .outcomes import Outcome, Submission
from .worker import grade_submission, import_grading_libraries, prepare_process


def find_submissions(course: Path, assignment: str) -> list[Submission]:
    """Every ``submitted/<student>/<assignment>/`` folder, sorted by student."""
    folder = Path(course) / "submitted"
    students = (
        sorted(p.name for p in folder.iterdir() if (p / assignment).is_dir())
        if folder.is_dir()
        else []
    )
    return [Submission(student, assignment) for student in students]


class LocalPool(ProcessPoolExecutor):
    """Worker processes forked from this one after it has imported nbgrader's machinery
    and started the warm template they share, so neither is paid once per worker."""

    def __init__(self, course: Path, options: GradingOptions, sandbox_problem: str | None):
        self._template = options.warm_kernels and sandbox_problem is None
        if self._template:
            start_shared_template()  # its imports run while this process does its own
        import_grading_libraries()
        if self._template:
            try:
                this_process_template()  # ready before the workers are forked
            except TemplateUnavailable:
                pass  # each kernel starts cold; the manager says so
        # Frozen before the fork, the imported modules' objects are never walked by a
        # worker's collections (nor copied for them): each worker makes its own garbage.
        gc.freeze()
        super().__init__(
            max_workers=options.workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=prepare_process,
            initargs=(str(course), sandbox_problem),
        )

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the workers, then the template they shared."""
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        if self._template:
            close_this_process_template()


def local_pool(course: Path, options: GradingOptions, sandbox_problem: str | None) -> Executor:
    """The default executor: ``options.workers`` processes on this machine, each made
    ready to grade as it starts."""
    return LocalPool(course, options, sandbox_problem)


def grade(
    course: Path,
    assignment: str,
    options: GradingOptions | None = None,
    executor: Executor | None = None,
    on_outcome: Callable[[Outcome, int], None] | None = None,
) -> list[Outcome]:
    """Autograde every submission of ``assignment`` in ``course`` (only those of
    ``options.students``, if it names any).

    The assignment must have been released (``make release``), so that nbgrader's
    gradebook knows its cells. ``on_outcome(outcome, total)`` is called as each
    submission finishes (for a progress bar). Returns one outcome per submission,
    sorted by student.
    """
    course = Path(course).resolve()
    options = options or GradingOptions()
    submissions = find_submissions(course, assignment)
    if options.students:
        submissions = [s for s in submissions if s.student in set(options.students)]
    if not submissions:
        return []
    problem = "turned off" if options.isolation is Isolation.OFF else isolation_problem()
    own_executor = executor is None
    if executor is None and options.scheduler:
        # The same work on a Dask cluster, shipped as data (Dask is an optional extra).
        from .cluster import ClusterExecutor

        executor = ClusterExecutor(course, options)
    executor = executor or local_pool(course, options, problem)
    outcomes = []
    try:
        futures = [
            executor.submit(grade_submission, str(course), options, problem, submission)
            for submission in submissions
        ]
        for future in as_completed(futures):
            outcome = future.result()
            outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome, len(submissions))
    finally:
        if own_executor:
            executor.shutdown()
    return sorted(outcomes, key=lambda o: o.submission.student)
