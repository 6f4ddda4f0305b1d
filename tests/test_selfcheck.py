"""make check's lines for a learner: an untouched module is "not started", points are
rounded, and a missing answer sheet is said in a learner's words; several modules checked
at once score as each checked on its own."""

import json
import re
import shutil
from pathlib import Path

import pytest

from aicareer.workspace import sync
from autograder.grading.statuses import MISSING_ANSWERS
from autograder.learner_check import NOT_STARTED, ModuleCheck, _not_started, check_workspace

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


# Several modules checked at once: a right one, a partly right one, one whose widgets were
# never answered (its sheet missing), and one the learner has not touched.
LEARNERS = {"03-staying-current": "partial", "07-job-search": "right", "08-your-plan": "off-by-one"}
UNTOUCHED = "01-three-steps"


@pytest.fixture(scope="module")
def mixed_workspace(tmp_path_factory):
    """A learner's workspace holding the modules of LEARNERS, answered as each says, and
    UNTOUCHED as handed out."""
    from benchmarks.selfcheck import answer_module
    from tests.helpers.students import STUDENTS

    folder = tmp_path_factory.mktemp("mixed")
    sync(ROOT, folder)
    for module in (folder / "assignments").iterdir():
        if module.name not in LEARNERS and module.name != UNTOUCHED:
            shutil.rmtree(module)
    for assignment, learner in LEARNERS.items():
        answer_module(folder, assignment, STUDENTS[assignment]()[learner])
    return folder


def learner_files(workspace):
    return {p: p.read_bytes() for p in (workspace / "assignments").rglob("*") if p.is_file()}


def test_modules_checked_at_once_score_as_each_checked_on_its_own(mixed_workspace, tmp_path):
    """One check grades the started modules together (two workers for three modules, so one
    worker grades two) and gives each module what a check of that module alone gives: the
    same points, status and feedback page, in course order, the untouched module skipped."""
    from tests.helpers.students import STUDENTS

    before = learner_files(mixed_workspace)
    together = check_workspace(ROOT, mixed_workspace, workers=2)
    order = [result.assignment for result in together]
    assert order == sorted([*LEARNERS, UNTOUCHED]), f"expected course order, got {order}"
    assert learner_files(mixed_workspace) == before, "checking must not change the learner's files"
    for result in together:
        page = mixed_workspace / "feedback" / f"{result.assignment}.html"
        if result.assignment == UNTOUCHED:
            assert result.status == NOT_STARTED and result.feedback is None, (
                f"expected {UNTOUCHED} not started and not graded, got {result}"
            )
            assert not page.exists(), f"expected no feedback page for {UNTOUCHED}, found {page}"
            continue
        alone = tmp_path / result.assignment
        shutil.copytree(
            mixed_workspace / "assignments" / result.assignment,
            alone / "assignments" / result.assignment,
        )
        (on_its_own,) = check_workspace(ROOT, alone)
        fields = ("earned", "autograded", "by_hand", "status", "detail")
        got = {name: getattr(result, name) for name in fields}
        expected = {name: getattr(on_its_own, name) for name in fields}
        assert got == expected, f"{result.assignment}: expected {expected} as alone, got {got}"
        planned = sum(
            STUDENTS[result.assignment]()[LEARNERS[result.assignment]]["expected"].values()
        )
        assert result.earned == pytest.approx(planned, abs=1e-3), (
            f"{result.assignment}: expected {planned} points, got {result.earned}"
        )
        assert result.feedback == page and page.is_file(), (
            f"{result.assignment}: expected a feedback page at {page}, got {result.feedback}"
        )
        assert page.read_text("utf-8") == on_its_own.feedback.read_text("utf-8"), (
            f"{result.assignment}: the feedback page differs from the one checked alone"
        )
    statuses = {result.assignment: result.status for result in together}
    assert statuses["08-your-plan"] == MISSING_ANSWERS, (
        f"expected the module without answers saved to say so, got {statuses}"
    )


def test_check_command_prints_each_module_then_how_long_it_took(tmp_path, monkeypatch, capsys):
    """The check command prints one line per result as check_workspace gives them, the
    feedback page under a graded one, and a last line with the count and the seconds."""
    import autograder.cli as cli
    import autograder.learner_check as learner_check

    (tmp_path / "assignments").mkdir()
    page = tmp_path / "feedback" / f"{ASSIGNMENT}.html"
    results = [
        ModuleCheck("01-three-steps", 0.0, 13.0, 4.0, NOT_STARTED, "", None),
        ModuleCheck(ASSIGNMENT, 16.0, 16.0, 4.0, "ok", "", page),
    ]
    monkeypatch.setattr(learner_check, "check_workspace", lambda repo, workspace: results)
    assert cli.main(["--course", str(ROOT), "check", "--workspace", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:4] == [
        f"  {results[0].line()}",
        f"  {results[1].line()}",
        f"    feedback: {page}",
    ], f"expected each result's line in order, got {lines}"
    assert re.fullmatch(r"Checked 2 modules in \d+\.\d s\.", lines[-1]), (
        f"expected the count and seconds last, got {lines[-1]!r}"
    )
