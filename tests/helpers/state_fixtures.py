"""Submissions that try to leave state behind in a grading worker, and ones that look for it.

A "leaver" leaves one trace of every kind a kernel could hand on to the next submission
graded by the same worker (module attributes, the environment, files in every writable
folder, ``sys.path`` and ``sys.modules``, a thread, a detached process listening on an
abstract unix socket, shared memory of both kinds, seeded random generators), each marked
with a string unique to the test run. A "checker", handed in with the same marker, looks
for every one of them and prints a line per trace it finds. The same code in one notebook
(leave, then check in a later cell) must find them all, which shows that the checker can
fail.

Each fixture is a copy of the healthy "right" hand-in of 07-job-search whose solution
cells get the fixture's code above the right solution, so it keeps its 16 points.
"""

from __future__ import annotations

import os
import secrets
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tests.helpers.course import hand_in, make_course, nbgrader, solution_code
from tests.helpers.faults import ASSIGNMENT, NOTEBOOK
from tests.helpers.students import STUDENTS

# Every kind of trace the leaver leaves and the checker looks for, in the words they print.
TRACES = (
    "module attribute on aicareer",
    "module attribute on numpy",
    "module attribute on json",
    "environment variable",
    "file in /tmp",
    "file in the home folder",
    "file in the work folder",
    "file in /dev/shm",
    "sys.path entry",
    "sys.modules entry",
    "thread",
    "process",
    "abstract unix socket",
    "POSIX shared memory",
    "SysV shared memory",
    "random seed",
    "numpy random seed",
)
LEFT = "LEFT: "  # the leaver made this trace
NOT_LEFT = "COULD NOT LEAVE: "  # the leaver tried and the kernel refused
FOUND = "LEFT OVER: "  # the checker found this trace
CHECK_BROKEN = "CHECK FAILED: "  # the checker could not look (a broken check hides a leak)
CHECKED = "checked {} traces"
DRAWS = "DRAWS "  # a kernel's first unseeded random draws


@dataclass(frozen=True)
class Marker:
    """What names one leaver's traces: a string unique to a test run, and the numbers
    derived from it (the SysV shared memory key and the random seed)."""

    text: str

    @classmethod
    def new(cls, role: str) -> Marker:
        """A fresh marker (letters, digits and underscores: a valid identifier, file name,
        environment variable name and shared memory name)."""
        return cls(f"aicareer_leftover_{role}_{secrets.token_hex(8)}")

    @property
    def sysv_key(self) -> int:
        """The SysV IPC key of the leaver's segment (never 0, which means private)."""
        return (zlib.crc32(self.text.encode()) & 0x7FFFFFFF) or 1

    @property
    def seed(self) -> int:
        """The seed the leaver gives Python's and numpy's global generators."""
        return zlib.adler32(self.text.encode())


# Shared by the leaver and the checker: how to reach the detached process's socket.
_REACH = r"""
    def reach(marker):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(5)
            client.connect("\0" + marker)
            return client.recv(200).decode()
"""

# The detached process: listens on an abstract unix socket named with the marker (given
# as its argument, so that the marker is on its command line) and answers with it.
_LISTENER = r"""
import socket, sys
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind("\0" + sys.argv[1])
server.listen()
while True:
    connection, _ = server.accept()
    connection.sendall(sys.argv[1].encode())
    connection.close()
"""

