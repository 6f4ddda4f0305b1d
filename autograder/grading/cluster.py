"""Grading on a Dask ``distributed`` cluster: the local pool's work, shipped as data.

``grade --scheduler tcp://HOST:8786`` (or ``$DASK_SCHEDULER_ADDRESS``) hands each
submission to a cluster instead of the local pool, through the same executor seam the
engine already has (:class:`ClusterExecutor` is a ``concurrent.futures.Executor``). A
worker needs only the installed course package, bubblewrap, and network access to the
scheduler and to the gradebook; it shares no folder with the course:

- on the instructor's machine, each submission is taken in by the trusted intake
  (:func:`autograder.guards.files.take_submission`: no link followed, no special file
  read, within the caps), and what passed travels as bytes with the intake's record
  (:class:`TakenSubmission`), so the worker never reads anyone's ``submitted/``;
- the course's ``nbgrader_config.py`` text and the assignment's ``source/`` files travel
  once per run (:class:`CourseKit`); ``release/`` is not needed to grade;
- each worker process rebuilds a scratch course from the kit and runs the very same
  :func:`~autograder.grading.worker.grade_submission` on it, sandboxing every kernel with
  the same limits and statuses; a worker that cannot sandbox refuses to grade unless
  isolation was turned off;
- the autograded notebooks, the feedback page and the outcome come back as data
  (:class:`GradedSubmission`) and the instructor's process writes them into
  ``autograded/<student>/<assignment>/`` and ``feedback/<student>/<assignment>/`` only,
  every name checked and every folder opened without following links.

Once per submission. The gradebook must be a server every worker reaches (PostgreSQL):
nbgrader writes scores from the worker. When a worker dies mid-batch, Dask runs its
submissions again on another worker; that run regrades from scratch (``force``), so it
replaces whatever the dead one had half written. Two runs of one submission never
overlap in the gradebook: each holds a PostgreSQL advisory lock on the submission while
it grades (released by the server if its worker dies). On the instructor's side the
first completed result of a submission is written and reported; any later one is
dropped, so files, progress bar and report count each submission once.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import socket
import stat
import tempfile
import threading
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..guards.files import (
    MAX_TOTAL_BYTES,
    Intake,
    folder_name_problem,
    read_regular_file,
    regular_files,
    take_submission,
)
from ..options import GradingOptions, Isolation
from . import statuses
from .outcomes import Outcome, Submission
from .worker import grade_submission

# What one graded file may weigh on its way back: a graded notebook is the handed-in one
# (at most 8 MiB) with outputs cut to the configured size, so this is never reached by
# honest work; it bounds what one result costs the scheduler and the instructor's memory.
MAX_RETURNED_FILE_BYTES = MAX_TOTAL_BYTES
INSTALL_HINT = (
    "Dask is not installed: pip install 'charting-a-career-in-ai[cluster]' "
    "(here and on every worker)"
)
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class ClusterRefused(ValueError):
    """Grading on a cluster cannot start; the message says what to change."""


class ClusterError(RuntimeError):
    """Grading on the cluster failed for a reason no submission caused."""


def refusal(options: GradingOptions, connected: bool = False) -> str | None:
    """Why ``options`` cannot grade on a cluster, or None if they can (``connected``: a
    client is already at hand, so no scheduler address is needed)."""
    if not options.scheduler and not connected:
        return "no scheduler address: pass --scheduler tcp://HOST:8786"
    db_url = options.db_url or ""
    if not db_url or db_url.startswith("sqlite"):
        return (
            "grading on a cluster needs a gradebook every worker can reach, not the course's "
            "SQLite file: pass --db postgresql+psycopg://USER@HOST/DATABASE (and create the "
            "assignment there with nbgrader generate_assignment --db=...)"
        )
    try:
        import distributed  # noqa: F401
    except ImportError:
        return INSTALL_HINT
    return None


# ---------------------------------------------------------------------------------------
# Work as data


def _relative_problem(relative: str) -> str | None:
    """Why ``relative`` cannot be written below a folder of the grader's, or None."""
    parts = relative.split("/")
    for part in parts:
        if part in ("", ".", ".."):
            return "not a plain relative path"
        if "\\" in part or "\0" in part:
            return "a backslash or NUL in a name"
        if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in part):
            return "a control or invisible character in a name"
        if len(part.encode("utf-8", "surrogateescape")) > 255:
            return "a name longer than 255 bytes"
    return None


