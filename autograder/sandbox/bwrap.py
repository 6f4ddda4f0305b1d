"""The bubblewrap command that starts a kernel in its sandbox: a pure function of where the
scratch folder is, how big the home may be and what the grader's environment passes on.

Kept apart from the kernel manager so that what the sandbox can see and do is read (and
unit-tested) in one place, without starting a kernel.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from .boot import PASSED_ON_NAMES

BOOT = Path(__file__).with_name("boot.py")
TEMPLATE = Path(__file__).with_name("template.py")
TEMPLATE_HOME_MB = 64  # the template's own home: matplotlib's cache, nothing of a learner
HOME = "/home/learner"
INSIDE = "/opt/aicareer"
MiB = 1 << 20
TMP_MB = 64  # the sandbox's /tmp, a tmpfs of its own
# One thread per numerical library: fair to the other kernels running at once.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
PASSED_ON = PASSED_ON_NAMES


def system_binds() -> list[str]:
    """The system's programs and libraries, read-only (symlinked tops kept as links)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for path in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"):
        args += ["--ro-bind-try", path, path]
    return args


def python_binds() -> list[str]:
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


def matplotlib_cache() -> str | None:
    """matplotlib's font cache folder, if it holds a font list worth seeding the kernel with."""
    try:
        import matplotlib

        folder = Path(matplotlib.get_cachedir())
    except Exception:  # a course without matplotlib still grades
        return None
    return str(folder) if any(folder.glob("fontlist-*.json")) else None


def kernel_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The kernel's whole environment: nothing of the grader's but nbgrader's markers."""
    env = {
        "HOME": HOME,
        "USER": "learner",
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "MPLCONFIGDIR": f"{HOME}/.config/matplotlib",
        "PYTHONDONTWRITEBYTECODE": "1",
        # The kernel starts in the work folder, which holds the submission's files: keep
        # that folder off sys.path (no ipykernel_launcher.py, numpy.py or sitecustomize.py
        # of the learner's runs in its place; IPython honours it too), and the home's
        # user site-packages, which the kernel could write before a restart, out as well.
        "PYTHONSAFEPATH": "1",
        "PYTHONNOUSERSITE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        # ipykernel: started by a client (no banner), and PID 1 means "do not poll it".
        "JPY_PARENT_PID": "1",
        **ONE_THREAD,
    }
    env.update({name: environ[name] for name in PASSED_ON if name in environ})
    return env


def bwrap_command(
    scratch: Path,
    home_mb: int,
    environ: Mapping[str, str],
    bwrap: str | None = None,
    fonts: str | None = None,
) -> list[str]:
    """The bwrap arguments that start a program in a submission's sandbox.

    ``scratch`` holds ``files/`` (the submission, bound read-only) and ``ipc/`` (the
    kernel's sockets: the only host folder the sandbox can write). The program's own
    command follows these arguments.
    """
    ipc = str(Path(scratch) / "ipc")
    own = ["--ro-bind", str(Path(scratch) / "files"), f"{INSIDE}/submission", "--bind", ipc, ipc]
    return _sandbox(home_mb, environ, bwrap, fonts, own)


def template_command(
    kernels: Path, environ: Mapping[str, str], fonts: str | None = None, bwrap: str | None = None
) -> list[str]:
    """The bwrap arguments that start the warm template (``template.py``) in its sandbox.

    ``kernels`` is the host folder that will hold each forked kernel's ``files/`` and
    ``ipc/``: the only host folder the template's sandbox can write. Each forked kernel
    sees its own two folders only (at ``/opt/aicareer/submission`` and
    ``/opt/aicareer/ipc``), and ``/opt/aicareer/keep/N`` are where the Python folders that
    live under ``/tmp`` are held while a kernel's fresh ``/tmp`` is mounted.
    """
    own = ["--bind", str(kernels), str(kernels)]
    own += ["--ro-bind", str(TEMPLATE), f"{INSIDE}/template.py"]
    own += ["--dir", f"{INSIDE}/submission", "--dir", f"{INSIDE}/ipc"]
    for index, _ in enumerate(kept_python_folders()):
        own += ["--dir", f"{INSIDE}/keep/{index}"]
    return _sandbox(TEMPLATE_HOME_MB, environ, bwrap, fonts, own)


def kept_python_folders() -> list[str]:
    """The Python and course folders bound under ``/tmp``, which a kernel's fresh ``/tmp``
    would otherwise hide (a fresh clone in CI lives there)."""
    binds = python_binds()
    targets = [binds[i + 2] for i in range(0, len(binds), 3)]
    return [path for path in targets if Path(path).is_relative_to("/tmp")]


def _sandbox(
    home_mb: int,
    environ: Mapping[str, str],
    bwrap: str | None,
    fonts: str | None,
    own: list[str],
) -> list[str]:
    args = [
        bwrap or shutil.which("bwrap") or "bwrap",
        "--unshare-all",
        "--die-with-parent",
        # A session of its own: no way to the grader's terminal (TIOCSTI), and a
        # scheduling group of its own, so renicing it touches nothing of the grader's.
        "--new-session",
        "--cap-drop",
        "ALL",
        "--uid",
        "1000",
        "--gid",
        "1000",
        "--hostname",
        "grader",
        *system_binds(),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(TMP_MB * MiB),
        "--tmpfs",
        "/tmp",
        "--size",
        str(home_mb * MiB),
        "--tmpfs",
        HOME,
        # After the tmpfs mounts, which would otherwise hide a Python or a course that
        # lives under /tmp (as a fresh clone in CI may).
        *python_binds(),
        "--ro-bind",
        str(BOOT),
        f"{INSIDE}/boot.py",
        *own,
        "--chdir",
        HOME,
        "--clearenv",
    ]
    if fonts:
        args += ["--ro-bind", fonts, f"{INSIDE}/matplotlib"]
    for name, value in kernel_environment(environ).items():
        args += ["--setenv", name, value]
    return args
