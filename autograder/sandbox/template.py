"""The warm template: inside a grading worker's sandbox, it forks one fresh kernel per
submission.

Usage: ``python template.py CONTROL_FD`` (its settings, then requests, come on that socket)

Starting a kernel cold costs most of a small submission's grading: a new Python imports
IPython, ipykernel, numpy, matplotlib, ipywidgets and the course's kit, about a second of
CPU. This program pays for those imports once per grading worker. It runs in a bubblewrap
sandbox like a cold kernel's, never runs a learner's code, and waits on a control socket
that only the grader holds. For each request it forks a child that becomes a sandbox of
its own (``launch``):

1. new user, mount, PID, IPC and UTS namespaces, so the kernel sees none of the template's
   or an earlier kernel's processes, shared memory or mounts;
2. a fresh tmpfs for the home, ``/tmp`` and ``/dev/shm``, the submission's files bound
   read-only and its socket folder bound writable, and every other kernel's folder hidden;
3. the first process of the new PID namespace is the supervisor (``boot.supervise``): it
   copies the files into the home, forks the kernel, and enforces the same limits as for a
   cold kernel. Being that namespace's init, it cannot be stopped or killed by signals
   from inside, and it is not dumpable, so the kernel cannot trace it;
4. the kernel drops every capability, takes the limits, reseeds its random generators,
   and runs ipykernel with the connection it was given.

Nothing a kernel does can reach the template or a later kernel: each kernel is a fresh
copy of a process that only imported libraries, and its namespaces die with it.

Standard library only (and ``boot.py`` beside it); the course's libraries are imported
only to warm them up.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import random
import select
import signal
import socket
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import boot  # noqa: E402  (beside this file, inside the sandbox)

sys.path.remove(HERE)

# What a kernel of this course imports; each is imported here once, before any fork.
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",  # ipykernel starts its debugger's machinery in every kernel
    "IPython.core.completer",
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.core.oinspect",
    "IPython.extensions.storemagic",
    "tornado.platform.asyncio",
    "tornado.queues",
    "sqlite3",  # IPython's history
    "comm",
    "numpy",
    "numpy.random",
    "matplotlib",
    "matplotlib.pyplot",
    "ipywidgets",
    "aicareer",
    "aicareer.plotting",
)
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
# statvfs's flags with the same values as mount's: nosuid, nodev, noexec and the atime ones.
KEPT_MOUNT_FLAGS = 0x2 | 0x4 | 0x8 | 0x400 | 0x800 | 0x1000
SIOCSIFFLAGS = 0x8914
IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x1, 0x8, 0x40
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
CAPABILITY_VERSION_3 = 0x20080522

SUBMISSION = "/opt/aicareer/submission"
KEEP = "/opt/aicareer/keep"
IPC = "/opt/aicareer/ipc"
CONNECTION_FILE = f"{IPC}/connection.json"
HOME = "/home/learner"
READY, FAILED = boot.KERNEL_READY, boot.KERNEL_FAILED

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _mount(source: str | None, target: str, kind: str | None, flags: int, data: str = "") -> None:
    _check(
        _libc.mount(
            source.encode() if source else None,
            target.encode(),
            kind.encode() if kind else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def _bind(source: str, target: str, read_only: bool) -> None:
    _mount(source, target, None, MS_BIND | MS_REC)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | (MS_RDONLY if read_only else 0)
    _mount(None, target, None, flags)


def _tmpfs(target: str, size_bytes: int, mode: str) -> None:
    _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size_bytes},mode={mode}")


def enter_new_namespaces() -> None:
    """Unshare user, mount, PID, IPC and UTS namespaces, keeping this uid and gid.

    The PID namespace takes effect for this process's next child.
    """
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
    flags |= CLONE_NEWNET  # no socket, abstract or on loopback, between kernels
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")
    for name, text in (
        ("setgroups", "deny"),
        ("uid_map", f"{uid} {uid} 1"),
        ("gid_map", f"{gid} {gid} 1"),
    ):
        with open(f"/proc/self/{name}", "w", encoding="ascii") as mapping:
            mapping.write(text)
    # Nothing mounted from here on may show in the template's namespace.
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _loopback_up()


def _loopback_up() -> None:
    """Bring the new network namespace's loopback up, as bubblewrap does for a cold kernel."""
    import fcntl
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING
        fcntl.ioctl(probe, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags))


