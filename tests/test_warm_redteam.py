"""What a learner's code in a warm kernel could do to the template, to other learners'
kernels and to the grader, beyond what the threat model allows (README, "Grading
safely"). Each test asserts the safe behaviour; each failed when it was written.

Every test starts and ends with a template of its own, so nothing a kernel leaves in the
template's sandbox reaches kernels of other tests in the same process.
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import select
import uuid
from pathlib import Path

import pytest

from autograder.sandbox import warm
from autograder.sandbox.manager import SandboxedKernelManager

pytestmark = pytest.mark.usefixtures("sandbox_available", "template_of_its_own")

RUN_SECONDS = 60


@pytest.fixture
def template_of_its_own():
    warm.close_this_process_template()
    yield
    warm.close_this_process_template()


@pytest.fixture
def submission(tmp_path) -> Path:
    folder = tmp_path / "handed-in"
    folder.mkdir()
    (folder / "data.csv").write_text("a,b\n1,2\n")
    return folder


class Kernel:
    """One sandboxed kernel with a client, for running learner code in it."""

    def __init__(self, manager: SandboxedKernelManager):
        self.manager = manager
        self.client = None

    @classmethod
    async def start(cls, folder: Path, **traits) -> Kernel:
        kernel = cls(SandboxedKernelManager(kernel_name="python3", isolation="on", **traits))
        await kernel.manager.start_kernel(cwd=str(folder))
        assert kernel.manager._forked is not None, "expected a kernel forked from the template"
        kernel.client = kernel.manager.client()
        kernel.client.start_channels()
        await kernel.client.wait_for_ready(timeout=RUN_SECONDS)
        return kernel

    async def run(self, code: str) -> dict | None:
        """The JSON the code printed after 'SAID ', or None if the kernel ended first."""
        printed: list[str] = []
        execution = asyncio.ensure_future(
            self.client.execute_interactive(
                code,
                timeout=RUN_SECONDS,
                output_hook=lambda msg: printed.append(msg["content"].get("text", "")),
            )
        )
        while not execution.done():
            if not await self.manager.is_alive():
                execution.cancel()
                return None
            await asyncio.sleep(0.05)
        execution.result()
        lines = [line for line in "".join(printed).splitlines() if line.startswith("SAID ")]
        assert lines, f"expected the code to say something, it printed {printed!r}"
        return json.loads(lines[-1][5:])

    async def stop(self) -> None:
        self.client.stop_channels()
        await self.manager.shutdown_kernel(now=True)


def test_a_kernel_cannot_plant_startup_code_for_the_next_kernel(submission):
    """The template's root folder (a tmpfs under /etc, /home, /opt) is writable and shared
    by every kernel it forks: IPython reads /etc/ipython at each kernel's start."""
    plant = (
        "import os, json\n"
        "said = {}\n"
        "for path, text in (\n"
        "    ('/etc/ipython/ipython_kernel_config.py',\n"
        "     \"c.InteractiveShellApp.exec_lines = ['import builtins; builtins.PLANTED = 1']\"),\n"
        "    ('/opt/aicareer/left-behind', 'by the previous learner'),\n"
        "):\n"
        "    try:\n"
        "        os.makedirs(os.path.dirname(path), exist_ok=True)\n"
        "        open(path, 'w').write(text)\n"
        "        said[path] = 'written'\n"
        "    except OSError as problem:\n"
        "        said[path] = str(problem)\n"
        "print('SAID ' + json.dumps(said))\n"
    )
    check = (
        "import builtins, json, os\n"
        "print('SAID ' + json.dumps({'planted': getattr(builtins, 'PLANTED', None),\n"
        "    'left_behind': os.path.exists('/opt/aicareer/left-behind')}))\n"
    )

    async def scenario():
        first = await Kernel.start(submission)
        try:
            planted = await first.run(plant)
        finally:
            await first.stop()
        second = await Kernel.start(submission)
        try:
            return planted, await second.run(check)
        finally:
            await second.stop()

    planted, found = asyncio.run(scenario())
    assert found == {"planted": None, "left_behind": False}, (
        "expected the next kernel to run no code and find no file of the previous one; "
        f"the previous one wrote {planted} and the next found {found}"
    )


