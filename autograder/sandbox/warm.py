"""Warm kernels: the grader's side of the template that forks kernels (``template.py``).

A :class:`KernelTemplate` is a sandbox, started once, whose Python has imported what
kernels import and never runs a learner's code. Asked for a kernel, it forks one in
namespaces and a home of its own (see ``template.py``) in a few milliseconds of CPU,
instead of the second a cold kernel spends importing. The kernel manager
(``manager.py``) asks for one per submission, and falls back to a cold start whenever the
template cannot give one.

The local pool starts one template before it forks its worker processes, which inherit
it and share it (:func:`start_shared_template`); a process with none of its own (a
cluster's worker) starts one on first use.

The template is reached only through a socket pair that the grader created; each kernel
comes with two pipes the grader made: closing the *kill* pipe ends the kernel's whole
sandbox, and the *life* pipe reaches end-of-file when the sandbox has ended.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .boot import KERNEL_FAILED as FAILED
from .boot import KERNEL_READY as READY
from .boot import PASSED_ON_NAMES
from .bwrap import INSIDE, TMP_MB, MiB, kept_python_folders, matplotlib_cache, template_command

STARTUP_SECONDS = 120  # for the template's imports, on a busy machine
REPLY_SECONDS = 10  # for the template's answer to one request, and the kernel's first sign
INSIDE_IPC = f"{INSIDE}/ipc"


class TemplateUnavailable(RuntimeError):
    """The template could not start, or could not fork a kernel; start one cold instead."""


class ForkedKernel:
    """A forked kernel's sandbox, as ``subprocess.Popen`` would show it to jupyter_client."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, kill_fd: int, life_fd: int):
        self.pid = pid  # as the template's namespace numbers it (for logs only)
        self._kill_fd: int | None = kill_fd
        self._life_fd: int | None = life_fd
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit code once the sandbox has ended, else None."""
        if self.returncode is None and self._life_fd is not None:
            readable, _, _ = select.select([self._life_fd], [], [], 0)
            if readable and not _drain(self._life_fd):
                self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the sandbox to end; ``subprocess.TimeoutExpired`` after ``timeout``."""
        while self.poll() is None:
            readable, _, _ = select.select([self._life_fd], [], [], timeout)
            if not readable:
                raise subprocess.TimeoutExpired("forked kernel", timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """SIGKILL and SIGTERM end the sandbox; interrupts go as messages (the manager
        sets ``interrupt_mode`` to "message"), and other signals have no meaning here."""
        if signum in (signal.SIGKILL, signal.SIGTERM):
            self.kill()

    def kill(self) -> None:
        """End the kernel's sandbox: its supervisor kills everything in it."""
        if self._kill_fd is not None:
            os.close(self._kill_fd)
            self._kill_fd = None

    terminate = kill

    def close(self) -> None:
        """Kill if still running, and let go of both pipes."""
        self.kill()
        if self._life_fd is not None:
            os.close(self._life_fd)
            self._life_fd = None
        if self.returncode is None:
            self.returncode = -signal.SIGKILL

    def _ended(self) -> None:
        self.returncode = -signal.SIGKILL if self._kill_fd is None else 0
        self.close()


def _receive(channel: socket.socket, seconds: float) -> dict | None:
    """One JSON message from ``channel`` within ``seconds``, or None."""
    readable, _, _ = select.select([channel], [], [], seconds)
    if not readable:
        return None
    try:
        data = channel.recv(1 << 16)
    except OSError:
        return None
    return json.loads(data) if data else None


def _drain(fd: int) -> bytes:
    try:
        return os.read(fd, 512)
    except OSError:
        return b""


class KernelTemplate:
    """One warm template in its sandbox, for this process's kernels."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="aicareer-warm-"))
        self.kernels = self.root / "kernels"
        self.kernels.mkdir()
        probe = self.kernels / "probe"
        for name in ("files", "ipc"):
            (probe / name).mkdir(parents=True)
        self.owner = os.getpid()
        self._lock = threading.Lock()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._control = ours
        settings = {"probe_folder": str(probe), "kept": kept_python_folders()}
        command = template_command(self.kernels, os.environ, fonts=matplotlib_cache())
        self._log = open(self.root / "template.log", "wb")  # noqa: SIM115 - kept open
        try:
            self.process = subprocess.Popen(
                [*command, sys.executable, f"{INSIDE}/template.py", str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=self._log,
            )
        except OSError:
            self._log.close()
            ours.close()
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        finally:
            theirs.close()
        # Settings go over the socket, not the command line, which a kernel can read in
        # /proc (its PID namespace is new, but /proc is the template's).
        self._control.send(json.dumps(settings).encode())
        self._probe = probe
        self.missing: list[str] | None = None  # known once ready
        # A process that exits without closing its template (a learner's `make check`,
        # a cluster's worker) would leave the folder behind in the temporary folder.
        atexit.register(self.close)

    def wait_until_ready(self) -> None:
        """Wait for the template's imports and its check that it can fork sandboxes;
        raise TemplateUnavailable if it cannot serve. (Starting returns at once, so the
        grader can do its own imports meanwhile.)"""
        if self.missing is not None:
            return
        hello = _receive(self._control, STARTUP_SECONDS)
        shutil.rmtree(self._probe, ignore_errors=True)
        if hello is None or hello.get("problem"):
            why = (hello or {}).get("problem") or self._last_words()
            self.close()
            raise TemplateUnavailable(f"the warm template could not start: {why}")
        self.missing = hello.get("missing", [])

    def alive(self) -> bool:
        """Whether the template still runs, with its folder (which goes with the
        temporary folder it was made in)."""
        if not self.kernels.is_dir():
            return False
        if os.getpid() == self.owner:
            return self.process.poll() is None
        # A worker that inherited the template: nothing comes back on the shared socket
        # (answers come on sockets of their own), so anything to read means it is closed.
        readable, _, _ = select.select([self._control], [], [], 0)
        return not readable

    def new_folder(self) -> Path:
        """A new, empty folder for one kernel (its ``files/`` and ``ipc/`` go inside)."""
        return Path(tempfile.mkdtemp(prefix="k", dir=self.kernels))

    def fork(self, folder: Path, settings: dict, home_mb: int, connection: dict) -> ForkedKernel:
        """Fork a kernel whose sandbox shows ``folder``'s ``files/`` and ``ipc/``.

        ``connection`` is the kernel's connection information as it sees it (the ip of
        an ipc transport under ``/opt/aicareer/ipc``). Returns once the kernel's
        supervisor says it has started the kernel; raises TemplateUnavailable if it
        could not.
        """
        kill_read, kill_write = os.pipe()
        life_read, life_write = os.pipe()
        request = {
            "folder": str(folder),
            "kept": kept_python_folders(),
            "settings": settings,
            "home_bytes": home_mb * MiB,
            "tmp_bytes": TMP_MB * MiB,
            "env": {name: os.environ[name] for name in PASSED_ON_NAMES if name in os.environ},
            "connection": connection,
        }
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            with self._lock:
                socket.send_fds(
                    self._control,
                    [json.dumps(request).encode()],
                    [kill_read, life_write, theirs.fileno()],
                )
            theirs.close()
            reply = _receive(ours, REPLY_SECONDS)
        except OSError as problem:
            reply, reason = None, str(problem)
        else:
            reason = self._last_words()
        finally:
            theirs.close()
            ours.close()
            os.close(kill_read)
            os.close(life_write)
        if reply is None:
            os.close(kill_write)
            os.close(life_read)
            raise TemplateUnavailable(f"the warm template did not answer: {reason}")
        kernel = ForkedKernel(int(reply["pid"]), kill_write, life_read)
        readable, _, _ = select.select([life_read], [], [], REPLY_SECONDS)
        first = _drain(life_read) if readable else b""
        if not first.startswith(READY):
            kernel.close()
            said = first[1:].decode("utf-8", "replace") if first.startswith(FAILED) else ""
            raise TemplateUnavailable(f"a forked kernel did not start: {said or 'no answer'}")
        return kernel

    def _last_words(self) -> str:
        try:
            lines = (self.root / "template.log").read_text("utf-8", "replace").strip().splitlines()
        except OSError:
            return "no output"
        return lines[-1] if lines else "no output"

    def close(self) -> None:
        """Stop the template (and with its sandbox, every kernel it forked); in a process
        that only inherited it, just let go of it."""
        self._control.close()
        if os.getpid() != self.owner:
            return
        atexit.unregister(self.close)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()
        shutil.rmtree(self.root, ignore_errors=True)


_TEMPLATE: KernelTemplate | None = None
_BROKEN: str = ""
_GUARD = threading.Lock()


def start_shared_template() -> None:
    """Begin starting this process's template, for worker processes forked from it to
    share; :func:`this_process_template` waits for it (call it before forking them)."""
    global _TEMPLATE, _BROKEN
    with _GUARD:
        if _TEMPLATE is None and not _BROKEN:
            try:
                _TEMPLATE = KernelTemplate()
            except (OSError, TemplateUnavailable) as problem:
                _BROKEN = f"the warm template could not start: {problem}"


def this_process_template() -> KernelTemplate:
    """This process's template (or the one it inherited), started on first use and again
    if it has died.

    Raises TemplateUnavailable, and keeps raising it for this process, if it cannot be
    started: kernels then start cold.
    """
    global _TEMPLATE, _BROKEN
    with _GUARD:
        if _BROKEN:
            raise TemplateUnavailable(_BROKEN)
        if _TEMPLATE is not None and _TEMPLATE.missing is not None and not _TEMPLATE.alive():
            _TEMPLATE.close()
            _TEMPLATE = None
        try:
            if _TEMPLATE is None:
                _TEMPLATE = KernelTemplate()
            _TEMPLATE.wait_until_ready()
        except (OSError, TemplateUnavailable) as problem:
            _TEMPLATE = None
            _BROKEN = str(problem)
            raise TemplateUnavailable(_BROKEN) from problem
        return _TEMPLATE


def started_template_works() -> bool:
    """Whether a template this process has started (or inherited) is ready, having
    imported the kernel (ipykernel) and the course's package in its sandbox. Waits for one
    still starting; False if none was started, or it could not start. Starts none."""
    with _GUARD:
        if _TEMPLATE is None:
            return False
    try:
        template = this_process_template()
    except TemplateUnavailable:
        return False
    return not {"ipykernel", "aicareer"} & set(template.missing or ())


def discard_template(template: KernelTemplate) -> None:
    """Let go of a template that failed to fork a kernel: if it is this process's, the
    next kernel starts a new one."""
    global _TEMPLATE
    with _GUARD:
        if _TEMPLATE is template:
            _TEMPLATE = None
    template.close()


def close_this_process_template() -> None:
    """Stop this process's template, if one runs (a new one starts on next use)."""
    global _TEMPLATE
    with _GUARD:
        if _TEMPLATE is not None:
            _TEMPLATE.close()
            _TEMPLATE = None