def _read_only(path: str) -> None:
    """Remount ``path`` read-only for this namespace, keeping the flags it has (a mount
    inherited from the template's namespace is locked: its flags may only be added to)."""
    kept = os.statvfs(path).f_flag & KEPT_MOUNT_FLAGS
    _mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | kept)


def mount_kernel_folders(folder: str, kept: list[str], home_bytes: int, tmp_bytes: int) -> None:
    """The kernel's view: its own files and sockets, fresh writable folders, and nothing
    of any other kernel (the folder holding every kernel's folders is covered).

    ``kept`` are Python folders that live under ``/tmp``: held aside while the fresh
    ``/tmp`` is mounted, then bound back, read-only, where they were.
    """
    _bind(os.path.join(folder, "files"), SUBMISSION, read_only=True)
    _bind(os.path.join(folder, "ipc"), IPC, read_only=False)
    for index, path in enumerate(kept):
        _bind(path, f"{KEEP}/{index}", read_only=True)
    _tmpfs(os.path.dirname(folder), 4096, "0555")
    _tmpfs("/tmp", tmp_bytes, "1777")
    for index, path in enumerate(kept):
        os.makedirs(path, exist_ok=True)
        _bind(f"{KEEP}/{index}", path, read_only=True)
    _tmpfs(HOME, home_bytes, "0755")
    if os.path.isdir("/dev/shm"):
        _tmpfs("/dev/shm", tmp_bytes, "1777")
    # The template's root and /dev are one tmpfs each, shared by every kernel it forks:
    # read-only here, so no kernel can leave a file (say, IPython's startup config) for
    # the next. Home, /tmp, /dev/shm and the socket folder are mounts of their own.
    _read_only("/")
    _read_only("/dev")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def drop_capabilities() -> None:
    """Give up every capability the new user namespace granted, for good."""
    with open("/proc/sys/kernel/cap_last_cap", encoding="ascii") as last:
        last_cap = int(last.read())
    for cap in range(last_cap + 1):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header, data = _CapHeader(CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


def _close_all_but(keep: set[int]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _null_stdio() -> None:
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def _reseed() -> None:
    """A forked kernel must not draw the same numbers as its template and siblings."""
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def run_kernel(request: dict) -> None:
    """In the kernel's process: become a plain kernel of this course, then serve."""
    for name in boot.PASSED_ON_NAMES:
        os.environ.pop(name, None)
    os.environ.update({k: v for k, v in request["env"].items() if k in boot.PASSED_ON_NAMES})
    with open(CONNECTION_FILE, "w", encoding="utf-8") as connection:
        json.dump(request["connection"], connection)
    for name in ("boot", "__main__"):
        sys.modules.pop(name, None)
    _reseed()
    sys.argv = ["ipykernel_launcher", "-f", CONNECTION_FILE]
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(argv=["-f", CONNECTION_FILE])


def supervisor(request: dict, kill_fd: int, life_fd: int) -> int:
    """The first process of the kernel's PID namespace: start the kernel and watch it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    settings = boot.BootSettings.from_json(json.dumps(request["settings"]))
    boot.prepare_home(settings)
    kernel = os.fork()
    if kernel == 0:
        try:
            os.close(kill_fd)
            os.close(life_fd)
            _null_stdio()
            drop_capabilities()
            boot.apply_limits(settings)
            # Dumpable again (the supervisor is not), so that the supervisor can measure
            # the kernel's memory exactly; its /proc files are then its user's, but only
            # its own sandbox can name it.
            _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
            run_kernel(request)
        finally:
            os._exit(0)
    os.write(life_fd, READY)
    me = os.readlink("/proc/self")  # this process's number in the template's /proc
    code = boot.supervise(
        kernel,
        settings,
        processes=lambda: [me, *boot.descendants(me)],
        released=lambda: bool(select.select([kill_fd], [], [], 0)[0]),
    )
    # Whatever is left of the kernel's processes dies with this namespace's init.
    return code


def launch(request: dict, kill_fd: int, life_fd: int) -> None:
    """In a fresh child of the template: build the kernel's sandbox and start its
    supervisor; never returns."""
    try:
        _close_all_but({kill_fd, life_fd})
        _null_stdio()
        os.setsid()  # a session of its own: no terminal, and its own scheduling group
        enter_new_namespaces()
        mount_kernel_folders(
            request["folder"], request["kept"], request["home_bytes"], request["tmp_bytes"]
        )
        first = os.fork()
        if first == 0:
            try:
                os._exit(supervisor(request, kill_fd, life_fd) & 0xFF)
            except BaseException as problem:  # noqa: BLE001 - said to the grader, then gone
                _say_failed(life_fd, problem)
                os._exit(70)
    except BaseException as problem:  # noqa: BLE001
        _say_failed(life_fd, problem)
        os._exit(70)
    os._exit(0)  # the supervisor lives on, adopted by the sandbox's init


def _say_failed(life_fd: int, problem: BaseException) -> None:
    try:
        os.write(life_fd, FAILED + str(problem)[:300].encode("utf-8", "replace"))
    except OSError:
        pass


def preload() -> list[str]:
    """Import what kernels import; the names that could not be imported."""
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    missing = []
    for name in PRELOAD:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - a kernel imports it itself, and says why
            missing.append(name)
    return missing


def warm_tracebacks() -> None:
    """Format one error of the template's own as a kernel's shell formats a cell's.

    IPython imports stack_data, builds its colour theme's styles and maps every module to
    its file the first time it shows a traceback. Every graded kernel shows several (the
    grader's canary, failed tests), so that first time is paid here, once, instead of in
    each kernel. No learner code runs: the error comes from a line compiled here.
    """
    try:
        from IPython.core import ultratb

        failing = compile("raise ValueError('warming up')\n", "<aicareer-warm-up>", "exec")
        try:
            exec(failing, {})
        except ValueError:
            # The shell's own handler: the default mode and colour theme of a kernel.
            handler = ultratb.AutoFormattedTB(mode="Context", theme_name="neutral", tb_offset=0)
            handler.structured_traceback(*sys.exc_info())
    except Exception:  # noqa: BLE001 - only a saving: each kernel then does it itself
        pass


def _can_fork_sandboxes(probe_folder: str, kept: list[str]) -> str:
    """'' if a child can build a kernel's sandbox here, else why not."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read)
        try:
            enter_new_namespaces()
            mount_kernel_folders(probe_folder, kept, 1 << 20, 1 << 20)
            drop_capabilities()
            os._exit(0)
        except BaseException as problem:  # noqa: BLE001
            os.write(write, str(problem)[:300].encode())
            os._exit(1)
    os.close(write)
    said = os.read(read, 400).decode("utf-8", "replace")
    os.close(read)
    _, status = os.waitpid(child, 0)
    return "" if os.waitstatus_to_exitcode(status) == 0 else said or "the probe failed"


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if not pid:
            return


def serve(control: socket.socket) -> None:
    """Fork a kernel's sandbox for each request, until every grader process has closed
    the socket. A request brings three descriptors: the kill pipe's end to watch, the
    life pipe's end to hold, and a socket to answer on (several grading workers may share
    this template, each waiting on its own answer)."""
    while True:
        message, fds, _, _ = socket.recv_fds(control, 1 << 16, 3)
        _reap()
        if not message:
            return
        request = json.loads(message)
        kill_fd, life_fd, answer_fd = fds
        child = os.fork()
        if child == 0:
            control.close()
            os.close(answer_fd)
            launch(request, kill_fd, life_fd)
        os.close(kill_fd)
        os.close(life_fd)
        with socket.socket(fileno=answer_fd) as answer:
            try:
                answer.send(json.dumps({"pid": child}).encode())
            except OSError:
                pass  # the grader gave up waiting; its kernel is killed when it lets go


def main(argv: list[str]) -> int:
    control = socket.socket(fileno=int(argv[1]))
    settings = json.loads(control.recv(1 << 16))
    missing = preload()
    warm_tracebacks()
    # Not dumpable: its /proc files (oom_score_adj, say), which every kernel can see, are
    # then no kernel's to write, and it cannot be traced.
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    problem = _can_fork_sandboxes(settings["probe_folder"], settings["kept"])
    threads = threading.active_count()
    if threads != 1:  # forking a process with threads could copy a held lock
        problem = problem or f"{threads} threads were running after the imports"
    control.send(json.dumps({"ready": True, "problem": problem, "missing": missing}).encode())
    if problem:
        return 1
    # What the imports made lives as long as any kernel: frozen, a kernel's collections
    # never walk it (and never touch its pages, which stay shared with the template).
    gc.freeze()
    serve(control)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
