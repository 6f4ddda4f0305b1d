"""The kernel manager that starts each learner's kernel in its sandbox, under limits.

nbgrader runs a submission's code as the instructor, in the course directory, where it
could read the hidden tests, rewrite the gradebook or delete files. Here the grading
process stays outside and trusted; only the kernel is started inside a bubblewrap
sandbox (``bwrap``, from Debian's ``bubblewrap`` package) that has

- its own user, PID, network, IPC and UTS namespaces: no network at all, and no process
  outlives the kernel;
- read-only system and Python folders, and none of the course: the submission's files
  (notebooks left out) are copied into a writable home in a size-capped tmpfs;
- limits on memory, processes, file size and the size of that home (see ``boot.py``,
  which runs first inside the sandbox).

The grader talks to the kernel over ZeroMQ IPC sockets in a scratch folder that is the
only host folder the sandbox can write. Where bubblewrap is missing or cannot create
namespaces, grading still runs, with the memory and file-size limits only, and the grade
command says loudly that it is not isolated.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, DottedObjectName, Integer, Type, Unicode

from ..guards.files import (
    RefusedFile,
    clear_folder,
    read_regular_file,
    remove_entry,
    take_submission,
)
from ..guards.text import one_line
from ..options import Isolation
from .boot import BootSettings
from .bwrap import BOOT, HOME, INSIDE, ONE_THREAD, MiB, bwrap_command, matplotlib_cache
from .host_watch import HostWatch
from .probe import isolation_problem
from .warm import (
    INSIDE_IPC,
    ForkedKernel,
    KernelTemplate,
    TemplateUnavailable,
    discard_template,
    this_process_template,
)

LIMIT_NOTE = "limit-note.txt"
# The most the grader reads of a file the kernel can write: a limit note is one sentence,
# a connection file a few hundred bytes.
MAX_NOTE_BYTES = 4096
MAX_CONNECTION_FILE_BYTES = 64 * 1024


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run under limits, isolated where the OS allows.

    nbclient creates one per notebook it runs and calls ``start_kernel(cwd=...)`` with
    the folder of the notebook being graded; that folder's files, minus notebooks, are
    the only course files the kernel sees.
    """

    isolation = Unicode(
        Isolation.AUTO.value,
        help="'auto': isolate where possible; 'on': refuse to grade without isolation; "
        "'off': run kernels unisolated (limits still apply).",
    ).tag(config=True)
    memory_mb = Integer(2048, help="Memory for the kernel and its processes (MiB).").tag(
        config=True
    )
    max_processes = Integer(64, help="Processes and threads the kernel may run.").tag(config=True)
    max_file_mb = Integer(64, help="Largest file the kernel may write (MiB).").tag(config=True)
    home_mb = Integer(256, help="Size of the kernel's writable home (MiB).").tag(config=True)
    client_class = DottedObjectName("autograder.sandbox.client.PromptClient")
    client_factory = Type(klass="autograder.sandbox.client.PromptClient")
    warm_kernels = Bool(
        True,
        help="Fork isolated kernels from this process's warm template (autograder.sandbox."
        "warm) instead of starting each one cold.",
    ).tag(config=True)

    _scratch: Path | None = None
    _template: KernelTemplate | None = None
    _forked: ForkedKernel | None = None
    _isolated: bool = False
    _watch: HostWatch | None = None
    _stopped_by_watch: str = ""

    @property
    def isolated(self) -> bool:
        """Whether this manager's kernel runs in a sandbox."""
        return self._isolated

    def _decide(self) -> bool:
        isolation = Isolation(self.isolation)
        if isolation is Isolation.OFF:
            return False
        problem = isolation_problem()
        if problem and isolation is Isolation.ON:
            raise RuntimeError(f"kernel isolation was required but is unavailable: {problem}")
        return problem is None

    async def _async_pre_start_kernel(self, **kw):
        if self._scratch is None:
            self._isolated = self._decide()
            if self._isolated:
                self._template = self._warm_template()
                self._scratch = self._template_folder() or Path(
                    tempfile.mkdtemp(prefix="aicareer-grade-")
                )
                # Regular files only, none followed through a link. No caps here: the folder
                # is nbgrader's copy of a capped intake plus the instructor's own files.
                folder = Path(kw.get("cwd") or os.getcwd())
                take_submission(
                    folder,
                    self._scratch / "files",
                    trusted=folder.parent,
                    leave_out=("*.ipynb",),
                    capped=False,
                )
                ipc = self._scratch / "ipc"
                ipc.mkdir()
                # The only way in or out: sockets in a folder both sides can see.
                self.transport = "ipc"
                self.connection_file = str(ipc / "kernel.json")
                self.ip = str(ipc / "k")
        kw["env"] = {**kw.get("env", os.environ), **ONE_THREAD}
        if self._isolated:
            # A dead kernel may have left anything in the ipc folder (links, FIFOs, folders
            # under the names jupyter_client uses): every (re)start begins with it empty,
            # and with a connection file written afresh.
            clear_folder(self._scratch / "ipc")
            self._connection_file_written = False
            kw["cwd"] = str(self._scratch)
            # Ctrl-C as a message on the control channel: a signal to bwrap would not reach
            # the kernel inside its PID namespace.
            self.kernel_spec.interrupt_mode = "message"
        return await super()._async_pre_start_kernel(**kw)

    def _warm_template(self) -> KernelTemplate | None:
        """This process's warm template, if kernels of this kind can be forked from it."""
        if not self.warm_kernels or "ipykernel_launcher" not in self.kernel_spec.argv:
            return None
        try:
            return this_process_template()
        except TemplateUnavailable as problem:
            self.log.warning("Kernels start cold: %s", problem)
            return None

    def _template_folder(self) -> Path | None:
        """A folder for this kernel under the template's, or None to start cold (the
        template's folder may have gone, with the temporary folder it was made in)."""
        if self._template is None:
            return None
        try:
            return self._template.new_folder()
        except OSError as problem:
            self.log.warning("Kernels start cold: %s", problem)
            discard_template(self._template)
            self._template = None
            return None

    def boot_settings(self, forked: bool = False) -> BootSettings:
        """What ``boot.py`` is told about this kernel's limits and folders (``forked``:
        as the kernel's sandbox sees its socket folder after a fork)."""
        ipc = INSIDE_IPC if forked else str(self._scratch / "ipc") if self._isolated else ""
        return BootSettings(
            isolated=self._isolated,
            memory_bytes=self.memory_mb * MiB,
            file_bytes=self.max_file_mb * MiB,
            processes=self.max_processes,
            submission=f"{INSIDE}/submission",
            workdir=f"{HOME}/work",
            matplotlib_cache=f"{INSIDE}/matplotlib" if matplotlib_cache() else None,
            note=f"{ipc}/{LIMIT_NOTE}" if ipc else "",
        )

    def format_kernel_cmd(self, extra_arguments=None) -> list[str]:
        """The kernel's command, started through ``boot.py`` (inside bwrap if isolated)."""
        command = super().format_kernel_cmd(extra_arguments)
        if os.name != "posix":
            return command
        settings = self.boot_settings().to_json()
        if not self._isolated:
            return [sys.executable, str(BOOT), settings, "--", *command]
        sandbox = bwrap_command(self._scratch, self.home_mb, os.environ, fonts=matplotlib_cache())
        return [*sandbox, sys.executable, f"{INSIDE}/boot.py", settings, "--", *command]

    async def _async_launch_kernel(self, kernel_cmd, **kw) -> None:
        self._stop_watch()
        self._stopped_by_watch = ""
        if self._template is not None:
            try:
                self._launch_forked()
                return
            except TemplateUnavailable as problem:
                # The same folders serve a cold start: this kernel, and this manager's
                # later ones, start cold.
                self.log.warning("Starting the kernel cold: %s", problem)
                discard_template(self._template)  # the next kernel tries a new one
                self._template = None
        await super()._async_launch_kernel(kernel_cmd, **kw)
        process = getattr(self.provisioner, "process", None)
        if self._isolated and process is not None:
            # The watch from outside: the learner's code can stop the supervisor inside.
            self._watch = HostWatch(
                process.pid, self.memory_mb * MiB, self.max_processes, self._scratch / "ipc"
            )
            self._watch.start()

    def _launch_forked(self) -> None:
        """Ask the warm template for this kernel; it answers once the kernel runs."""
        info = dict(self.get_connection_info())
        info = {k: v.decode() if isinstance(v, bytes) else v for k, v in info.items()}
        info["ip"] = f"{INSIDE_IPC}/{Path(self.ip).name}"
        settings = json.loads(self.boot_settings(forked=True).to_json())
        self._forked = self._template.fork(self._scratch, settings, self.home_mb, info)
        self.provisioner.process = self._forked
        self.provisioner.pid = self._forked.pid
        self.provisioner.pgid = None

    def _stop_watch(self) -> None:
        if self._watch is not None:
            self._watch.stop()
            self._stopped_by_watch = self._watch.note
            self._watch = None

    def limit_note(self) -> str:
        """What the sandbox (or the watch from outside) said when it stopped the kernel
        for a limit, or ''."""
        if self._watch is not None and self._watch.note:
            return self._watch.note
        if self._stopped_by_watch:
            return self._stopped_by_watch
        if not self._scratch:
            return ""
        # The kernel can write the ipc folder: read the note as untrusted, never through a
        # link, never blocking on a FIFO, at most a few KiB, as one line of plain text.
        try:
            data = read_regular_file(
                self._scratch / "ipc" / LIMIT_NOTE, MAX_NOTE_BYTES, trusted=self._scratch
            )
        except (RefusedFile, OSError):
            return ""
        return one_line(data.decode("utf-8", errors="replace"), 300)

    def _reconcile_connection_info(self, info) -> None:
        """jupyter_client's check, after a start, that the connection file holds what the
        kernel was given; here without opening the kernel-writable file by name (its own
        version follows links and blocks on a FIFO). A file that is not the one written
        is removed (never followed) and written again."""
        if not self._isolated:
            return super()._reconcile_connection_info(info)
        if self._forked is not None:
            return None  # the kernel was given its connection; the file is not read
        path = Path(self.connection_file)
        try:
            written = json.loads(
                read_regular_file(path, MAX_CONNECTION_FILE_BYTES, trusted=self._scratch)
            )
            written["key"] = str(written["key"]).encode()
            same = self._equal_connections(info, written)
        except (RefusedFile, OSError, ValueError, TypeError, KeyError):
            same = False
        if not same:
            remove_entry(path)  # only this entry: the new kernel's sockets are beside it
            self._connection_file_written = False
            for name in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
                setattr(self, name, 0)
            self.load_connection_info(info)
            self.write_connection_file()
        if not self._equal_connections(info, self.get_connection_info()):
            raise ValueError("the kernel's connection information does not match its launch")

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        # Whether the kernel still runs is cheap to ask (a select on its life pipe, or
        # waitpid): ask often, so an ended kernel does not hold its worker a tenth of a
        # second per submission.
        await super()._async_wait(pollinterval=min(pollinterval, 0.01))

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        self._stop_watch()
        if self._forked is not None:
            self._forked.close()
            self._forked = None
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