def test_kernels_running_at_once_cannot_reach_each_other_over_sockets(submission):
    """Cold kernels each have an empty network namespace; warm ones share the template's."""
    name = f"aicareer-redteam-{uuid.uuid4().hex}"
    listen = (
        "import json, socket\n"
        "_abstract = socket.socket(socket.AF_UNIX)\n"
        f"_abstract.bind('\\0{name}'); _abstract.listen()\n"
        "_tcp = socket.socket(); _tcp.bind(('127.0.0.1', 0)); _tcp.listen()\n"
        "print('SAID ' + json.dumps({'port': _tcp.getsockname()[1]}))\n"
    )

    def connect(port: int) -> str:
        return (
            "import json, socket\n"
            "said = {}\n"
            f"for kind, family, address in (('abstract', socket.AF_UNIX, '\\0{name}'),\n"
            f"                              ('tcp', socket.AF_INET, ('127.0.0.1', {port}))):\n"
            "    try:\n"
            "        socket.socket(family).connect(address)\n"
            "        said[kind] = 'connected'\n"
            "    except OSError as problem:\n"
            "        said[kind] = type(problem).__name__\n"
            "print('SAID ' + json.dumps(said))\n"
        )

    async def scenario():
        listener = await Kernel.start(submission)
        try:
            port = (await listener.run(listen))["port"]
            other = await Kernel.start(submission)
            try:
                return await other.run(connect(port))
            finally:
                await other.stop()
        finally:
            await listener.stop()

    said = asyncio.run(scenario())
    assert "connected" not in said.values(), (
        f"expected no way from one learner's kernel to another's, got {said}"
    )


def run_with_note(submission: Path, code: str, **start) -> tuple[dict | None, str]:
    """What ``code`` said in a fresh kernel, and the limit note its sandbox left."""

    async def scenario():
        kernel = await Kernel.start(submission, **start)
        try:
            return await kernel.run(code), kernel.manager.limit_note()
        finally:
            await kernel.stop()

    return asyncio.run(scenario())


@pytest.mark.xfail(
    strict=True,
    reason="known gap, cold kernels too: memory held in memfd files that are never mapped is not counted (the fix is a memory cgroup per sandbox, or counting files held open)",
)
def test_memory_held_in_memfd_files_counts_toward_the_memory_limit(submission):
    """Pages written into a memfd are mapped by no process, so no resident size shows them."""
    limit_mb = 1024
    hoard = (
        "import json, os, time\n"
        "_held = []\n"
        "try:\n"
        f"    while len(_held) * 48 < {limit_mb + 128}:\n"
        "        fd = os.memfd_create('hoard')\n"
        "        os.write(fd, b'x' * (48 << 20))\n"
        "        _held.append(fd)\n"
        "except OSError as problem:\n"
        "    pass\n"
        "time.sleep(1)\n"
        "print('SAID ' + json.dumps({'held_mb': len(_held) * 48}))\n"
    )

    said, note = run_with_note(submission, hoard, memory_mb=limit_mb)
    assert said is None or said["held_mb"] <= limit_mb, (
        f"expected the kernel stopped at {limit_mb} MiB, but it held {said} (note: {note!r})"
    )


@pytest.mark.xfail(
    strict=True,
    reason="known gap, cold kernels too: an O_TMPFILE file in the socket folder never shows in its listing (the fix is counting files held open on that folder's device)",
)
def test_unnamed_files_in_the_socket_folder_count_toward_its_cap(submission):
    """An O_TMPFILE file never appears in the folder's listing, yet fills the host's disk."""
    fill = (
        "import json, os, time\n"
        "try:\n"
        "    fd = os.open('/opt/aicareer/ipc', os.O_TMPFILE | os.O_WRONLY, 0o600)\n"
        "    os.write(fd, b'x' * (16 << 20))\n"
        "    held = os.fstat(fd).st_blocks * 512\n"
        "except OSError:\n"
        "    held = 0\n"
        "time.sleep(1)\n"
        "print('SAID ' + json.dumps({'held_bytes': held}))\n"
    )

    said, note = run_with_note(submission, fill)
    assert said is None or said["held_bytes"] <= 1 << 20, (
        f"expected the kernel stopped past 1 MiB in its socket folder, got {said} (note {note!r})"
    )