def pack_folder(folder: Path, max_bytes: int = MAX_RETURNED_FILE_BYTES) -> tuple:
    """The regular files below ``folder`` as ``((relative path, bytes), ...)``, read without
    following links; anything else (a link, a special file, a file past ``max_bytes``) is
    left out. An empty tuple for a missing folder."""
    folder = Path(folder)
    if not folder.is_dir() or folder.is_symlink():
        return ()
    files = []
    for path, _info, refused in regular_files(folder):
        if refused:
            continue
        try:
            data = read_regular_file(path, max_bytes, trusted=folder)
        except Exception:
            continue
        files.append((path.relative_to(folder).as_posix(), data))
    return tuple(sorted(files))


def unpack_files(files: tuple, into: Path | int) -> list[str]:
    """Write ``files`` (as :func:`pack_folder` gives them) as new files below the existing
    folder ``into`` (a path, or a folder already open), never through a link; returns the
    paths left out, with why."""
    left_out = []
    opened_here = not isinstance(into, int)
    root = os.open(into, _FOLDER_FLAGS) if opened_here else into
    try:
        for relative, data in files:
            problem = _relative_problem(relative)
            if problem:
                left_out.append(f"{relative!r}: {problem}")
                continue
            *folders, name = relative.split("/")
            try:
                _write_below(root, folders, name, data)
            except OSError as error:
                left_out.append(f"{relative!r}: {error.strerror or error}")
    finally:
        if opened_here:
            os.close(root)
    return left_out


def _write_below(root: int, folders: list[str], name: str, data: bytes) -> None:
    fd = _open_folders(root, folders)
    try:
        out = os.open(name, _WRITE_FLAGS, 0o644, dir_fd=fd)
        with os.fdopen(out, "wb") as stream:
            stream.write(data)
    finally:
        if fd != root:
            os.close(fd)


def _open_folders(root: int, folders: list[str] | tuple[str, ...]) -> int:
    """The folder ``root/folders...``, made where missing; a link anywhere is an error
    (``O_NOFOLLOW``). Returns ``root`` itself for no folders."""
    fd = root
    for part in folders:
        try:
            os.mkdir(part, 0o755, dir_fd=fd)
        except FileExistsError:
            pass
        try:
            child = os.open(part, _FOLDER_FLAGS, dir_fd=fd)
        finally:
            if fd != root:
                os.close(fd)
        fd = child
    return fd


def _remove_below(dir_fd: int, name: str) -> None:
    """Remove the entry ``name`` of the open folder ``dir_fd`` and all it holds; a link is
    removed, never followed. Missing is fine."""
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(name, dir_fd=dir_fd)
        return
    fd = os.open(name, _FOLDER_FLAGS, dir_fd=dir_fd)
    try:
        for entry in os.listdir(fd):
            _remove_below(fd, entry)
    finally:
        os.close(fd)
    os.rmdir(name, dir_fd=dir_fd)


