"""The release checks can tell a fit student edition from a leaky or inconsistent one."""

import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder.release import checks
from tests.helpers.course import ROOT, nbgrader_env

RELEASED = ROOT / "release" / "07-job-search" / "07-job-search.ipynb"
SOURCE = ROOT / "source" / "07-job-search" / "07-job-search.ipynb"


def altered(path, tmp_path, change):
    """A copy of the notebook at ``path`` with ``change(nb)`` applied."""
    nb = nbformat.read(path, as_version=4)
    change(nb)
    copy = tmp_path / path.name
    nbformat.write(nb, copy)
    return copy


def first(nb, predicate):
    return next(c for c in nb.cells if predicate(c))


@pytest.mark.parametrize("marker", checks.SECRET_MARKERS + checks.SECRET_CALLS)
def test_each_secret_marker_in_a_release_is_caught(tmp_path, marker):
    def plant(nb):
        first(nb, lambda c: c.cell_type == "code").source += f"\n# {marker}"

    problems = checks.leaks(altered(RELEASED, tmp_path, plant))
    assert (
        len(problems) == 1 and repr(marker) in problems[0] and "07-job-search.ipynb" in problems[0]
    )


def test_instructions_may_name_the_typed_answer_call(tmp_path):
    def explain(nb):
        first(nb, lambda c: c.cell_type == "markdown").source += "\nType `hw.answer(...)`."

    assert checks.leaks(altered(RELEASED, tmp_path, explain)) == []


def test_stored_outputs_in_a_release_are_caught(tmp_path):
    def run(nb):
        cell = first(nb, lambda c: c.cell_type == "code")
        cell.execution_count = 1
        cell.outputs = [nbformat.v4.new_output("stream", text="hello")]

    assert "has stored outputs" in checks.leaks(altered(RELEASED, tmp_path, run))[0]


def test_widget_question_that_raises_is_caught(tmp_path):
    def stub(nb):
        first(
            nb, lambda c: "widget-question" in c.metadata.get("tags", [])
        ).source += "\nraise NotImplementedError()"

    assert "a widget question that raises" in checks.leaks(altered(RELEASED, tmp_path, stub))[0]


def test_grade_call_points_must_match_the_cell(tmp_path):
    def mismatch(nb):
        cell = first(nb, lambda c: "hw.grade(" in c.source)
        cell.metadata["nbgrader"]["points"] = 5

    problems = checks.grading_metadata(altered(SOURCE, tmp_path, mismatch))
    assert any("reads the value as points earned" in p for p in problems)
    assert any("the title says 20 points" in p for p in problems)


def test_duplicate_ids_and_missing_points_are_caught(tmp_path):
    def break_ids(nb):
        graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        graded[1].metadata["nbgrader"]["grade_id"] = graded[0].metadata["nbgrader"]["grade_id"]
        graded[2].metadata["nbgrader"]["points"] = 0

    problems = checks.grading_metadata(altered(SOURCE, tmp_path, break_ids))
    assert any("is used twice" in p for p in problems)
    assert any("has no points" in p for p in problems)


def test_answer_sheet_in_a_folder_is_caught(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "a.answers.json").write_text("{}")
    assert "would overwrite every learner's answers" in checks.answer_sheets_in(tmp_path)[0]


def test_the_real_assignments_pass_every_check():
    for path in sorted(ROOT.glob("release/*/*.ipynb")):
        assert checks.leaks(path) == []
    for path in sorted(ROOT.glob("source/*/*.ipynb")):
        assert checks.grading_metadata(path) == []


def course_copy(tmp_path):
    copy = tmp_path / "course"
    copy.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", copy)
    shutil.copytree(ROOT / "source", copy / "source")
    shutil.copytree(ROOT / "release", copy / "release")
    return copy


def release_command(course):
    return subprocess.run(
        [sys.executable, "-m", "autograder", "--course", str(course), "release"],
        env=nbgrader_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_release_refuses_an_answer_sheet_in_source_and_changes_nothing(tmp_path):
    course = course_copy(tmp_path)
    (course / "source/07-job-search/07-job-search.answers.json").write_text("{}")
    before = {p: p.read_bytes() for p in (course / "release").rglob("*") if p.is_file()}
    result = release_command(course)
    assert result.returncode == 1
    assert "Release refused; release/ is unchanged" in result.stderr
    assert "07-job-search.answers.json" in result.stderr
    assert {p: p.read_bytes() for p in (course / "release").rglob("*") if p.is_file()} == before


@pytest.mark.slow
def test_release_regenerates_and_prints_the_points_table(tmp_path):
    course = course_copy(tmp_path)
    shutil.rmtree(course / "release")
    result = release_command(course)
    assert result.returncode == 0, result.stderr
    assert "solutions earn full marks and blank notebooks earn none" in result.stdout
    assert "q1_2_check" in result.stdout and "(16 autograded)" in result.stdout
    for path in sorted((ROOT / "release").rglob("*.ipynb")):
        assert (course / path.relative_to(ROOT)).read_bytes() == path.read_bytes()


def _tiny_source(tmp_path, asks: str, grades: str):
    """A source notebook with one cell asking questions and one test cell grading them."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(asks), nbformat.v4.new_code_cell(grades)]
    nb.cells[1].metadata["nbgrader"] = {"grade": True, "grade_id": "checks", "points": 1}
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    return path


def test_questions_that_pay_for_guessing_are_refused(tmp_path):
    path = _tiny_source(
        tmp_path,
        'hw.multiple_choice("m", "Which?", ["a", "b", "c"])\n'
        'hw.matching("x", "Match", left=["p", "q"], right=["r", "s"])\n'
        'hw.ranking("k", "Order", ["one", "two", "three"])\n',
        'hw.grade("m", ["a", "b"], points=1)\n'
        'hw.grade("x", {"p": "r", "q": "s"}, points=1)\n'
        'hw.grade("k", ["one", "two", "three"], points=1)\n',
    )
    problems = checks.guessing(path)
    assert len(problems) == 3, problems
    assert "question m: ticking every option earns 50%" in problems[0]
    assert (
        "question x: matching each item to the choice in the same position earns 100%"
        in (problems[1])
    )
    assert "question k: leaving the items in the order shown earns 100%" in problems[2]
    assert all(p.startswith("tiny.ipynb (checks)") for p in problems)


def test_questions_where_guessing_earns_nothing_pass(tmp_path):
    path = _tiny_source(
        tmp_path,
        'hw.multiple_choice("m", "Which?", ["a", "b", "c", "d"])\n'
        'hw.matching("x", "Match", left=["p", "q"], right=["r", "s"])\n'
        'hw.ranking("k", "Order", ["three", "two", "one"])\n',
        'hw.grade("m", ["a", "b"], points=1)\n'
        'hw.grade("x", {"p": "s", "q": "r"}, points=1)\n'
        'hw.grade("k", ["one", "two", "three"], points=1)\n',
    )
    assert checks.guessing(path) == []
