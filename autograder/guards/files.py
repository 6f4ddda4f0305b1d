"""Reading files a learner (or a learner's kernel) controls, without being led astray.

A submission folder, an LMS upload folder and the sandbox's ``ipc`` folder are written
by someone the grader does not trust. Everything here reads them by these rules:

- nothing is followed: every folder is opened with ``O_NOFOLLOW | O_DIRECTORY`` below a
  trusted starting folder, and every file with ``O_NOFOLLOW``, so a symbolic link (to a
  file or a folder, absolute or relative) is refused, never read through;
- only regular files are read: FIFOs, sockets and device files are refused from
  ``lstat`` before anything is opened, and every open adds ``O_NONBLOCK`` and checks
  ``fstat`` again, so that a FIFO swapped in between cannot make the grader wait;
- a file with more than one name (``st_nlink > 1``) is refused: its content is another
  file's, maybe one outside the folder (the gradebook, say);
- every read is capped, by bytes read rather than by the size the file claims (a sparse
  file of many GiB is refused by its size before a byte is read);
- a submission is taken in whole by :func:`take_submission`, which copies what passes
  into a folder of the grader's own and says what it refused and why; the grader then
  works on that copy only.

The caps below bound the grader's own work on one submission (copying, parsing and
rendering happen outside the kernel's limits). They are constants rather than options
because no course needs more; see each comment for why its value.
"""

from __future__ import annotations

import errno
import fnmatch
import json
import os
import shutil
import stat
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .text import one_line

KiB = 1024
MiB = 1024 * KiB

# A released notebook of this course is 50-80 kB; saved with every output of a learner's
# session (plots included) it stays under 2 MB. nbgrader reads, sanitises, stores and
# renders it outside the kernel's limits; 8 MiB leaves room for many plots while keeping
# the feedback page and the gradebook's copy of the work small.
MAX_NOTEBOOK_BYTES = 8 * MiB
# What costs the grader time is cells, not bytes: reading and validating 40,000 one-line
# cells (6 MiB) took 1.3 s here, and nbgrader then runs each in the kernel and renders each
# on the feedback page. The course's notebooks have 30-60 cells; 1,000 is far beyond any.
MAX_NOTEBOOK_CELLS = 1000
# Text cells are rendered on the feedback page by a markdown parser whose time grows much
# faster than the text on pathological input: 18,000 characters of nested emphasis, links
# and code marks took 0.8 s, 72,000 took 22 s, one cell of 400 KB held a worker for
# minutes. The course's longest text cell has 3,500 characters.
MAX_TEXT_CELL_CHARS = 20_000
MAX_TEXT_CHARS = 200_000  # all text cells of a notebook together
# A hand-in is a notebook, an answer sheet, a timestamp and perhaps a few data files. Each
# file costs a copy into autograded/, another into the sandbox's scratch folder and a third
# into the kernel's home: 10,000 tiny files took over three minutes. 200 is far more than
# any assignment here needs and costs well under a second.
MAX_FILES = 200
# What the kernel's home can hold is 256 MiB (SandboxedKernelManager.home_mb), and every
# byte is copied three times on the host, so 64 MiB bounds the disk and time a submission
# costs the grader while fitting comfortably in the home.
MAX_TOTAL_BYTES = 64 * MiB
# Entries looked at before giving up on a folder: listing is cheap, but not unbounded.
MAX_ENTRIES_SEEN = 10 * MAX_FILES
# Folders inside a submission: a data folder or two is normal; deeper is an accident.
MAX_DEPTH = 6
# Folders Jupyter and Python make on their own: never part of the work, never copied.
SKIPPED_FOLDERS = frozenset({".ipynb_checkpoints", "__pycache__"})
# The longest student id or file name (Linux allows 255 bytes in a name).
MAX_NAME_BYTES = 200

_UNCAPPED = 1 << 62  # "no cap": larger than any file
_READ = os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY
_NO_FOLLOW = os.O_NOFOLLOW | os.O_NONBLOCK


