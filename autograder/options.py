"""Every setting of a grading run, with its default, in one place.

The command line builds one frozen :class:`GradingOptions`; the grading engine, its
workers and nbgrader's configuration read it from there. Settings left as None keep what
``nbgrader_config.py`` says.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field


class Isolation(str, enum.Enum):
    """Whether each learner's kernel runs in a bubblewrap sandbox."""

    AUTO = "auto"  # where this machine allows it (the default), saying loudly when not
    ON = "on"  # refuse to grade without a sandbox
    OFF = "off"  # run kernels as the instructor, limits only

    def __str__(self) -> str:
        return self.value


# Kernels spend part of their time waiting, so one more than the cores keeps them busy.
DEFAULT_WORKERS = min(8, (os.cpu_count() or 1) + 1)
# Where Dask's own clients look for a scheduler; grading on a cluster reads it too.
SCHEDULER_ENVIRONMENT = "DASK_SCHEDULER_ADDRESS"
# The scheduler "address" that means this machine's pool even when the environment names one.
LOCAL_POOL = "local"


def scheduler_from_environment() -> str | None:
    """The Dask scheduler's address in the environment, if any (the default of
    :attr:`GradingOptions.scheduler`)."""
    return os.environ.get(SCHEDULER_ENVIRONMENT) or None


@dataclass(frozen=True)
class GradingOptions:
    """One grading run's settings."""

    workers: int = DEFAULT_WORKERS  # submissions graded at once
    feedback: bool = True  # write each learner's feedback page
    isolation: Isolation = Isolation.AUTO
    # Isolated kernels are forked from a warm template per worker (autograder.sandbox.
    # template) instead of each starting Python afresh; False starts every kernel cold.
    warm_kernels: bool = True
    cell_timeout: int | None = None  # seconds one cell may run (config: 120)
    notebook_timeout: int | None = None  # seconds a whole notebook may run (config: 900)
    db_url: str | None = None  # the gradebook, if not SQLite in the course folder
    due: str | None = None  # due date, recorded first so the grades show who was late
    progress: bool = True  # draw a progress bar on stderr
    # Only these students' submissions are graded; everyone else keeps the rows of the
    # last grading (their scores read again from the gradebook). Empty: the whole class.
    students: tuple[str, ...] = ()
    # A Dask scheduler (tcp://HOST:8786) to grade on instead of the local pool
    # (autograder.grading.cluster); default: $DASK_SCHEDULER_ADDRESS, else the local pool.
    scheduler: str | None = field(default_factory=scheduler_from_environment)

    def __post_init__(self):
        # Accept the plain word too ("on"), as the command line and older callers give it.
        object.__setattr__(self, "isolation", Isolation(self.isolation))
        if self.scheduler in ("", LOCAL_POOL):
            object.__setattr__(self, "scheduler", None)
        object.__setattr__(self, "students", tuple(self.students))
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers}")