_LEAVE = (
    r'''
def _leave_traces(marker, sysv_key, seed, listener):
    """Leave one trace of every kind, each named with ``marker``; say which were left."""
    import ctypes, json, os, random, socket, sys, threading, time, types
    from multiprocessing import resource_tracker, shared_memory
    import numpy, aicareer
'''
    + _REACH
    + r"""
    def detach():
        # Double fork: the listener's parent exits at once, so it is nobody's child here,
        # and setsid puts it in a session of its own, away from the kernel's.
        child = os.fork()
        if child == 0:
            try:
                os.setsid()
                if os.fork() == 0:
                    null = os.open(os.devnull, os.O_RDWR)
                    for fd in (0, 1, 2):
                        os.dup2(null, fd)
                    os.execv(sys.executable, [sys.executable, "-c", listener, marker])
            finally:
                os._exit(0)
        os.waitpid(child, 0)
        for _ in range(100):  # until it listens, so that a later cell can rely on it
            try:
                if reach(marker) == marker:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the detached process never answered")

    def posix_shared_memory():
        segment = shared_memory.SharedMemory(name=marker + "_shm", create=True, size=4096)
        segment.buf[: len(marker)] = marker.encode()
        # Left behind on purpose: the resource tracker would remove it when Python exits.
        resource_tracker.unregister(segment._name, "shared_memory")
        segment.close()

    def sysv_shared_memory():
        libc = ctypes.CDLL(None, use_errno=True)
        libc.shmget.argtypes = (ctypes.c_int, ctypes.c_size_t, ctypes.c_int)
        ipc_create = 0o1000
        if libc.shmget(sysv_key, 4096, ipc_create | 0o600) < 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))

    def answers():
        if reach(marker) != marker:
            raise RuntimeError("something else answered on the socket")

    def write(path):
        with open(path, "w") as file:
            file.write(marker)

    def leave(trace, action):
        try:
            action()
        except Exception as error:
            print(f"COULD NOT LEAVE: {trace}: {type(error).__name__}: {error}")
        else:
            print(f"LEFT: {trace}")

    leave("module attribute on aicareer", lambda: setattr(aicareer, marker, marker))
    leave("module attribute on numpy", lambda: setattr(numpy, marker, marker))
    leave("module attribute on json", lambda: setattr(json, marker, marker))
    leave("environment variable", lambda: os.environ.__setitem__(marker.upper(), marker))
    leave("file in /tmp", lambda: write("/tmp/" + marker))
    leave("file in the home folder", lambda: write(os.path.expanduser("~/" + marker)))
    leave("file in the work folder", lambda: write(marker))
    leave("file in /dev/shm", lambda: write("/dev/shm/" + marker))
    leave("sys.path entry", lambda: sys.path.append("/tmp/" + marker))
    leave("sys.modules entry", lambda: sys.modules.__setitem__(marker, types.ModuleType(marker)))
    leave(
        "thread",
        lambda: threading.Thread(target=time.sleep, args=(3600,), name=marker, daemon=True).start(),
    )
    leave("process", detach)
    leave("abstract unix socket", answers)
    leave("POSIX shared memory", posix_shared_memory)
    leave("SysV shared memory", sysv_shared_memory)
    leave("random seed", lambda: random.seed(seed))
    leave("numpy random seed", lambda: numpy.random.seed(seed))
"""
)

_CHECK = (
    r'''
def _check_traces(marker, sysv_key, seed, window=1000):
    """Look for every trace ``_leave_traces(marker, ...)`` leaves; print each one found."""
    import ctypes, json, os, random, socket, sys, threading
    from multiprocessing import resource_tracker, shared_memory
    import numpy, aicareer
'''
    + _REACH
    + r"""
    def process_named():
        # As this /proc numbers it: a forked kernel may see its template's PID namespace.
        own = os.readlink("/proc/self")
        for pid in os.listdir("/proc"):
            if pid.isdigit() and pid != own:
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                        if marker.encode() in cmdline.read():
                            return True
                except OSError:
                    pass  # ended while we looked, or not ours to read
        return False

    def socket_answers():
        try:
            return reach(marker) == marker
        except (ConnectionRefusedError, FileNotFoundError):
            return False

    def posix_shared_memory():
        try:
            segment = shared_memory.SharedMemory(name=marker + "_shm")
        except FileNotFoundError:
            return False
        resource_tracker.unregister(segment._name, "shared_memory")
        segment.close()
        return True

    def sysv_shared_memory():
        libc = ctypes.CDLL(None, use_errno=True)
        libc.shmget.argtypes = (ctypes.c_int, ctypes.c_size_t, ctypes.c_int)
        return libc.shmget(sysv_key, 0, 0) >= 0

    def seeded_python():
        # The next draw is in the seeded sequence (a few draws in, if anything drew since).
        draw, sequence = random.random(), random.Random(seed)
        return any(sequence.random() == draw for _ in range(window))

    def seeded_numpy():
        draw = numpy.random.random()
        return draw in numpy.random.RandomState(seed).random_sample(window)

    checks = {
        "module attribute on aicareer": lambda: hasattr(aicareer, marker),
        "module attribute on numpy": lambda: hasattr(numpy, marker),
        "module attribute on json": lambda: hasattr(json, marker),
        "environment variable": lambda: any(marker in k + v for k, v in os.environ.items()),
        "file in /tmp": lambda: os.path.lexists("/tmp/" + marker),
        "file in the home folder": lambda: os.path.lexists(os.path.expanduser("~/" + marker)),
        "file in the work folder": lambda: os.path.lexists(marker),
        "file in /dev/shm": lambda: os.path.lexists("/dev/shm/" + marker),
        "sys.path entry": lambda: any(marker in str(entry) for entry in sys.path),
        "sys.modules entry": lambda: marker in sys.modules,
        "thread": lambda: any(t.name == marker for t in threading.enumerate()),
        "process": process_named,
        "abstract unix socket": socket_answers,
        "POSIX shared memory": posix_shared_memory,
        "SysV shared memory": sysv_shared_memory,
        "random seed": seeded_python,
        "numpy random seed": seeded_numpy,
    }
    for trace, check in checks.items():
        try:
            if check():
                print(f"LEFT OVER: {trace}")
        except Exception as error:
            print(f"CHECK FAILED: {trace}: {type(error).__name__}: {error}")
    print(f"checked {len(checks)} traces")
"""
)