@dataclass(frozen=True)
class CourseKit:
    """What a worker needs of the course to grade one assignment: the text of
    ``nbgrader_config.py`` and the assignment's ``source/`` files (the key, the test
    cells and the files nbgrader copies beside each graded notebook)."""

    assignment: str
    config: str
    source: tuple  # ((relative path, bytes), ...)

    @classmethod
    def from_course(cls, course: Path, assignment: str) -> CourseKit:
        """The kit of ``assignment`` in the instructor's ``course``."""
        course = Path(course)
        config = (course / "nbgrader_config.py").read_text(encoding="utf-8")
        return cls(assignment, config, pack_folder(course / "source" / assignment))

    @property
    def digest(self) -> str:
        """A short fingerprint: one scratch course per kit on each worker."""
        hashed = hashlib.sha256(self.assignment.encode() + b"\0" + self.config.encode())
        for relative, data in self.source:
            hashed.update(relative.encode() + b"\0" + hashlib.sha256(data).digest())
        return hashed.hexdigest()[:16]

    def unpack(self, course: Path) -> None:
        """Write the kit as a course folder at the new, empty folder ``course``."""
        problem = folder_name_problem(self.assignment)
        if problem:
            raise ClusterError(f"the assignment's name cannot be a folder: {problem}")
        (Path(course) / "nbgrader_config.py").write_text(self.config, encoding="utf-8")
        source = Path(course) / "source" / self.assignment
        source.mkdir(parents=True)
        left_out = unpack_files(self.source, source)
        if left_out:
            raise ClusterError(f"source files could not be written: {'; '.join(left_out)}")


@dataclass(frozen=True)
class TakenSubmission:
    """A submission after the trusted intake on the instructor's machine: the bytes of
    every file that passed, and the intake's record of what it took and refused."""

    files: tuple  # ((relative path, bytes), ...)
    intake: Intake = field(default_factory=Intake)

    @classmethod
    def take(cls, course: Path, submission: Submission) -> TakenSubmission:
        """Take ``submitted/<student>/<assignment>/`` of ``course`` in, by the intake's rules."""
        submitted = Path(course) / "submitted"
        folder = submitted / submission.student / submission.assignment
        with tempfile.TemporaryDirectory(prefix="aicareer-ship-") as staging:
            taken_into = Path(staging) / "taken"
            intake = take_submission(folder, taken_into, trusted=submitted)
            files = tuple(
                (relative, (taken_into / relative).read_bytes()) for relative in intake.taken
            )
        return cls(files, intake)

    def unpack(self, handed_in: Path) -> Intake:
        """Write the files into the new folder ``handed_in`` (what nbgrader then grades) and
        return the intake's record, as :func:`take_submission` would have."""
        Path(handed_in).mkdir(parents=True, exist_ok=False)
        left_out = unpack_files(self.files, Path(handed_in))
        if left_out:
            raise ClusterError(f"files taken in could not be written: {'; '.join(left_out)}")
        return self.intake


@dataclass(frozen=True)
class GradedSubmission:
    """What a worker sends back for one submission."""

    outcome: Outcome
    autograded: tuple | None  # ((relative path, bytes), ...); None: nbgrader left no folder
    feedback: tuple | None  # None: no feedback page was made
    worker: str  # host and process that graded it


# ---------------------------------------------------------------------------------------
# The worker's side

# grade_submission changes the process's folder and keeps one nbgrader API per process,
# so a worker process grades one submission at a time, however many threads Dask gives it.
_ONE_AT_A_TIME = threading.Lock()
_SCRATCH_COURSES: dict[str, Path] = {}


def grade_on_worker(
    kit: CourseKit, options: GradingOptions, submission: Submission, taken: TakenSubmission
) -> GradedSubmission:
    """Grade one shipped submission on this worker and return the results as data.

    Raises :class:`ClusterError` when this worker cannot sandbox kernels and isolation
    was not turned off.
    """
    with _ONE_AT_A_TIME:
        course = _scratch_course(kit)
        problem = _own_sandbox_problem(options)
        graded = course / "autograded" / submission.student / submission.assignment
        feedback = course / "feedback" / submission.student / submission.assignment
        _clear_submission(course, submission)
        try:
            with _gradebook_lock(options.db_url or "", submission):
                outcome = grade_submission(str(course), options, problem, submission, taken=taken)
            return GradedSubmission(
                outcome,
                pack_folder(graded) if graded.is_dir() else None,
                pack_folder(feedback) if feedback.is_dir() else None,
                f"{socket.gethostname()}:{os.getpid()}",
            )
        finally:
            _clear_submission(course, submission)