class RefusedFile(Exception):
    """A file or folder the grader will not read; the message says why."""

    def __init__(self, reason: str, too_large: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large


def describe_kind(mode: int) -> str | None:
    """What a non-regular, non-folder entry is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    return "not a regular file"


def _link_reason(name: str, dir_fd: int) -> str:
    try:
        target = os.readlink(name, dir_fd=dir_fd)
    except OSError:
        return "a symbolic link (not followed)"
    return f"a symbolic link to {one_line(target, 80)!r} (not followed)"


def _refusal_for(name: str, info: os.stat_result, dir_fd: int) -> str | None:
    """Why the entry ``name`` (described by its ``lstat``) is not read, or None."""
    if stat.S_ISLNK(info.st_mode):
        return _link_reason(name, dir_fd)
    kind = describe_kind(info.st_mode)
    if kind:
        return f"{kind} (not read)"
    if info.st_nlink > 1:
        return "a hard link: the same file has another name, maybe outside the submission"
    return None


def _size_text(size: int) -> str:
    return f"{size / MiB:.1f} MiB" if size >= MiB else f"{size:,} bytes"


def open_folder(trusted: Path, parts: Sequence[str]) -> int:
    """A file descriptor for ``trusted/parts...``, every part opened without following
    a link. ``trusted`` itself is the grader's own (the course's ``submitted/``, a scratch
    folder it made) and is opened normally. The caller closes the descriptor.

    Raises:
        RefusedFile: when a part is a link, not a folder, or missing.
    """
    for part in parts:
        if part in ("", ".", "..") or "/" in part or "\0" in part:
            raise RefusedFile(f"{part!r} is not a plain folder name")
    fd = os.open(trusted, _READ | os.O_DIRECTORY)
    for part in parts:
        try:
            child = os.open(part, _READ | _NO_FOLLOW | os.O_DIRECTORY, dir_fd=fd)
        except OSError as error:
            reason = _open_failure(part, fd, error)
            os.close(fd)
            raise RefusedFile(f"{part}: {reason}") from None
        os.close(fd)
        fd = child
    return fd


def _open_failure(name: str, dir_fd: int, error: OSError) -> str:
    if error.errno == errno.ENOENT:
        return "missing"
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return one_line(error.strerror or str(error))
    return _refusal_for(name, info, dir_fd) or one_line(error.strerror or str(error))


def read_at(dir_fd: int, name: str, max_bytes: int) -> bytes:
    """The bytes of the regular file ``name`` in the open folder ``dir_fd``, at most
    ``max_bytes`` of them.

    Raises:
        RefusedFile: a link, FIFO, socket, device, folder, hard link, a file larger than
            ``max_bytes`` (with ``too_large`` set), or one that changed while opened.
    """
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError as error:
        raise RefusedFile(
            "missing" if error.errno == errno.ENOENT else one_line(error.strerror)
        ) from None
    reason = _refusal_for(name, info, dir_fd)
    if reason:
        raise RefusedFile(reason)
    if info.st_size > max_bytes:
        raise RefusedFile(
            f"{_size_text(info.st_size)}, more than the {_size_text(max_bytes)} allowed",
            too_large=True,
        )
    try:
        fd = os.open(name, _READ | _NO_FOLLOW, dir_fd=dir_fd)
    except OSError as error:
        raise RefusedFile(_open_failure(name, dir_fd, error)) from None
    try:
        opened = os.fstat(fd)
        if (
            not stat.S_ISREG(opened.st_mode)
            or opened.st_nlink > 1
            or (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino)
        ):
            raise RefusedFile("it was replaced while being read (not read)")
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(MiB, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > max_bytes:
        raise RefusedFile(f"more than the {_size_text(max_bytes)} allowed", too_large=True)
    return b"".join(chunks)


def read_regular_file(path: Path, max_bytes: int, trusted: Path | None = None) -> bytes:
    """The bytes of ``path``, read by the rules of this module.

    Every folder between ``trusted`` (the grader's own, default: the file's parent) and
    the file is opened without following links, so a submission folder that is itself a
    link is refused too.

    Raises:
        RefusedFile: see :func:`read_at` and :func:`open_folder`.
    """
    path = Path(path)
    trusted = Path(trusted) if trusted is not None else path.parent
    parts = path.parent.relative_to(trusted).parts
    fd = open_folder(trusted, parts)
    try:
        return read_at(fd, path.name, max_bytes)
    finally:
        os.close(fd)


def read_submission_file(folder: Path, name: str, max_bytes: int) -> bytes:
    """``name`` in a submission folder ``.../submitted/<student>/<assignment>/``, with the
    student's and the assignment's folders opened without following links too."""
    folder = Path(folder)
    return read_regular_file(folder / name, max_bytes, trusted=folder.parent.parent)


def remove_entry(path: Path) -> None:
    """Remove ``path`` whatever it is, never following a link (a link is removed, not its
    target; a folder is removed with what it holds). Missing is fine."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(path, ignore_errors=True)  # rmtree never follows links inside
    else:
        path.unlink(missing_ok=True)


