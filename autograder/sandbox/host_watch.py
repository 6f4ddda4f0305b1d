"""The sandbox's second watch, from outside: the grader's own process checks each sandbox.

The supervisor inside the sandbox (``boot.py``) enforces the sandbox-wide memory, process
and socket-folder limits, but it runs as the same user as the learner's code, which can
stop it with a signal (SIGSTOP) and then take all it likes. The kernel cannot see or
signal anything outside its PID namespace, so this watch, a thread of the grader's
process, keeps the limits whatever happens inside: it stops the whole sandbox when the
supervisor is found stopped, or when memory, processes or the socket folder go past the
limits with a margin (the supervisor acts first in every ordinary case; this is the
backstop, and looks less often to stay cheap).
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

from .boot import IPC_MOST_BYTES, IPC_MOST_ENTRIES, _sandbox_memory, socket_folder_use
from .boot import descendants as process_descendants

INTERVAL = 0.2  # seconds between two looks
# Past the supervisor's own limits by this much, the watch from outside acts. Resident
# sizes overcount shared pages, so the memory check narrows to exact sizes past the limit.
MEMORY_MARGIN = 1.25
PROCESS_MARGIN = 8
# The name the supervisor runs under inside the sandbox, as its command line shows it.
SUPERVISOR_MARK = b"/opt/aicareer/boot.py"


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children of all its threads, recursively)."""
    return [int(child) for child in process_descendants(pid)]


def _state(pid: int) -> str:
    """The process's state letter ('T' when stopped), or '' if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # The name in parentheses may hold spaces: the state follows its closing one.
            return stat.read().rsplit(b")", 1)[1].split()[0].decode()
    except (OSError, IndexError):
        return ""


def _is_supervisor(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return SUPERVISOR_MARK in cmdline.read()
    except OSError:
        return False


class HostWatch(threading.Thread):
    """Watches one sandbox from outside until :meth:`stop`; ``note`` says why it acted."""

    def __init__(self, launcher: int, memory_bytes: int, processes: int, ipc: Path):
        super().__init__(daemon=True, name=f"sandbox-watch-{launcher}")
        self.launcher = launcher  # the host pid of bwrap
        self.memory_bytes = memory_bytes
        self.processes = processes
        self.ipc = ipc
        self.note = ""
        self._stopping = threading.Event()
        self._seen_supervisor = False

    def stop(self) -> None:
        """Stop watching (the kernel has gone, or is being replaced)."""
        self._stopping.set()

    def problem(self) -> str:
        """Why the sandbox must be stopped now, or ''."""
        inside = descendants(self.launcher)
        supervisors = [pid for pid in inside if _is_supervisor(pid)]
        self._seen_supervisor = self._seen_supervisor or bool(supervisors)
        stopped = any(_state(pid) in ("T", "t") for pid in supervisors)
        if stopped or (self._seen_supervisor and not supervisors and inside):
            return (
                "the code stopped the sandbox's supervisor (which enforces its limits); "
                "the kernel was stopped"
            )
        if len(inside) > self.processes + PROCESS_MARGIN:
            return (
                f"the code started more than {self.processes} processes (process limit); "
                "the kernel was stopped"
            )
        limit = int(self.memory_bytes * MEMORY_MARGIN)
        if _sandbox_memory([str(pid) for pid in inside], limit) > limit:
            return (
                f"the code's processes used more than {self.memory_bytes >> 20} MiB together "
                "(memory limit); the kernel was stopped"
            )
        entries, used = socket_folder_use(str(self.ipc), 2 * IPC_MOST_ENTRIES)
        if entries > 2 * IPC_MOST_ENTRIES or used > 2 * IPC_MOST_BYTES:
            return (
                "the code wrote too much beside the kernel's sockets (socket folder limit); "
                "the kernel was stopped"
            )
        return ""

    def run(self) -> None:
        while not self._stopping.wait(INTERVAL):
            reason = self.problem()
            if reason:
                self.note = reason
                self._kill_sandbox()
                return

    def _kill_sandbox(self) -> None:
        # Killing the namespace's first process kills everything in it; the others are
        # killed too in case that one is already gone.
        for pid in [self.launcher, *descendants(self.launcher)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
