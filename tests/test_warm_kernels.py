"""Kernels forked from the warm template: each in a sandbox of its own, as tight as a cold
kernel's, and the grader's fallback to cold kernels when the template cannot serve.

What a kernel can do to the next one is proven in test_no_state_between_submissions.py,
and the limits (memory, processes, files, the socket folder) in the fault suites, which
grade with warm kernels by default. Here: what a forked kernel sees and holds.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import pytest

from autograder.sandbox import warm
from autograder.sandbox.bwrap import kept_python_folders
from autograder.sandbox.manager import SandboxedKernelManager

pytestmark = pytest.mark.usefixtures("sandbox_available")

# Run inside a kernel: what it can see of its sandbox, as one line of JSON.
LOOK_AROUND = r"""
import json, os, resource, signal
def _status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].split()
def _can_read(path):
    try:
        open(path, "rb").read(1)
        return True
    except OSError:
        return False
_others = [p for p in os.listdir("/proc") if p.isdigit() and os.path.realpath("/proc/self") != f"/proc/{p}"]
print("LOOK " + json.dumps({
    "uid": os.getuid(),
    "cwd": os.getcwd(),
    "work": sorted(os.listdir(".")),
    "tmp": sorted(os.listdir("/tmp")),
    "home": sorted(n for n in os.listdir(os.path.expanduser("~")) if n != "work"),
    "capabilities": _status("CapEff")[0],
    "bounding": _status("CapBnd")[0],
    "no_new_privs": _status("NoNewPrivs")[0],
    "pid_namespaces": len(_status("NSpid")),
    "memory_limit": resource.getrlimit(resource.RLIMIT_AS)[0],
    "readable_environ_of_others": [p for p in _others if _can_read(f"/proc/{p}/environ")],
    "command_lines": [open(f"/proc/{p}/cmdline", "rb").read().decode(errors="replace") for p in _others if _can_read(f"/proc/{p}/cmdline")],
    "submission_files": sorted(os.listdir("/opt/aicareer/submission")),
}))
"""


async def _look(folder: Path, code: str = LOOK_AROUND, **traits) -> tuple[dict, object]:
    manager = SandboxedKernelManager(kernel_name="python3", isolation="on", **traits)
    await manager.start_kernel(cwd=str(folder))
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        printed = []
        await client.execute_interactive(
            code,
            timeout=60,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")),
        )
        line = next(line for line in "".join(printed).splitlines() if line.startswith("LOOK "))
        return json.loads(line[5:]), manager._forked
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)


def look(folder: Path, code: str = LOOK_AROUND, **traits) -> tuple[dict, object]:
    return asyncio.run(_look(folder, code, **traits))


@pytest.fixture
def submission(tmp_path) -> Path:
    folder = tmp_path / "handed-in"
    folder.mkdir()
    (folder / "data.csv").write_text("a,b\n1,2\n")
    (folder / "answers.ipynb").write_text("{}")  # notebooks are never given to the kernel
    return folder


def test_a_forked_kernel_holds_nothing_the_sandbox_denies_a_cold_one(submission):
    seen, forked = look(submission)
    assert forked is not None, "expected the kernel to be forked from the warm template"
    assert seen["uid"] == 1000 and seen["cwd"] == "/home/learner/work", seen
    assert seen["work"] == ["data.csv"], f"expected only the submission's files, got {seen['work']}"
    assert seen["submission_files"] == ["data.csv"], seen["submission_files"]
    kept = {Path(path).relative_to("/tmp").parts[0] for path in kept_python_folders()}
    assert set(seen["tmp"]) <= kept, f"expected a fresh /tmp, got {seen['tmp']}"
    made_at_start = {".config", ".ipython"}  # matplotlib's seeded cache, IPython's profile
    assert set(seen["home"]) <= made_at_start, f"expected a fresh home, got {seen['home']}"
    assert int(seen["capabilities"], 16) == 0, f"expected no capability, got {seen['capabilities']}"
    assert int(seen["bounding"], 16) == 0, f"expected an empty bounding set, got {seen['bounding']}"
    assert seen["no_new_privs"] == "1", "expected no_new_privs, so nothing can regain privileges"
    assert seen["pid_namespaces"] >= 2, "expected a PID namespace of its own below the template's"
    assert seen["memory_limit"] == 2048 << 20, f"expected the memory limit, got {seen}"
    assert seen["readable_environ_of_others"] == [], (
        "expected no other process's environment readable, got "
        f"{seen['readable_environ_of_others']}"
    )
    assert not any("probe_folder" in line for line in seen["command_lines"]), (
        "expected the template's settings kept off the command lines a kernel can read"
    )


def test_a_cold_kernel_sees_the_same_files_and_folders(submission):
    seen, forked = look(submission, warm_kernels=False)
    assert forked is None, "expected a cold start when warm kernels are turned off"
    assert seen["work"] == ["data.csv"], seen["work"]
    # bwrap makes the path to the socket folder, bound at its host path, in /tmp, and the
    # paths to the Python folders that live there (a clone in /tmp, as in CI).
    kept = {Path(path).relative_to("/tmp").parts[0] for path in kept_python_folders()}
    made = [n for n in seen["tmp"] if not n.startswith("aicareer-grade-") and n not in kept]
    assert made == [], f"expected a fresh /tmp, got {seen['tmp']}"
    assert set(seen["home"]) <= {".config", ".ipython"}, seen["home"]


def test_a_kernel_cannot_signal_its_supervisor_or_the_template(submission):
    """The supervisor is its PID namespace's init: signals from inside do not reach it, and
    nothing outside the namespace can be named."""
    code = (
        "import os, signal\n"
        "for sig in (signal.SIGSTOP, signal.SIGKILL):\n"
        "    os.kill(1, sig)\n"
        "import time; time.sleep(0.3)\n"
        "print('LOOK ' + __import__('json').dumps({'alive': True, 'init_state': "
        "open('/proc/self/status').read().count('State')}))\n"
    )
    seen, forked = look(submission, code)
    # Had SIGKILL reached the init, every process of the namespace would have died with it,
    # the kernel first, and nothing would have been printed after the pause.
    assert forked is not None and seen["alive"], "expected the kernel to outlive its signals"


def test_the_kill_pipe_ends_a_forked_kernels_whole_sandbox(submission):
    async def scenario():
        manager = SandboxedKernelManager(kernel_name="python3", isolation="on")
        await manager.start_kernel(cwd=str(submission))
        forked = manager._forked
        assert forked is not None and forked.poll() is None, "expected a running forked kernel"
        forked.kill()
        code = forked.wait(timeout=10)
        await manager.shutdown_kernel(now=True)
        return code

    code = asyncio.run(scenario())
    assert code is not None, "expected the sandbox to end once the kill pipe was closed"


def test_a_template_that_died_is_replaced_on_the_next_kernel(submission):
    template = warm.this_process_template()
    os.kill(template.process.pid, signal.SIGKILL)
    template.process.wait()
    seen, forked = look(submission)
    assert forked is not None, "expected a new template to fork the next kernel"
    assert warm.this_process_template() is not template, "expected a new template"
    assert seen["work"] == ["data.csv"], seen


def test_kernels_start_cold_when_the_template_cannot(submission, monkeypatch):
    monkeypatch.setattr(warm, "_TEMPLATE", None)
    monkeypatch.setattr(warm, "_BROKEN", "")
    monkeypatch.setattr(warm, "template_command", lambda *args, **kw: ["false"])
    monkeypatch.setattr(warm, "STARTUP_SECONDS", 5)
    seen, forked = look(submission)
    assert forked is None, "expected a cold kernel when the template cannot start"
    assert seen["work"] == ["data.csv"] and seen["uid"] == 1000, seen
    assert warm._BROKEN, "expected the reason kept, so the next kernel does not try again"


def test_a_template_whose_folder_has_gone_is_replaced_by_a_new_one(submission):
    """As when the temporary folder it was started in is removed under it."""
    import shutil

    template = warm.this_process_template()
    shutil.rmtree(template.kernels)
    seen, forked = look(submission)
    assert forked is not None, "expected the kernel forked from a new template"
    assert warm.this_process_template() is not template, "expected the old template let go"
    assert seen["work"] == ["data.csv"], seen


def test_a_forked_kernel_starts_with_the_templates_work_done_and_frozen(submission):
    """The template formats one traceback of its own and freezes what it imported before
    it forks: a kernel starts with IPython's traceback machinery imported and its objects
    out of the collector's reach. Neither leaks the template into the learner's view:
    the kernel's own namespace and files are as a cold kernel's."""
    code = (
        "import gc, json, sys\n"
        "print('LOOK ' + json.dumps({'frozen': gc.get_freeze_count(), "
        "'stack_data': 'stack_data' in sys.modules, 'names': sorted(k for k in globals() "
        "if not k.startswith('_') and k not in ('In', 'Out', 'exit', 'quit', 'get_ipython', "
        "'gc', 'json', 'sys'))}))\n"
    )
    seen, forked = look(submission, code)
    cold, _ = look(submission, code, warm_kernels=False)
    assert forked is not None, "expected a forked kernel"
    assert seen["frozen"] > 10_000, f"expected the template's objects frozen, got {seen['frozen']}"
    assert seen["stack_data"], "expected the traceback machinery imported by the template"
    assert seen["names"] == cold["names"], (
        f"expected the namespace of a cold kernel, {cold['names']}, got {seen['names']}"
    )


def test_a_started_template_vouches_for_the_sandbox_only_when_it_serves(monkeypatch):
    """``isolation_problem`` takes a serving template's word instead of starting a probe,
    and never that of a template that could not start, or of none at all."""
    warm.this_process_template()
    assert warm.started_template_works(), "expected the template of this machine to serve"
    monkeypatch.setattr(warm, "_TEMPLATE", None)
    monkeypatch.setattr(warm, "_BROKEN", "")
    assert not warm.started_template_works(), "expected no word when no template was started"
    monkeypatch.setattr(warm, "template_command", lambda *args, **kw: ["false"])
    monkeypatch.setattr(warm, "STARTUP_SECONDS", 5)
    warm.start_shared_template()
    assert not warm.started_template_works(), "expected no vouching from a template that failed"


def test_grade_trusts_a_working_template_instead_of_probing_the_sandbox(tmp_path, monkeypatch):
    """With a template serving, ``grade`` starts no probe of its own; the class here has
    no submissions, so the command stops after deciding how kernels run."""
    from autograder.cli import grade_command
    from autograder.options import GradingOptions
    from autograder.sandbox import probe

    def no_probe():
        raise AssertionError("expected no sandbox probe while the template serves")

    monkeypatch.delitem(probe._PROBED, "problem", raising=False)
    monkeypatch.setattr(probe, "_probe", no_probe)
    (tmp_path / "submitted").mkdir()
    assert grade_command(tmp_path, "07-job-search", GradingOptions(isolation="on")) == 1
    assert probe._PROBED.get("problem", "unset") is None, "expected the template's word kept"


# Starts a template, forks a child that exits the ordinary way (running the exit hooks it
# inherited), checks the template's folder is still there, and exits without closing it.
LEAVE_WITHOUT_CLOSING = """
import os, sys
from autograder.sandbox import warm
template = warm.this_process_template()
child = os.fork()
if child == 0:
    sys.exit(0)
os.waitpid(child, 0)
print(template.root, template.kernels.is_dir())
"""


def test_a_process_that_exits_without_closing_its_template_leaves_no_folder(tmp_path):
    """A learner's ``make check`` never closes the template it started; its folder goes
    when the process exits, and not before, even when a forked child exits first."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", LEAVE_WITHOUT_CLOSING],
        env=dict(os.environ, TMPDIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    folder, kept_after_child = done.stdout.split()
    assert Path(folder).parent == tmp_path, f"expected the folder in {tmp_path}, got {folder}"
    assert kept_after_child == "True", "expected the folder kept while its owner still ran"
    assert not Path(folder).exists(), f"expected {folder} removed at exit, found it"
