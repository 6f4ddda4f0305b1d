"""This test run's own sandboxes, told apart from any other grader's on the same machine.

Each run grades with its own temporary folder (``TMPDIR``), so every scratch folder it
creates lives there, and every process of its sandboxes names that folder: bwrap and the
kernel on their command line (the socket folder, the connection file), and anything else
started inside a sandbox in its mount table (the socket folder is bound from there). Another
grader's sandboxes name their own folders, so they are never counted as ours.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCRATCH_PATTERN = "aicareer-grade-*"  # how SandboxedKernelManager names a scratch folder

_current: list[Path] = []  # the folder of the run in progress, if any


@contextmanager
def own_temp_folder(prefix: str = "aicareer-test-run-") -> Iterator[Path]:
    """Make a fresh temporary folder this process's (and its workers') default, for a while.

    Worker processes read ``TMPDIR``; this process has already cached its temporary folder,
    so ``tempfile.tempdir`` is set as well.
    """
    folder = Path(tempfile.mkdtemp(prefix=prefix)).resolve()
    saved_env, saved_cached = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = str(folder)
    _current.append(folder)
    try:
        yield folder
    finally:
        _current.remove(folder)
        tempfile.tempdir = saved_cached
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env
        shutil.rmtree(folder, ignore_errors=True)


def current_temp_folder() -> Path:
    """The folder of the run in progress (see :func:`own_temp_folder`)."""
    if not _current:
        raise RuntimeError("no test run's own temporary folder is set (use own_temp_folder)")
    return _current[-1]


def _read(path: Path) -> str:
    try:
        return path.read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:  # ended while we looked, or not ours to read
        return ""


def processes_naming(folder: Path) -> list[str]:
    """Running processes whose command line or mount table names ``folder``, as
    ``"PID: command"`` lines (this process excluded)."""
    name = str(folder)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        command = _read(entry / "cmdline")
        if name in command or name in _read(entry / "mountinfo"):
            found.append(f"{entry.name}: {command[:160]}")
    return found


def scratch_folders_in(folder: Path) -> set[str]:
    """The names of the kernel scratch folders in ``folder``."""
    return {path.name for path in folder.glob(SCRATCH_PATTERN)}
