"""make check's lines for a learner: an untouched module is "not started", points are
rounded, and a missing answer sheet is said in a learner's words."""

import json
from pathlib import Path

import pytest

from aicareer.workspace import sync
from autograder.learner_check import NOT_STARTED, ModuleCheck, _not_started

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "07-job-search"


@pytest.fixture
def workspace(tmp_path):
    sync(ROOT, tmp_path)
    return tmp_path


def notebook_path(workspace):
    return workspace / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def test_a_fresh_module_is_not_started(workspace):
    result = _not_started(ROOT, workspace, ASSIGNMENT)
    assert result is not None and result.status == NOT_STARTED
    assert result.autograded > 0 and result.by_hand > 0
    assert result.line().startswith(f"{ASSIGNMENT}: not started (")


def test_opening_and_running_is_not_starting(workspace):
    path = notebook_path(workspace)
    nb = json.loads(path.read_text("utf-8"))
    for cell in nb["cells"]:  # what a run leaves behind: outputs and counts
        if cell["cell_type"] == "code":
            cell["execution_count"] = 1
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "ran\n"}]
    path.write_text(json.dumps(nb), "utf-8")
    assert _not_started(ROOT, workspace, ASSIGNMENT) is not None


def test_written_code_or_a_saved_answer_is_started(workspace):
    path = notebook_path(workspace)
    original = path.read_text("utf-8")
    nb = json.loads(original)
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution") and "def " in "".join(
            cell["source"]
        ):
            cell["source"] = "def classify_move(current, target):\n    return 'Both'\n"
            break
    path.write_text(json.dumps(nb), "utf-8")
    assert _not_started(ROOT, workspace, ASSIGNMENT) is None
    path.write_text(original, "utf-8")
    assert _not_started(ROOT, workspace, ASSIGNMENT) is not None
    from aicareer.answers import AnswerSheet, sheet_path

    AnswerSheet(sheet_path(path.parent, ASSIGNMENT), ASSIGNMENT).save("1.2", "single", "Both")
    assert _not_started(ROOT, workspace, ASSIGNMENT) is None


def test_code_left_above_the_stub_line_is_started(workspace):
    """make check grades a module whose code still has the stub line below it, rather than
    calling it "not started" (the line is unreachable after a return)."""
    path = notebook_path(workspace)
    nb = json.loads(path.read_text("utf-8"))
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "raise NotImplementedError()" in source:
            cell["source"] = source.replace(
                "raise NotImplementedError()", "return 'Both'\n    raise NotImplementedError()"
            )
            break
    path.write_text(json.dumps(nb), "utf-8")
    assert _not_started(ROOT, workspace, ASSIGNMENT) is None


def test_lines_round_points_and_speak_to_a_learner():
    line = ModuleCheck(ASSIGNMENT, 17 / 3, 16.0, 4.0, "ok", "", None).line()
    assert line.startswith(f"{ASSIGNMENT}: 5.67 of 16 autograded points (+4 graded by hand")
    missing = ModuleCheck(
        ASSIGNMENT, 10.0, 16.0, 0.0, "missing answers", "no x was handed in", None
    )
    assert "handed in" not in missing.line() and "no widget answers are saved yet" in missing.line()
