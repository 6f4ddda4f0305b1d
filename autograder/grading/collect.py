"""Bring an LMS download (a zip or a folder of uploads) into nbgrader's ``submitted/`` layout.

Learning platforms rename uploads, e.g. ``amara_1234_5678_07-job-search.ipynb``. A
regular expression with the named groups ``student`` and ``file`` says how to read a
name (like nbgrader's ``zip_collect``). Each learner's notebook and answer sheet are
copied to ``submitted/<student>/<assignment>/`` under the names the assignment uses.
Archives are read defensively: no member may write outside the scratch folder, and
oversized archives are refused. A folder of uploads is read by the rules of
:mod:`autograder.guards.files`: links are never followed, FIFOs, sockets, devices and
hard links are never read, and notebooks and sheets over their caps are skipped; each
such upload is listed as skipped with the reason. A student id must be a plain folder
name (not ``..``, not hidden, no separator or control character); any other is skipped.

The time of each notebook upload (a zip member's date, or a file's modification time,
taken as UTC) is written to ``timestamp.txt`` as nbgrader's exchange does, so that a
due date given to ``grade --due`` shows who handed in late.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from aicareer.answers import MAX_BYTES as SHEET_MAX_BYTES
from aicareer.answers import SUFFIX as SHEET_SUFFIX

from ..guards.files import (
    MAX_NOTEBOOK_BYTES,
    RefusedFile,
    copy_regular_file,
    folder_name_problem,
    regular_files,
)
from ..guards.text import one_line

# Canvas-style names: <student>_[late_]<numbers>_<numbers>_<original file name> (Canvas
# writes "late" in lower case; either case is read).
DEFAULT_PATTERN = r"^(?P<student>[^_/]+)_(?:(?i:late)_)?\d+_\d+_(?P<file>.+)$"
MAX_ARCHIVE_BYTES = 2_000_000_000
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's own


@dataclass
class Collected:
    """What was brought in, and what could not be used."""

    students: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _extract(archive: Path, into: Path) -> Path:
    """Unpack ``archive`` into ``into``, giving each file the member's date."""
    with zipfile.ZipFile(archive) as bundle:
        total = sum(info.file_size for info in bundle.infolist())
        if total > MAX_ARCHIVE_BYTES:
            raise ValueError(f"{archive.name}: unpacks to {total:,} bytes, more than allowed")
        for info in bundle.infolist():
            target = (into / info.filename).resolve()
            if not target.is_relative_to(into.resolve()):
                raise ValueError(
                    f"{archive.name}: the member {info.filename!r} points outside "
                    "the archive's folder"
                )
        bundle.extractall(into)
        for info in bundle.infolist():
            if not info.is_dir():
                when = datetime(*info.date_time, tzinfo=timezone.utc).timestamp()
                os.utime(into / info.filename, (when, when))
    return into


def collect(
    course: Path,
    assignment: str,
    uploads: Path,
    pattern: str = DEFAULT_PATTERN,
    replace: bool = False,
) -> Collected:
    """Copy the uploads of ``assignment`` into ``course/submitted``.

    Args:
        course: the nbgrader course directory.
        assignment: the assignment's name (the notebook is ``<assignment>.ipynb``).
        uploads: a zip file or a folder of uploaded files, as the LMS gives them.
        pattern: a regular expression with named groups ``student`` and ``file``.
        replace: replace a student's existing submission (otherwise it is kept and the
            upload is skipped, so a re-run never overwrites anything silently).
    """
    rule = re.compile(pattern)
    if not {"student", "file"} <= set(rule.groupindex):
        raise ValueError("the pattern needs the named groups (?P<student>...) and (?P<file>...)")
    result = Collected()
    with tempfile.TemporaryDirectory(prefix="uploads-") as scratch:
        folder = Path(uploads)
        if folder.is_file():
            folder = _extract(folder, Path(scratch))
        by_student: dict[str, dict[str, Path]] = {}
        uploaded_at: dict[Path, float] = {}
        for path, info, refusal in sorted(regular_files(folder), key=lambda found: found[0]):
            if refusal:
                result.skipped.append(f"{one_line(path.name, 80)}: {refusal}")
                continue
            uploaded_at[path] = info.st_mtime
            match = rule.match(path.name)
            if not match:
                result.skipped.append(f"{path.name}: the name does not match the pattern")
                continue
            kind = _kind(match.group("file"))
            if kind is None:
                result.skipped.append(f"{path.name}: neither a notebook nor an answer sheet")
                continue
            student = match.group("student")
            problem = folder_name_problem(student)
            if problem:
                result.skipped.append(
                    f"{one_line(path.name, 80)}: the student id {one_line(student, 40)!r} "
                    f"is not a plain folder name ({problem})"
                )
                continue
            by_student.setdefault(student, {})[kind] = path
        for student, files in sorted(by_student.items()):
            target = Path(course) / "submitted" / student / assignment
            if target.exists() and not replace:
                result.skipped.append(f"{student}: already in submitted/, kept as it is")
                continue
            if "notebook" not in files:
                result.skipped.append(f"{student}: an answer sheet without a notebook")
                continue
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            try:
                _copy_upload(files, target, assignment)
            except RefusedFile as refused:
                shutil.rmtree(target)
                result.skipped.append(f"{student}: {refused.reason}")
                continue
            uploaded = datetime.fromtimestamp(uploaded_at[files["notebook"]], timezone.utc)
            (target / "timestamp.txt").write_text(uploaded.strftime(TIMESTAMP_FORMAT))
            result.students.append(student)
    return result


def _copy_upload(files: dict[str, Path], target: Path, assignment: str) -> None:
    """Copy one learner's notebook (and sheet) under the names the assignment uses, each
    read as a regular file within its cap; raises :class:`RefusedFile` naming the upload."""
    copies = [("notebook", f"{assignment}.ipynb", MAX_NOTEBOOK_BYTES)]
    if "sheet" in files:
        copies.append(("sheet", f"{assignment}{SHEET_SUFFIX}", SHEET_MAX_BYTES))
    for kind, name, cap in copies:
        try:
            copy_regular_file(files[kind], target / name, cap)
        except RefusedFile as refused:
            raise RefusedFile(f"{files[kind].name}: {refused.reason}") from None


def _kind(file_name: str) -> str | None:
    if file_name.endswith(SHEET_SUFFIX) or file_name.endswith(".json"):
        return "sheet"
    if file_name.endswith(".ipynb"):
        return "notebook"
    return None
