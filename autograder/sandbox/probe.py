"""Can this machine isolate kernels? Found out once, before any submission is graded.

A sandbox that exists but cannot run a kernel (a missing folder, namespaces switched off)
must be found here, not blamed on the learners as one dead kernel after another.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..options import Isolation

_PROBED: dict[str, str | None] = {}


def trust_probe(problem: str | None) -> None:
    """Take the result of :func:`isolation_problem` from the process that already
    checked (the grade command hands it to its workers instead of each checking again)."""
    _PROBED["problem"] = problem


def isolation_problem() -> str | None:
    """Why kernels cannot be isolated on this machine, or None if they can (checked once
    per process). A warm template this process has started answers it: it started in the
    sandbox and imported the kernel and the course there, which is what :func:`_probe`
    starts a Python to find out. Otherwise, or if the template failed, the probe runs."""
    if "problem" not in _PROBED:
        from .warm import started_template_works

        _PROBED["problem"] = None if started_template_works() else _probe()
    return _PROBED["problem"]


def _probe() -> str | None:
    """Start this Python in a sandbox exactly as a kernel would be started, and import
    the kernel and the course's package there."""
    from .bwrap import bwrap_command

    if not sys.platform.startswith("linux"):
        return f"kernel isolation needs Linux namespaces; this is {sys.platform}"
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian/Ubuntu: sudo apt-get install bubblewrap)"
    scratch = Path(tempfile.mkdtemp(prefix="aicareer-grade-"))
    try:
        (scratch / "files").mkdir()
        (scratch / "ipc").mkdir()
        probe = subprocess.run(
            [*bwrap_command(scratch, 64, {}), sys.executable, "-c", "import ipykernel, aicareer"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if probe.returncode != 0:
        reason = probe.stderr.strip().splitlines()[-1:] or [f"exit code {probe.returncode}"]
        return f"bubblewrap cannot start a kernel here: {reason[0]}"
    return None


def describe(isolation: Isolation | str) -> str:
    """One line for the instructor: will kernels be isolated under this setting?"""
    if Isolation(isolation) is Isolation.OFF:
        return "NOT ISOLATED: kernels run as you, in the course folder (isolation turned off)"
    problem = isolation_problem()
    if problem:
        return f"NOT ISOLATED: {problem}. Only memory and file-size limits apply."
    return "isolated: each kernel runs in a bubblewrap sandbox with no network"
