"""Run each learner's kernel in a sandbox: a scratch copy, no network, and limits.

nbgrader runs a submission's code as the instructor, in the course directory, where it
could read the hidden tests, rewrite the gradebook or delete files. Here the grading
process stays outside and trusted; only the kernel is started inside a bubblewrap
sandbox (``bwrap``, from Debian's ``bubblewrap`` package) that has

- its own user, PID, network, IPC and UTS namespaces: no network at all, and no process
  outlives the kernel;
- read-only system and Python folders, and none of the course: the submission's files
  (notebooks left out) are copied into a writable home in a size-capped tmpfs;
- limits on memory, processes, file size and the size of that home (see
  ``sandbox_boot.py``, which runs first inside the sandbox).

The grader talks to the kernel over ZeroMQ IPC sockets in a scratch folder that is the
only host folder the sandbox can write. Where bubblewrap is missing or cannot create
namespaces, grading still runs, with the memory and file-size limits only, and the grade
command says loudly that it is not isolated.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, Unicode

BOOT = Path(__file__).with_name("sandbox_boot.py")
HOME = "/home/learner"
INSIDE = "/opt/aicareer"
LIMIT_NOTE = "limit-note.txt"
MiB = 1 << 20
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


_PROBED: dict[str, str | None] = {}


def trust_probe(problem: str | None) -> None:
    """Take the result of :func:`isolation_problem` from the process that already
    checked (the grade command hands it to its workers instead of each checking again)."""
    _PROBED["problem"] = problem


def isolation_problem() -> str | None:
    """Why kernels cannot be isolated on this machine, or None if they can (checked once
    per process; see :func:`_probe`)."""
    if "problem" not in _PROBED:
        _PROBED["problem"] = _probe()
    return _PROBED["problem"]


def _probe() -> str | None:
    """Start this Python in a sandbox exactly as a kernel would be started and
    import the kernel and the course's package there, so a sandbox that exists but
    cannot run a kernel (a missing folder, namespaces switched off) is found before any
    submission is graded, not blamed on the learners as a dead kernel.
    """
    if not sys.platform.startswith("linux"):
        return f"kernel isolation needs Linux namespaces; this is {sys.platform}"
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian/Ubuntu: sudo apt-get install bubblewrap)"
    scratch = Path(tempfile.mkdtemp(prefix="aicareer-grade-"))
    try:
        (scratch / "files").mkdir()
        (scratch / "ipc").mkdir()
        manager = SandboxedKernelManager()
        manager._scratch = scratch
        probe = subprocess.run(
            [*manager._bwrap_args(), sys.executable, "-c", "import ipykernel, aicareer"],
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


def describe(isolation: str) -> str:
    """One line for the instructor: will kernels be isolated under this setting?"""
    if isolation == "off":
        return "NOT ISOLATED: kernels run as you, in the course folder (isolation turned off)"
    problem = isolation_problem()
    if problem:
        return f"NOT ISOLATED: {problem}. Only memory and file-size limits apply."
    return "isolated: each kernel runs in a bubblewrap sandbox with no network"


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for path in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"):
        args += ["--ro-bind-try", path, path]
    return args


def _python_binds() -> list[str]:
    """The Python installation and the course's own package, read-only, at their paths."""
    import aicareer

    folders = {
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
        Path(os.path.realpath(sys.executable)).parent.parent,
        Path(aicareer.__file__).resolve().parent,
    }
    args = []
    for folder in sorted(folders):
        if folder == Path("/") or folder.is_relative_to("/usr"):
            continue
        args += ["--ro-bind", str(folder), str(folder)]
    if Path(sys.prefix) != Path(sys.prefix).resolve():
        args += ["--ro-bind", str(Path(sys.prefix).resolve()), sys.prefix]
    return args


