"""Running an nbgrader command the way the course needs it, for release, the learner's
check, the tests and the benchmarks alike."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


class NbgraderFailed(RuntimeError):
    """An nbgrader command exited with an error; the message holds its output."""


def nbgrader_environment() -> dict[str, str]:
    """This process's environment with this interpreter's bin folder first on PATH
    (nbgrader runs alembic from there) and without nbgrader's grading marker (a command
    started while grading must not believe it is a graded kernel)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("NBGRADER_EXECUTION", None)
    return env


def nbgrader(course: Path, *args: str, timeout: float | None = 600) -> str:
    """Run ``nbgrader ARGS`` in ``course`` and return its output.

    Raises:
        NbgraderFailed: when it exits with an error, with the command and its output.
    """
    result = subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), *args],
        cwd=course,
        env=nbgrader_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise NbgraderFailed(f"nbgrader {' '.join(args)} failed:\n{output.strip()}")
    return output
