"""What makes grading cheap per submission, kept honest: one gradebook engine per worker
process, notebooks parsed once while unchanged, and a command line that imports the
grading machinery only after ``grade`` has started its warm template.

The speed itself is measured by ``python -m benchmarks.grading``, never asserted here;
these tests prove that each saving keeps the behaviour it replaced.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader import api

from autograder.grading import shared_engine
from autograder.notebooks import load_notebook

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def shared(monkeypatch):
    """share_engines() for this test only: every module's ``Gradebook`` is put back after."""
    # nbgrader runs alembic, beside this Python, when it makes a new gradebook.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    for module in list(sys.modules.values()):
        if getattr(module, "Gradebook", None) is shared_engine._ORIGINAL:
            monkeypatch.setattr(module, "Gradebook", shared_engine._ORIGINAL)
    monkeypatch.setattr(shared_engine, "_engines", {})
    monkeypatch.setattr(shared_engine, "_courses_made", set())
    shared_engine.share_engines()


def test_gradebooks_of_one_process_share_one_engine(tmp_path, shared):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with shared_engine._ORIGINAL(url):
        pass  # the course's gradebook, as release made it
    with api.Gradebook(url) as first:
        first.add_student("ada")
        engine = first.engine
    with api.Gradebook(url) as second:
        assert second.engine is engine, "expected the second gradebook on the first's engine"
        assert second.find_student("ada").id == "ada", "expected what the first one wrote"
        second.add_student("grace")
    with api.Gradebook(url) as third:
        assert sorted(s.id for s in third.students) == ["ada", "grace"], (
            f"expected both students, got {[s.id for s in third.students]}"
        )


def test_nbgraders_own_modules_open_shared_gradebooks(shared):
    import nbgrader.converters.autograde as autograde
    import nbgrader.preprocessors.saveautogrades as saveautogrades

    for module in (api, autograde, saveautogrades):
        assert module.Gradebook is shared_engine.SharedEngineGradebook, (
            f"expected {module.__name__}.Gradebook replaced, got {module.Gradebook}"
        )


def test_a_gradebook_made_again_at_the_same_path_gets_its_tables(tmp_path, shared):
    path = tmp_path / "gradebook.db"
    url = f"sqlite:///{path}"
    with api.Gradebook(url) as first:
        first.add_student("ada")
    path.unlink()
    with api.Gradebook(url) as again:
        assert [s.id for s in again.students] == [], "expected a new, empty gradebook"
        again.add_student("grace")
        assert again.find_student("grace").id == "grace"


def test_a_course_row_is_made_for_every_course_id(tmp_path, shared):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with api.Gradebook(url, "first-course"):
        pass
    with api.Gradebook(url, "second-course") as gradebook:
        courses = sorted(c.id for c in gradebook.db.query(api.Course))
    assert courses == ["first-course", "second-course"], f"expected both courses, got {courses}"


def test_a_notebook_is_parsed_once_until_its_file_changes(tmp_path):
    path = tmp_path / "answers.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), path)
    first = load_notebook(path)
    assert load_notebook(path) is first, "expected the unchanged file read once"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("2 + 2")]), path)
    again = load_notebook(path)
    assert again.cells[0].source == "2 + 2", f"expected the new text, got {again.cells[0].source!r}"


def test_the_command_line_imports_no_grading_machinery_before_a_command_runs():
    """``grade`` starts its template first; nbgrader and matplotlib are imported after, so
    that the template's imports and the command's run side by side."""
    code = (
        "import json, sys\n"
        "import autograder.cli\n"
        "print(json.dumps(sorted(m for m in ('nbgrader', 'matplotlib', 'sqlalchemy') "
        "if m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == [], f"expected none imported, got {done.stdout.strip()}"


class _LaggingKernel:
    """Channels of a kernel that took longer than a second to start: its first reply
    comes while the client's second request is already on its way."""

    def __init__(self):
        self.requests = []
        self.replies = []

    def ask(self):
        self.requests.append(f"request-{len(self.requests) + 1}")
        if len(self.requests) >= 2:  # started now: answers every request, in order
            self.replies.append(self.requests[len(self.replies)])
        return self.requests[-1]

    async def shell(self, timeout=None):
        from queue import Empty

        if not self.replies:
            raise Empty
        return {"msg_type": "kernel_info_reply", "parent_header": {"msg_id": self.replies.pop(0)}}

    async def iopub(self, timeout=None):
        return {"msg_type": "status", "content": {"execution_state": "idle"}}


def test_the_kernel_client_is_ready_when_a_slow_kernel_answers_late():
    """The reply to the first request arrives after the second was sent: the client must
    take it, not wait one reply behind until its timeout (a stall a cold kernel under load
    once caused for every worker at once)."""
    import asyncio
    from types import SimpleNamespace

    from autograder.sandbox.client import PromptClient

    kernel = _LaggingKernel()
    client = PromptClient()
    client.kernel_info = kernel.ask
    client._shell_channel = SimpleNamespace(get_msg=kernel.shell)
    client._iopub_channel = SimpleNamespace(get_msg=kernel.iopub)
    client._handle_kernel_info_reply = lambda reply: None

    async def alive():
        return True

    client._async_is_alive = alive
    asyncio.run(client.wait_for_ready(timeout=3))
    assert len(kernel.requests) <= 3, f"expected ready within 3 requests, asked {kernel.requests}"
