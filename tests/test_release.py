"""The student edition: current with source/, and free of anything secret."""

import re

import nbformat
import pytest

from autograder.release import checks
from tests.helpers.course import ASSIGNMENTS, LESSONS, ROOT, make_course, nbgrader

RELEASE_NOTEBOOKS = sorted((ROOT / "release").glob("*/*.ipynb"))
SOURCE_NOTEBOOKS = sorted((ROOT / "source").glob("*/*.ipynb"))


def test_every_assignment_is_released():
    assert [p.parent.name for p in RELEASE_NOTEBOOKS] == ASSIGNMENTS
    assert len(ASSIGNMENTS) >= 2


@pytest.mark.slow
def test_release_is_exactly_what_nbgrader_generates_from_source(tmp_path):
    course = make_course(tmp_path)
    for assignment in ASSIGNMENTS:
        nbgrader(course, "generate_assignment", assignment, "--force")
    fresh = {
        p.relative_to(course / "release"): p.read_bytes()
        for p in (course / "release").rglob("*")
        if p.is_file()
    }
    committed = {
        p.relative_to(ROOT / "release"): p.read_bytes()
        for p in (ROOT / "release").rglob("*")
        if p.is_file()
    }
    assert sorted(committed) == sorted(fresh), (
        "release/ has extra or missing files: run make release"
    )
    stale = [str(name) for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"release/ is out of date with source/ for {stale}: run make release"


@pytest.mark.parametrize("path", RELEASE_NOTEBOOKS, ids=lambda p: p.parent.name)
def test_release_leaks_no_solution_test_key_or_output(path):
    assert checks.leaks(path) == []


def test_release_and_source_hold_no_answer_sheets():
    assert checks.answer_sheets_in(ROOT / "release") == []
    assert checks.answer_sheets_in(ROOT / "source") == []


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=lambda p: p.parent.name)
def test_graded_cells_have_points_unique_ids_and_matching_grade_calls(path):
    assert checks.grading_metadata(path) == []


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=lambda p: p.parent.name)
def test_no_widget_question_pays_for_guessing(path):
    assert checks.guessing(path) == []


@pytest.mark.parametrize("path", RELEASE_NOTEBOOKS, ids=lambda p: p.parent.name)
def test_every_assignment_asks_widget_questions(path):
    nb = nbformat.read(path, as_version=4)
    assert [c for c in nb.cells if "widget-question" in c.metadata.get("tags", [])]


FRAME = ["## Questions this answers", "## Objectives", "## Key points"]


@pytest.mark.parametrize("path", LESSONS + SOURCE_NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_follows_the_course_frame(path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert nb.cells[0].source.startswith("# Module "), "first cell is the title"
    assert re.search(r"about \d+ minutes", nb.cells[0].source), "the title says how long it takes"
    for heading in FRAME:
        assert heading in text, f"{path.name} lacks the section {heading!r}"
    objectives = text.split("## Objectives", 1)[1].split("\n## ", 1)[0]
    assert len(re.findall(r"^- ", objectives, re.M)) >= 3, "at least three objectives"


@pytest.mark.parametrize("path", LESSONS + SOURCE_NOTEBOOKS, ids=lambda p: p.name)
def test_every_plot_is_labelled_and_explained(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "plt.subplots" not in cell.source:
            continue
        assert "set_title" in cell.source or "suptitle" in cell.source, (
            f"cell {index}: plot has no title"
        )
        assert "set_xlabel" in cell.source and "set_ylabel" in cell.source, (
            f"cell {index}: unlabelled axes"
        )
        following = [c.source for c in nb.cells[index + 1 : index + 3] if c.cell_type == "markdown"]
        assert any("What to see" in s for s in following), (
            f"cell {index}: no 'What to see' sentence after the plot"
        )