_DRAW = r"""
import random as _random, numpy as _numpy
print(f"DRAWS {_random.random()!r} {_numpy.random.random()!r}")
del _random, _numpy
"""


def _arguments(marker: Marker) -> str:
    return f"{marker.text!r}, {marker.sysv_key}, {marker.seed}"


def leaver_code(marker: Marker) -> str:
    """Learner code that leaves every trace in :data:`TRACES`, named with ``marker``."""
    return _LEAVE + f"_leave_traces({_arguments(marker)}, {_LISTENER!r})\ndel _leave_traces\n"


def checker_code(marker: Marker) -> str:
    """Learner code that looks for every trace a leaver with ``marker`` leaves."""
    return _CHECK + f"_check_traces({_arguments(marker)})\ndel _check_traces\n"


def draws_code() -> str:
    """Learner code that prints the kernel's first unseeded draws of Python and numpy."""
    return _DRAW


# The solution cells fixture code goes into, in the order the notebook runs them.
FIRST_CELL, LATER_CELL = "classify_move", "stepping_stones"


def build_state_class(folder: Path, fixtures: dict[str, dict[str, str]]) -> Path:
    """A released course in ``folder`` whose ``submitted/`` holds, for each student id in
    ``fixtures``, the healthy "right" hand-in of 07-job-search with the given code put
    above the right solution in the given solution cells (``{grade_id: code}``).

    Returns the course folder.
    """
    course = make_course(folder)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    plans = STUDENTS[ASSIGNMENT]()
    right = hand_in(course, ASSIGNMENT, "right", plans["right"])
    solutions = solution_code(ASSIGNMENT)
    for student, code_by_cell in fixtures.items():
        submission = course / "submitted" / student / ASSIGNMENT
        shutil.copytree(right, submission)
        nb = nbformat.read(submission / NOTEBOOK, as_version=4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in code_by_cell:
                cell.source = code_by_cell[grade_id] + "\n" + solutions[grade_id]
        nbformat.write(nb, submission / NOTEBOOK)
    # Only the fixtures are graded.
    shutil.rmtree(course / "submitted" / "right")
    return course


def printed_by(course: Path, student: str, grade_id: str) -> list[str]:
    """The lines the cell ``grade_id`` printed in ``student``'s graded notebook."""
    graded = course / "autograded" / student / ASSIGNMENT / NOTEBOOK
    nb = nbformat.read(graded, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
    return text.splitlines()


def traces_said(lines: list[str], prefix: str) -> set[str]:
    """The traces named by lines that start with ``prefix`` (:data:`FOUND`, :data:`LEFT`)."""
    return {line[len(prefix) :].split(": ")[0] for line in lines if line.startswith(prefix)}


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # ended while we looked, or not ours to read
        return b""


def host_traces(markers: list[Marker], course: Path) -> list[str]:
    """What of the leavers' traces is on this machine, outside any sandbox: processes whose
    command line holds a marker, abstract sockets, SysV segments and files named with one
    (in /tmp, /dev/shm, the home folder and the course folder, where grading writes)."""
    texts = [marker.text for marker in markers]
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            command = _read(entry / "cmdline").replace(b"\0", b" ").decode(errors="replace")
            found += [f"process {entry.name}: {command[:200]}" for t in texts if t in command]
    sockets = _read(Path("/proc/net/unix")).decode(errors="replace")
    found += [f"abstract socket @{t}" for t in texts if t in sockets]
    segments = _read(Path("/proc/sysvipc/shm")).decode().splitlines()[1:]
    keys = {int(line.split()[0]) for line in segments if line.split()}
    found += [f"SysV segment {m.sysv_key}" for m in markers if m.sysv_key in keys]
    folders = [Path("/tmp"), Path("/dev/shm"), Path.home()]
    for folder in folders:
        if folder.is_dir():
            found += [f"file {p}" for p in folder.iterdir() if any(t in p.name for t in texts)]
    found += [f"file {p}" for p in course.rglob("*") if any(t in p.name for t in texts)]
    return found
