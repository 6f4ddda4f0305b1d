"""Start one grading kernel under limits: the first program to run inside the sandbox.

Usage: ``python boot.py SETTINGS_JSON -- KERNEL COMMAND ...``

This file is run by the sandbox's own Python with nothing of the course importable, so
it uses the standard library only. It

1. copies the submission's files (read-only inside the sandbox) into a writable home
   that lives in a size-capped tmpfs, so the learner's code can write files without
   touching the original or filling the instructor's disk;
2. sets resource limits (address space, file size, no core dumps, processes) that the
   kernel and everything it starts inherit;
3. starts the kernel as a child and watches the whole sandbox: more processes or more
   memory in all than allowed, or more than a few files and bytes in the socket folder
   (the one host folder the sandbox can write), and everything is killed, with a note for
   the grader saying which limit was hit.

Outside a sandbox (no isolation available) only step 2 happens, then the kernel replaces
this process.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass

WATCH_INTERVAL = 0.02  # seconds between looks at the sandbox's processes and socket folder
MEMORY_INTERVAL = 0.05  # seconds between two measures of the sandbox's memory
PAGE = os.sysconf("SC_PAGE_SIZE")
# The socket folder normally holds the connection file, five sockets and the limit note.
IPC_MOST_ENTRIES = 32
IPC_MOST_BYTES = 1 << 20
# nbgrader's markers that tell a kernel it is being graded or validated: the only names of
# the grader's environment a kernel is given.
PASSED_ON_NAMES = ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING")
# What a forked kernel's supervisor writes into its life pipe (template.py), and the
# grader reads (warm.py): the kernel is running, or why not.
KERNEL_READY = b"R"
KERNEL_FAILED = b"E"


@dataclass(frozen=True)
class BootSettings:
    """What the grader tells this program, as one JSON argument. Defined here, once: the
    kernel manager (``manager.py``) builds it, this program reads it."""

    isolated: bool  # inside a bubblewrap sandbox (else: limits only)
    memory_bytes: int  # for the kernel and all its processes together
    file_bytes: int  # largest file the kernel may write
    processes: int  # processes and threads the kernel may run
    submission: str = ""  # the read-only copy of the submission's files (isolated only)
    workdir: str = ""  # the writable home folder the kernel starts in (isolated only)
    matplotlib_cache: str | None = None  # font list to seed, to spare seconds on first plot
    note: str = ""  # where to say which limit stopped the kernel (isolated only)

    def to_json(self) -> str:
        """The settings as the command-line argument this program takes."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> BootSettings:
        """The settings back from :meth:`to_json`'s text."""
        return cls(**json.loads(text))