def _scratch_course(kit: CourseKit) -> Path:
    """This process's course folder for ``kit``, made the first time it is needed."""
    if kit.digest not in _SCRATCH_COURSES:
        folder = Path(tempfile.mkdtemp(prefix=f"aicareer-cluster-{kit.digest}-"))
        atexit.register(shutil.rmtree, folder, True)
        kit.unpack(folder)
        _SCRATCH_COURSES[kit.digest] = folder
    return _SCRATCH_COURSES[kit.digest]


def _clear_submission(course: Path, submission: Submission) -> None:
    """Remove this submission's folders from the scratch course (left by an earlier run)."""
    for kind in ("submitted", "autograded", "feedback"):
        try:
            fd = os.open(course / kind / submission.student, _FOLDER_FLAGS)
        except OSError:
            continue
        try:
            _remove_below(fd, submission.assignment)
        finally:
            os.close(fd)


def _own_sandbox_problem(options: GradingOptions) -> str | None:
    """This worker's own answer to "can kernels be isolated here?" (the instructor's
    machine cannot know); a refusal when they cannot and isolation was not turned off."""
    from ..sandbox import isolation_problem

    if options.isolation is Isolation.OFF:
        return "turned off"
    problem = isolation_problem()
    if problem:
        raise ClusterError(
            f"worker {socket.gethostname()} cannot isolate kernels: {problem}; install "
            "bubblewrap there, or grade with --isolation off"
        )
    return None


@contextmanager
def _gradebook_lock(db_url: str, submission: Submission) -> Iterator[None]:
    """Hold PostgreSQL's advisory lock on ``submission`` while grading it, so that two runs
    of one submission (a worker Dask believed lost, and its replacement) never write the
    gradebook at the same time. The server frees the lock when a worker dies."""
    if not db_url.startswith("postgresql"):
        yield
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    name = f"aicareer-grade\0{submission.assignment}\0{submission.student}".encode()
    key = int.from_bytes(hashlib.sha256(name).digest()[:8], "big", signed=True)
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------
# The instructor's side


def write_results(course: Path, graded: GradedSubmission) -> list[str]:
    """Write one submission's returned files into ``course``: its graded folder replaces
    ``autograded/<student>/<assignment>/`` (removed when nbgrader left none, as nbgrader
    does after a failure) and its feedback replaces ``feedback/<student>/<assignment>/``
    when a page was made. Names are checked and no link is followed; returns what was
    left out, with why."""
    submission = graded.outcome.submission
    for name in (submission.student, submission.assignment):
        problem = folder_name_problem(name)
        if problem:
            return [f"nothing written for {name!r}: {problem}"]
    left_out = []
    root = os.open(Path(course), _FOLDER_FLAGS)
    try:
        for kind, files in (("autograded", graded.autograded), ("feedback", graded.feedback)):
            if files is None and kind == "feedback":
                continue
            try:
                student = _open_folders(root, (kind, submission.student))
            except OSError as error:
                left_out.append(f"{kind}/: {error.strerror or error} (nothing written there)")
                continue
            try:
                _remove_below(student, submission.assignment)
                if files is not None:
                    os.mkdir(submission.assignment, 0o755, dir_fd=student)
                    target = os.open(submission.assignment, _FOLDER_FLAGS, dir_fd=student)
                    try:
                        left_out += unpack_files(files, target)
                    finally:
                        os.close(target)
            except OSError as error:
                left_out.append(f"{kind}/: {error.strerror or error}")
            finally:
                os.close(student)
    finally:
        os.close(root)
    return left_out