def clear_folder(folder: Path) -> None:
    """Remove everything in ``folder`` (the grader's own) without following links."""
    fd = os.open(folder, _READ | os.O_DIRECTORY)
    try:
        names = os.listdir(fd)
    finally:
        os.close(fd)
    for name in names:
        remove_entry(Path(folder) / name)


def folder_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a student's folder name, or None if it can.

    A plain folder name only: not empty, ``.`` or ``..``, no ``/``, ``\\`` or NUL, no
    control, format (bidirectional, zero-width) or line-separator character, not
    starting with a dot (hidden, and nbgrader ignores such folders) and not too long.
    Any letters of any script are fine (``zoë-学生``).
    """
    if not name or name in (".", ".."):
        return "not a folder name"
    if name.startswith("."):
        return "starts with a dot"
    if any(char in "/\\\0" for char in name):
        return "contains a path separator or NUL"
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in name):
        return "contains a control or invisible character"
    if name != name.strip():
        return "starts or ends with a space"
    if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        return f"longer than {MAX_NAME_BYTES} bytes"
    return None


@dataclass(frozen=True)
class Refusal:
    """One entry of a submission that was not taken, and why."""

    path: str  # relative to the submission folder
    reason: str
    too_large: bool = False  # refused for a size cap, not for what it is

    def __str__(self) -> str:
        return f"{one_line(self.path, 80)}: {self.reason}"


@dataclass
class Intake:
    """What :func:`take_submission` copied, and what it refused."""

    taken: list[str] = field(default_factory=list)  # relative paths, in the order copied
    refused: list[Refusal] = field(default_factory=list)
    caps_hit: list[str] = field(default_factory=list)  # sentences naming each cap hit
    bytes_taken: int = 0

    def refusal_of(self, relative: str) -> Refusal | None:
        """The refusal of the entry ``relative``, or None if it was not refused."""
        return next((r for r in self.refused if r.path == relative), None)

    def summary(self, most: int = 5) -> str:
        """The refusals and caps in one line, naming at most ``most`` entries."""
        named = [str(r) for r in self.refused[:most]]
        rest = len(self.refused) - len(named)
        text = "; ".join(named)
        if rest > 0:
            text += f"; and {rest} more"
        if self.caps_hit:
            text = "; ".join([*self.caps_hit, text] if text else self.caps_hit)
        return text


@dataclass(frozen=True)
class _Candidate:
    relative: PurePosixPath
    size: int


def _first(relative: PurePosixPath) -> tuple:
    """Copy order: the notebooks, answer sheet and timestamp at the top first (so that a
    cap never pushes out the work itself), then everything else by name."""
    top = len(relative.parts) == 1
    work = top and (
        relative.suffix == ".ipynb"
        or relative.name.endswith(".answers.json")
        or relative.name == "timestamp.txt"
    )
    return (not work, str(relative))


def _survey(
    dir_fd: int,
    relative: PurePosixPath,
    depth: int,
    intake: Intake,
    found: list,
    capped: bool = True,
) -> None:
    """Every regular file under the open folder ``dir_fd``, refusing the rest."""
    with os.scandir(dir_fd) as listing:
        names = sorted(entry.name for entry in listing)
    for name in names:
        if capped and len(found) + len(intake.refused) >= MAX_ENTRIES_SEEN:
            cap = f"more than {MAX_ENTRIES_SEEN:,} entries: the rest were not looked at"
            if cap not in intake.caps_hit:
                intake.caps_hit.append(cap)
            return
        path = relative / name
        try:
            info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError as error:
            intake.refused.append(Refusal(str(path), one_line(error.strerror or error)))
            continue
        if stat.S_ISDIR(info.st_mode):
            if name in SKIPPED_FOLDERS:
                continue
            if depth >= MAX_DEPTH:
                intake.refused.append(
                    Refusal(str(path), f"a folder nested deeper than {MAX_DEPTH} (not read)")
                )
                continue
            try:
                child = os.open(name, _READ | _NO_FOLLOW | os.O_DIRECTORY, dir_fd=dir_fd)
            except OSError as error:
                intake.refused.append(Refusal(str(path), _open_failure(name, dir_fd, error)))
                continue
            try:
                _survey(child, path, depth + 1, intake, found, capped)
            finally:
                os.close(child)
            continue
        reason = _refusal_for(name, info, dir_fd)
        if reason:
            intake.refused.append(Refusal(str(path), reason))
        else:
            found.append(_Candidate(path, info.st_size))


def take_submission(
    folder: Path,
    into: Path,
    trusted: Path | None = None,
    leave_out: tuple[str, ...] = (),
    capped: bool = True,
) -> Intake:
    """Copy the regular files of the submission ``folder`` into the new folder ``into``,
    by the rules of this module and within the caps; return what was taken and refused.

    ``trusted`` is the grader's own folder above ``folder`` (default: its parent); every
    folder between them is opened without following links. If ``folder`` itself cannot
    be opened (a link, say), nothing is taken and the refusal says why. Regular files whose
    names match one of the ``leave_out`` patterns (``"*.ipynb"``) are neither taken nor
    refused. With ``capped`` false (for a folder the grader built itself from a capped
    intake and the instructor's own files) only the rules apply, not the caps. The
    learner's original is only read, never changed.
    """
    folder, into = Path(folder), Path(into)
    trusted = Path(trusted) if trusted is not None else folder.parent
    intake = Intake()
    into.mkdir(parents=True, exist_ok=False)
    try:
        root = open_folder(trusted, folder.relative_to(trusted).parts)
    except RefusedFile as refused:
        intake.refused.append(Refusal(".", refused.reason.split(": ", 1)[-1]))
        return intake
    try:
        found: list[_Candidate] = []
        _survey(root, PurePosixPath(), 0, intake, found, capped)
        found = [
            c for c in found if not any(fnmatch.fnmatchcase(c.relative.name, p) for p in leave_out)
        ]
        found.sort(key=lambda c: _first(c.relative))
        left_out = 0
        for candidate in found:
            relative = candidate.relative
            is_notebook = relative.suffix == ".ipynb"
            if not capped:
                cap = _UNCAPPED
            elif len(intake.taken) >= MAX_FILES:
                left_out += 1
                continue
            else:
                cap = MAX_NOTEBOOK_BYTES if is_notebook else MAX_TOTAL_BYTES - intake.bytes_taken
            if candidate.size > cap and not is_notebook:
                intake.refused.append(
                    Refusal(
                        str(relative),
                        f"{_size_text(candidate.size)}: past the {_size_text(MAX_TOTAL_BYTES)} "
                        "a submission may hold in all (not copied)",
                        too_large=True,
                    )
                )
                continue
            try:
                data = _read_below(root, relative, cap)
            except RefusedFile as refused:
                reason = refused.reason
                if refused.too_large and is_notebook:
                    reason = f"{reason} for a notebook (not read)"
                intake.refused.append(Refusal(str(relative), reason, refused.too_large))
                continue
            too_many = capped and is_notebook and _cells_over_cap(data)
            if too_many:
                intake.refused.append(Refusal(str(relative), too_many, too_large=True))
                continue
            target = into / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_new(target, data)
            intake.taken.append(str(relative))
            intake.bytes_taken += len(data)
        if left_out:
            intake.caps_hit.append(
                f"{left_out:,} files past the {MAX_FILES} a submission may hold were left out"
            )
        if any(r.too_large and not r.path.endswith(".ipynb") for r in intake.refused):
            intake.caps_hit.append(
                f"files past the {_size_text(MAX_TOTAL_BYTES)} a submission may hold were left out"
            )
    finally:
        os.close(root)
    return intake


def _cells_over_cap(data: bytes) -> str:
    """Why a notebook has too many cells to grade, or '' (also for one that does not
    parse: nbgrader then says it cannot read it)."""
    try:
        cells = json.loads(data).get("cells")
    except (ValueError, RecursionError, AttributeError):
        return ""
    if not isinstance(cells, list):
        return ""
    if len(cells) > MAX_NOTEBOOK_CELLS:
        return f"{len(cells):,} cells, more than the {MAX_NOTEBOOK_CELLS:,} a notebook may have"
    sizes = [_text_length(cell) for cell in cells if isinstance(cell, dict)]
    if max(sizes, default=0) > MAX_TEXT_CELL_CHARS:
        return (
            f"a text cell of {max(sizes):,} characters, more than the "
            f"{MAX_TEXT_CELL_CHARS:,} one may have"
        )
    if sum(sizes) > MAX_TEXT_CHARS:
        return (
            f"text cells of {sum(sizes):,} characters in all, more than the "
            f"{MAX_TEXT_CHARS:,} a notebook may have"
        )
    return ""


def _text_length(cell: dict) -> int:
    """Characters of a markdown or raw cell's source (0 for a code cell or odd shapes)."""
    if cell.get("cell_type") not in ("markdown", "raw"):
        return 0
    source = cell.get("source", "")
    if isinstance(source, list):
        return sum(len(line) for line in source if isinstance(line, str))
    return len(source) if isinstance(source, str) else 0


def _read_below(root_fd: int, relative: PurePosixPath, max_bytes: int) -> bytes:
    parts = relative.parts
    fd = root_fd
    try:
        for part in parts[:-1]:
            child = os.open(part, _READ | _NO_FOLLOW | os.O_DIRECTORY, dir_fd=fd)
            if fd != root_fd:
                os.close(fd)
            fd = child
        return read_at(fd, parts[-1], max_bytes)
    except OSError as error:
        raise RefusedFile(one_line(error.strerror or error)) from None
    finally:
        if fd != root_fd:
            os.close(fd)


def _write_new(target: Path, data: bytes) -> None:
    """Write a new file the grader owns (O_EXCL: never through anything already there)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)


def copy_regular_file(source: Path, target: Path, max_bytes: int) -> None:
    """Copy the regular file ``source`` (read by the rules above, its parent trusted) to
    the new file ``target``; raises :class:`RefusedFile` with the reason otherwise."""
    _write_new(Path(target), read_regular_file(Path(source), max_bytes))


def regular_files(folder: Path) -> Iterator[tuple[Path, os.stat_result | None, str]]:
    """Every entry under ``folder`` (the top one trusted), as ``(path, lstat, refusal)``:
    a regular file has an empty refusal; anything else (a link, FIFO, socket, device,
    hard link) has the reason it is not read. Links to folders are not entered. At most
    :data:`MAX_ENTRIES_SEEN` entries, :data:`MAX_DEPTH` folders deep."""
    intake = Intake()
    found: list[_Candidate] = []
    fd = open_folder(Path(folder), [])
    try:
        _survey(fd, PurePosixPath(), 0, intake, found)
    finally:
        os.close(fd)
    for candidate in found:
        path = Path(folder) / candidate.relative
        yield path, os.lstat(path), ""
    for refusal in intake.refused:
        yield Path(folder) / refusal.path, None, refusal.reason