def _limit(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def apply_limits(settings: BootSettings) -> None:
    """Limits inherited by the kernel and anything it starts."""
    _limit(resource.RLIMIT_AS, settings.memory_bytes)
    _limit(resource.RLIMIT_FSIZE, settings.file_bytes)
    _limit(resource.RLIMIT_CORE, 0)
    if settings.isolated:
        # Counted per user; only inside the sandbox's own user namespace does that mean
        # "processes of this submission" rather than "all of the instructor's processes".
        _limit(resource.RLIMIT_NPROC, settings.processes)


def prepare_home(settings: BootSettings) -> None:
    """Copy the submission into the writable work folder and seed matplotlib's cache."""
    work = settings.workdir
    shutil.copytree(settings.submission, work, dirs_exist_ok=True)
    fonts = settings.matplotlib_cache
    if fonts and os.path.isdir(fonts):
        # Without its font list matplotlib spends seconds rebuilding it on first import.
        shutil.copytree(fonts, os.environ["MPLCONFIGDIR"], dirs_exist_ok=True)
    os.chdir(work)


def _resident_memory(pid: str) -> int:
    """The memory ``pid`` holds, in bytes, counting shared pages in full: never less than its
    proportional share, and cheap (the kernel's counters, without walking its memory map)."""
    with open(f"/proc/{pid}/statm", "rb") as statm:
        return int(statm.read().split()[1]) * PAGE


def _proportional_memory(pid: str) -> int:
    """The memory ``pid`` holds, in bytes, counting a page shared by n processes as 1/n.

    Summing plain resident sizes would count each forked child's copy-on-write pages
    again in full: a few forks of a 150 MiB kernel would look like gigabytes.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, PermissionError):
        # No smaps_rollup (Linux before 4.14), or a process that made itself undumpable
        # to hide its map: the resident size, which never counts less.
        pass
    return _resident_memory(pid)


def _sandbox_processes() -> list[str]:
    """The process ids in this sandbox (its PID namespace shows no others)."""
    return [name for name in os.listdir("/proc") if name.isdigit()]


def descendants(pid: int | str) -> list[str]:
    """Every process below ``pid`` (children of all its threads, recursively), as this
    process's /proc numbers them."""
    found, waiting = [], [str(pid)]
    while waiting:
        parent = waiting.pop()
        try:
            threads = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for thread in threads:
            try:
                with open(f"/proc/{parent}/task/{thread}/children", "rb") as listing:
                    children = [child.decode() for child in listing.read().split()]
            except OSError:
                continue
            found += children
            waiting += children
    return found


def _each(measure, pids: list[str]) -> dict[str, int]:
    sizes = {}
    for pid in pids:
        try:
            sizes[pid] = measure(pid)
        except (OSError, IndexError, ValueError):
            pass  # the process ended while we looked
    return sizes


def _sandbox_memory(pids: list[str], limit: int) -> int:
    """The memory the sandbox's processes hold together, in bytes, measured exactly only
    as far as needed to tell whether it is over ``limit``.

    Walking a process's memory map for its proportional size takes the map's lock, and
    while processes allocate (a memory bomb) one pass over them was measured at 0.1 to
    0.6 s. So the cheap resident sizes come first: their sum is never less than the true
    total, so under the limit it is the answer. Over it, the exact sizes are taken
    largest process first, stopping as soon as they pass the limit.
    """
    resident = _each(_resident_memory, pids)
    total = sum(resident.values())
    if total <= limit:
        return total
    exact = 0
    for pid in sorted(resident, key=resident.get, reverse=True):
        exact += _each(_proportional_memory, [pid]).get(pid, 0)
        if exact > limit:
            break
    return exact


def socket_folder_use(folder: str, most_entries: int) -> tuple[int, int]:
    """(entries, bytes on disk) in ``folder`` and below, links not followed; the count stops
    just past ``most_entries``, and a folder that cannot be listed counts as over."""
    entries, used, folders = 0, 0, [folder]
    while folders and entries <= most_entries:
        try:
            with os.scandir(folders.pop()) as listing:
                for entry in listing:
                    entries += 1
                    info = entry.stat(follow_symlinks=False)
                    used += info.st_blocks * 512  # a sparse file's holes take no disk
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
                    if entries > most_entries:
                        break
        except OSError:
            return most_entries + 1, used
    return entries, used


def _write_note(note_path: str, reason: str) -> None:
    """Write the note as a new plain file: the kernel may have put a link or a FIFO in its
    place, which must neither be followed nor block us (then nothing would stop it)."""
    try:
        os.unlink(note_path)
    except FileNotFoundError:
        pass
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_NONBLOCK
    note = os.open(note_path, flags, 0o644)
    try:
        os.write(note, reason.encode("utf-8"))
    finally:
        os.close(note)


def _stop_everything(note_path: str, reason: str) -> None:
    # Stopped first, so nothing can race the note; the sandbox's init waits for us, so
    # the grader sees the kernel gone only after the note is written.
    os.kill(-1, signal.SIGSTOP)
    try:
        _write_note(note_path, reason)
    except OSError:
        pass  # a folder entry we could not replace: the kill below matters more
    # In a PID namespace, -1 means every process of this sandbox but its init and us.
    os.kill(-1, signal.SIGKILL)


class MemoryWatch(threading.Thread):
    """Measures the sandbox's memory over and over, in the background.

    Reading a process's proportional memory takes its memory map's lock, which every
    fork holds for a while; in its own thread that wait never delays the process count.
    """

    def __init__(self, limit: int, processes=_sandbox_processes):
        super().__init__(daemon=True)
        self.limit = limit
        self.processes = processes
        self.latest = 0

    def run(self):
        while True:
            self.latest = _sandbox_memory(self.processes(), self.limit)
            time.sleep(MEMORY_INTERVAL)


def _over_socket_folder_cap(folder: str) -> bool:
    entries, used = socket_folder_use(folder, IPC_MOST_ENTRIES)
    return entries > IPC_MOST_ENTRIES or used > IPC_MOST_BYTES


def supervise(
    kernel: int, settings: BootSettings, processes=_sandbox_processes, released=None
) -> int:
    """Wait for the kernel, enforcing the sandbox-wide process and memory limits.

    ``processes()`` lists the sandbox's processes (by default every process this PID
    namespace shows). ``released()``, if given, says the grader wants the kernel gone:
    then everything in the sandbox is killed.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupts are for the kernel
    # Our own Python, the sandbox's init and the kernel are counted as well.
    most_processes = settings.processes + 2
    memory = MemoryWatch(settings.memory_bytes, processes)
    memory.start()
    sockets = os.path.dirname(settings.note)
    while True:
        pid, status = os.waitpid(kernel, os.WNOHANG)
        if pid:
            return os.waitstatus_to_exitcode(status)
        if released is not None and released():
            os.kill(-1, signal.SIGKILL)
            return -signal.SIGKILL
        if len(processes()) > most_processes:
            _stop_everything(
                settings.note,
                f"the code started more than {settings.processes} processes "
                "(process limit); the kernel was stopped",
            )
        elif memory.latest > settings.memory_bytes:
            _stop_everything(
                settings.note,
                f"the code's processes used more than {settings.memory_bytes >> 20} MiB "
                "together (memory limit); the kernel was stopped",
            )
        elif _over_socket_folder_cap(sockets):
            _stop_everything(
                settings.note,
                f"the code wrote more than {IPC_MOST_ENTRIES} files or "
                f"{IPC_MOST_BYTES >> 10} KiB into the folder of the kernel's sockets "
                "(socket folder limit); the kernel was stopped",
            )
        time.sleep(WATCH_INTERVAL)


def main(argv: list[str]) -> int:
    settings = BootSettings.from_json(argv[1])
    command = argv[argv.index("--") + 1 :]
    if not settings.isolated:
        apply_limits(settings)
        os.execv(command[0], command)
    prepare_home(settings)
    kernel = os.fork()
    if kernel == 0:
        try:
            apply_limits(settings)
            os.execv(command[0], command)
        finally:
            os._exit(127)
    code = supervise(kernel, settings)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