@pytest.mark.xfail(
    strict=True,
    reason="known gap when grading as root: the sandbox's user is root's id outside, so even the undumpable template's /proc files are its own (the fix is a /proc of the kernel's own PID namespace, which bubblewrap's covered /proc prevents)",
)
def test_a_kernel_cannot_make_the_template_the_out_of_memory_killers_first_choice(submission):
    """The template's /proc files belong to the kernel's own user id."""
    raise_score = (
        "import json, os\n"
        "said = {}\n"
        "for pid in [p for p in os.listdir('/proc') if p.isdigit()]:\n"
        "    try:\n"
        "        command = open(f'/proc/{pid}/cmdline', 'rb').read()\n"
        "        levels = [l for l in open(f'/proc/{pid}/status') if l.startswith('NSpid:')]\n"
        "    except OSError:\n"
        "        continue\n"
        "    if b'template.py' in command and levels and len(levels[0].split()) == 2:\n"
        "        try:\n"
        "            with open(f'/proc/{pid}/oom_score_adj', 'w') as score:\n"
        "                score.write('1000')\n"
        "            said[pid] = open(f'/proc/{pid}/oom_score_adj').read().strip()\n"
        "        except OSError as problem:\n"
        "            said[pid] = type(problem).__name__\n"
        "print('SAID ' + json.dumps(said))\n"
    )

    async def scenario():
        kernel = await Kernel.start(submission)
        try:
            return await kernel.run(raise_score)
        finally:
            await kernel.stop()

    said = asyncio.run(scenario())
    assert "1000" not in said.values(), (
        f"expected the template's oom_score_adj out of the kernel's reach, got {said}"
    )


def test_a_kernel_cannot_lower_the_graders_scheduling_priority(submission):
    """Kernels run in the grader's session, so they share its scheduler autogroup."""
    own = Path("/proc/self/autogroup")
    if not own.exists():
        pytest.skip("this Linux has no scheduler autogroups")
    renice = (
        "import json\n"
        "try:\n"
        "    with open('/proc/self/autogroup', 'w') as group:\n"
        "        group.write('19')\n"
        "    said = open('/proc/self/autogroup').read().strip()\n"
        "except OSError as problem:\n"
        "    said = type(problem).__name__\n"
        "print('SAID ' + json.dumps({'autogroup': said}))\n"
    )

    async def scenario():
        kernel = await Kernel.start(submission)
        try:
            return await kernel.run(renice)
        finally:
            await kernel.stop()

    before = own.read_text().strip()
    try:
        said = asyncio.run(scenario())
        after = own.read_text().strip()
    finally:
        own.write_text(before.rsplit(" ", 1)[-1])  # give the session back its niceness
    assert after == before, (
        f"expected the grader's autogroup untouched ({before!r}); the kernel said {said} "
        f"and it is now {after!r}"
    )


def test_a_kernel_cannot_type_into_or_write_on_the_graders_terminal(submission, tmp_path):
    """The grader graded from a terminal: kernels share its session, so /dev/tty is that
    terminal (TIOCSTI types into the instructor's shell; escape sequences reach it raw)."""
    mark = f"typed-by-a-kernel-{uuid.uuid4().hex[:8]}"
    reach = (
        "import fcntl, json, os, termios\n"
        "said = {}\n"
        "try:\n"
        "    tty = os.open('/dev/tty', os.O_RDWR)\n"
        "    os.write(tty, b'\\x1b]0;title-set-by-a-kernel\\x07')\n"
        "    said['wrote'] = True\n"
        f"    for byte in b'{mark}\\n':\n"
        "        fcntl.ioctl(tty, termios.TIOCSTI, bytes([byte]))\n"
        "    said['typed'] = True\n"
        "except OSError as problem:\n"
        "    said['refused'] = str(problem)\n"
        "print('SAID ' + json.dumps(said))\n"
    )
    report = tmp_path / "from-the-terminal.json"

    async def scenario():
        kernel = await Kernel.start(submission)
        try:
            return await kernel.run(reach)
        finally:
            await kernel.stop()

    child, terminal = pty.fork()
    if child == 0:  # the grader, with the pseudo-terminal as its controlling terminal
        try:
            said = asyncio.run(scenario())
            ready, _, _ = select.select([0], [], [], 2)
            typed = os.read(0, 4096).decode(errors="replace") if ready else ""
            report.write_text(json.dumps({"said": said, "typed": typed}))
        finally:
            warm.close_this_process_template()  # its folder goes with it
            os._exit(0)
    shown = b""
    while True:
        ready, _, _ = select.select([terminal], [], [], RUN_SECONDS)
        if not ready:
            break
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the child has ended and closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.waitpid(child, 0)
    os.close(terminal)
    assert report.exists(), f"expected the graded child to report, the terminal showed {shown!r}"
    result = json.loads(report.read_text())
    assert mark not in result["typed"], (
        f"expected nothing typed into the grader's terminal, it read {result['typed']!r} "
        f"(the kernel said {result['said']})"
    )
    assert b"title-set-by-a-kernel" not in shown, (
        "expected no escape sequence of the kernel's on the grader's terminal, got "
        f"{shown[-200:]!r}"
    )