def _matplotlib_cache() -> str | None:
    try:
        import matplotlib

        folder = Path(matplotlib.get_cachedir())
    except Exception:  # a course without matplotlib still grades
        return None
    return str(folder) if any(folder.glob("fontlist-*.json")) else None


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run under limits, isolated where the OS allows.

    nbclient creates one per notebook it runs and calls ``start_kernel(cwd=...)`` with
    the folder of the notebook being graded; that folder's files, minus notebooks, are
    the only course files the kernel sees.
    """

    isolation = Unicode(
        "auto",
        help="'auto': isolate where possible; 'on': refuse to grade without isolation; "
        "'off': run kernels unisolated (limits still apply).",
    ).tag(config=True)
    memory_mb = Integer(2048, help="Memory for the kernel and its processes (MiB).").tag(
        config=True
    )
    max_processes = Integer(64, help="Processes and threads the kernel may run.").tag(config=True)
    max_file_mb = Integer(64, help="Largest file the kernel may write (MiB).").tag(config=True)
    home_mb = Integer(256, help="Size of the kernel's writable home (MiB).").tag(config=True)

    _scratch: Path | None = None
    _isolated: bool = False

    @property
    def isolated(self) -> bool:
        """Whether this manager's kernel runs in a sandbox."""
        return self._isolated

    def _decide(self) -> bool:
        if self.isolation == "off":
            return False
        problem = isolation_problem()
        if problem and self.isolation == "on":
            raise RuntimeError(f"kernel isolation was required but is unavailable: {problem}")
        return problem is None

    async def _async_pre_start_kernel(self, **kw):
        if self._scratch is None:
            self._isolated = self._decide()
            if self._isolated:
                self._scratch = Path(tempfile.mkdtemp(prefix="aicareer-grade-"))
                shutil.copytree(
                    Path(kw.get("cwd") or os.getcwd()),
                    self._scratch / "files",
                    ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"),
                )
                ipc = self._scratch / "ipc"
                ipc.mkdir()
                # The only way in or out: sockets in a folder both sides can see.
                self.transport = "ipc"
                self.connection_file = str(ipc / "kernel.json")
                self.ip = str(ipc / "k")
        # One thread per numerical library: fair to the other kernels running at once.
        kw["env"] = {**kw.get("env", os.environ), **ONE_THREAD}
        if self._isolated:
            (self._scratch / "ipc" / LIMIT_NOTE).unlink(missing_ok=True)
            kw["cwd"] = str(self._scratch)
            # Ctrl-C as a message on the control channel: a signal to bwrap would not reach
            # the kernel inside its PID namespace.
            self.kernel_spec.interrupt_mode = "message"
        return await super()._async_pre_start_kernel(**kw)

    def _settings(self) -> dict:
        return {
            "isolated": self._isolated,
            "memory_bytes": self.memory_mb * MiB,
            "file_bytes": self.max_file_mb * MiB,
            "processes": self.max_processes,
            "submission": f"{INSIDE}/submission",
            "workdir": f"{HOME}/work",
            "matplotlib_cache": f"{INSIDE}/matplotlib" if _matplotlib_cache() else None,
            "note": str(self._scratch / "ipc" / LIMIT_NOTE) if self._isolated else "",
        }

    def format_kernel_cmd(self, extra_arguments=None) -> list[str]:
        """The kernel's command, started through ``sandbox_boot.py`` (inside bwrap if
        isolated)."""
        command = super().format_kernel_cmd(extra_arguments)
        if os.name != "posix":
            return command
        settings = json.dumps(self._settings())
        if not self._isolated:
            return [sys.executable, str(BOOT), settings, "--", *command]
        return [
            *self._bwrap_args(),
            sys.executable,
            f"{INSIDE}/boot.py",
            settings,
            "--",
            *command,
        ]

    def _bwrap_args(self) -> list[str]:
        ipc = str(self._scratch / "ipc")
        env = {
            "HOME": HOME,
            "USER": "learner",
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TMPDIR": "/tmp",
            "MPLCONFIGDIR": f"{HOME}/.config/matplotlib",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            # ipykernel: started by a client (no banner), and PID 1 means "do not poll it".
            "JPY_PARENT_PID": "1",
            **ONE_THREAD,
        }
        for passed in ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING"):
            if passed in os.environ:
                env[passed] = os.environ[passed]
        args = [
            shutil.which("bwrap"),
            "--unshare-all",
            "--die-with-parent",
            "--cap-drop",
            "ALL",
            "--uid",
            "1000",
            "--gid",
            "1000",
            "--hostname",
            "grader",
            *_system_binds(),
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--size",
            str(64 * MiB),
            "--tmpfs",
            "/tmp",
            "--size",
            str(self.home_mb * MiB),
            "--tmpfs",
            HOME,
            # After the tmpfs mounts, which would otherwise hide a Python or a course that
            # lives under /tmp (as a fresh clone in CI may).
            *_python_binds(),
            "--ro-bind",
            str(BOOT),
            f"{INSIDE}/boot.py",
            "--ro-bind",
            str(self._scratch / "files"),
            f"{INSIDE}/submission",
            "--bind",
            ipc,
            ipc,
            "--chdir",
            HOME,
            "--clearenv",
        ]
        cache = _matplotlib_cache()
        if cache:
            args += ["--ro-bind", cache, f"{INSIDE}/matplotlib"]
        for name, value in env.items():
            args += ["--setenv", name, value]
        return args

    def limit_note(self) -> str:
        """What the sandbox said when it stopped the kernel for a limit, or ''."""
        if not self._scratch:
            return ""
        note = self._scratch / "ipc" / LIMIT_NOTE
        try:
            return note.read_text(encoding="utf-8", errors="replace")[:300]
        except OSError:
            return ""

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