class ClusterExecutor(Executor):
    """An executor for the grading engine that grades on a Dask cluster.

    It accepts the engine's ``submit(grade_submission, course, options, problem,
    submission)`` and returns a future of the submission's :class:`Outcome`, resolved
    once the results are written into the course. ``client`` is a connected
    ``distributed.Client`` (default: one to ``options.scheduler``, closed on shutdown).
    """

    def __init__(self, course: Path, options: GradingOptions, client=None):
        problem = refusal(options, connected=client is not None)
        if problem:
            raise ClusterRefused(problem)
        self._owns_client = client is None
        if client is None:
            from distributed import Client

            client = Client(options.scheduler)
        self.course = Path(course).resolve()
        self.client = client
        self._run = uuid.uuid4().hex[:8]
        self._kits: dict[str, object] = {}
        self._pending: dict[str, object] = {}  # Dask key -> future, until delivered
        self._lock = threading.Lock()
        self.written: Counter = Counter()  # submission -> results written (1 each)
        self.graded_by: dict[Submission, str] = {}  # submission -> worker that graded it
        self.keys: dict[str, Submission] = {}  # Dask key -> submission

    def submit(self, fn, /, *args, **kwargs) -> Future:
        """Ship ``grade_submission``'s work for one submission to the cluster."""
        if fn is not grade_submission or kwargs or len(args) != 4:
            raise TypeError("ClusterExecutor runs grade_submission(course, options, problem, s)")
        _course, options, _problem, submission = args
        taken = TakenSubmission.take(self.course, submission)
        key = f"aicareer-grade-{self._run}-{len(self.keys)}"
        self.keys[key] = submission
        shipped = self.client.submit(
            grade_on_worker,
            self._kit(submission.assignment),
            options,
            submission,
            taken,
            key=key,
            pure=False,
        )
        result: Future = Future()
        result.set_running_or_notify_cancel()
        self._pending[key] = shipped
        shipped.add_done_callback(lambda done: self._deliver(done, submission, result))
        return result

    def _kit(self, assignment: str):
        """The kit as a Dask future: sent to the scheduler once, moved between workers by
        Dask, and made again from the scheduler's copy if the worker holding it dies."""
        if assignment not in self._kits:
            kit = CourseKit.from_course(self.course, assignment)
            self._kits[assignment] = self.client.submit(
                _as_is, kit, key=f"aicareer-kit-{self._run}-{kit.digest}", pure=False
            )
        return self._kits[assignment]

    def _deliver(self, shipped, submission: Submission, result: Future) -> None:
        """Write a finished submission's results into the course, once, and resolve its
        future (runs on Dask's callback thread)."""
        try:
            self._write_once(shipped, submission, result)
        except BaseException as error:  # never leave the engine waiting on this future
            if not result.done():
                result.set_exception(error)
        finally:
            # Let Dask forget the task, its shipped files and its result.
            self._pending.pop(shipped.key, None)

    def _write_once(self, shipped, submission: Submission, result: Future) -> None:
        from distributed.scheduler import KilledWorker

        try:
            graded = shipped.result()
        except KilledWorker as killed:
            outcome = Outcome(
                submission,
                statuses.UNREADABLE,
                f"not graded: every worker that tried it stopped ({killed.__class__.__name__})",
                0.0,
            )
            graded = GradedSubmission(outcome, None, None, "")
        except BaseException as error:  # cancelled, or the worker's own refusal
            if not result.done():
                result.set_exception(
                    error if isinstance(error, ClusterError) else ClusterError(str(error))
                )
            return
        with self._lock:
            if self.written[submission]:
                return  # a later result of a submission already written: dropped
            left_out = write_results(self.course, graded) if graded.worker else []
            self.written[submission] += 1
            self.graded_by[submission] = graded.worker
        outcome = graded.outcome
        if left_out:
            detail = f"{outcome.detail}; not written back: {'; '.join(left_out)}"
            outcome = Outcome(submission, outcome.status, detail[:500], outcome.seconds)
        result.set_result(outcome)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Cancel what is still queued on the cluster and close an own client."""
        unfinished = [f for f in list(self._pending.values()) if not f.done()]
        if unfinished:
            self.client.cancel(unfinished)
        self._pending.clear()
        if self._owns_client:
            self.client.close()


def _as_is(value):
    """A task that returns its argument: makes data a Dask future that can be recomputed."""
    return value
