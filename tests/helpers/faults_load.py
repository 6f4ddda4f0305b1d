"""Fixture submissions whose kernels write into the one host folder a sandbox can write.

That folder (``ipc/`` in the kernel's scratch folder) holds the kernel's ZeroMQ sockets and
the connection file; the kernel finds it from its own command line (``-f .../kernel.json``).
Each fixture is a copy of the healthy "right" hand-in that does so at the top of the
interview_plan cell, after 13 points are earned. The sandbox's supervisor must stop the
kernel with a note naming the limit, the host's copy must stay small, and the batch goes on.
"""

from __future__ import annotations

from tests.helpers.faults import BEFORE_INTERVIEWS, SPREAD_MEMORY, Fault, before_interviews

SOCKET_FOLDER = "import os, sys\nipc = os.path.dirname(sys.argv[sys.argv.index('-f') + 1])\n"

MANY_FILES = (
    SOCKET_FOLDER
    + """
for number in range(100_000):
    with open(os.path.join(ipc, f"junk-{number}"), "wb") as junk:
        junk.write(b"x" * 4096)
"""
)

ONE_LARGE_FILE = (
    SOCKET_FOLDER
    + """
chunk = os.urandom(1 << 20)
with open(os.path.join(ipc, "large.bin"), "wb") as large:
    for _ in range(10_000):
        large.write(chunk)
"""
)

# Files too many for a flat count: folders within folders, each with a few files.
DEEP_FOLDERS = (
    SOCKET_FOLDER
    + """
folder = ipc
for depth in range(10_000):
    folder = os.path.join(folder, "d")
    os.mkdir(folder)
    for number in range(3):
        open(os.path.join(folder, str(number)), "wb").write(b"x" * 4096)
"""
)

# The supervisor's note replaced by a FIFO and a link first: writing its note must not
# block or follow them, or nothing would stop the flood that comes next.
NOTE_TRAPPED_THEN_FLOOD = (
    SOCKET_FOLDER
    + """
note = os.path.join(ipc, "limit-note.txt")
if os.path.lexists(note):
    os.unlink(note)
os.mkfifo(note)
os.symlink("/etc/passwd", os.path.join(ipc, "limit-note-link"))
"""
    + MANY_FILES.removeprefix(SOCKET_FOLDER)
)

SAYS = "socket folder limit"

IPC_FAULTS: dict[str, Fault] = {
    "writes-many-files-beside-its-sockets": Fault(
        before_interviews(MANY_FILES), "kernel died", BEFORE_INTERVIEWS, says=SAYS
    ),
    "writes-one-large-file-beside-its-sockets": Fault(
        before_interviews(ONE_LARGE_FILE), "kernel died", BEFORE_INTERVIEWS, says=SAYS
    ),
    "writes-deep-folders-beside-its-sockets": Fault(
        before_interviews(DEEP_FOLDERS), "kernel died", BEFORE_INTERVIEWS, says=SAYS
    ),
    "traps-the-limit-note-then-floods": Fault(
        before_interviews(NOTE_TRAPPED_THEN_FLOOD), "kernel died", BEFORE_INTERVIEWS, says=SAYS
    ),
}

# The learner's code runs as the same user as the sandbox's supervisor, so it can stop or
# kill it; then it spreads its memory over processes, which only a sandbox-wide watch sees.
STOP_SUPERVISOR = "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\n" + SPREAD_MEMORY
KILL_SUPERVISOR = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + SPREAD_MEMORY

SUPERVISOR_FAULTS: dict[str, Fault] = {
    # A cold kernel's supervisor, stopped, is caught by the watch from outside ("...stopped
    # the sandbox's supervisor..."); a warm kernel's is its PID namespace's init, which
    # the signal does not reach, so it stops the spread itself at the memory limit.
    "stops-the-supervisor-then-spreads-memory": Fault(
        before_interviews(STOP_SUPERVISOR),
        "kernel died",
        BEFORE_INTERVIEWS,
        says="the kernel was stopped",
    ),
    # Killing it ends the sandbox at once: bwrap ends the namespace when its first program
    # (the supervisor) exits, so the kernel dies with it and nothing is spread.
    "kills-the-supervisor-then-spreads-memory": Fault(
        before_interviews(KILL_SUPERVISOR), "kernel died", BEFORE_INTERVIEWS, says="stopped"
    ),
}
