"""The student edition: current with source/, and free of anything secret."""

import re

import nbformat
import pytest
from course import ASSIGNMENTS, LESSONS, ROOT, make_course, nbgrader

SECRET_MARKERS = (
    "BEGIN SOLUTION",
    "END SOLUTION",
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "BEGIN MARK SCHEME",
    "END MARK SCHEME",
    "hw.grade(",
    "hw.answer(",
)
RELEASE_NOTEBOOKS = sorted((ROOT / "release").glob("*/*.ipynb"))
SOURCE_NOTEBOOKS = sorted((ROOT / "source").glob("*/*.ipynb"))


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


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
def test_release_leaks_no_solution_test_or_key(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        for marker in SECRET_MARKERS:
            assert marker not in cell.source, f"{path.name} cell {index} contains {marker!r}"
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {index} has stored outputs"
            assert cell.execution_count is None


def test_release_folders_hold_no_answer_sheets():
    for folder in ("release", "source"):
        sheets = list((ROOT / folder).rglob("*.answers.json"))
        assert not sheets, f"answer sheets in {folder}/ would overwrite learners' answers: {sheets}"


@pytest.mark.parametrize("path", RELEASE_NOTEBOOKS, ids=lambda p: p.parent.name)
def test_widget_cells_in_release_do_not_raise(path):
    nb = nbformat.read(path, as_version=4)
    widget_cells = [c for c in nb.cells if "widget-question" in c.metadata.get("tags", [])]
    assert widget_cells, "every assignment asks widget questions"
    for cell in widget_cells:
        assert "NotImplementedError" not in cell.source
        assert re.match(
            r"^(hw\.\w+\(|[\s\S]*\bhw\.(single_choice|multiple_choice|numeric|ranking|matching)\()",
            cell.source,
        )


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=lambda p: p.parent.name)
def test_graded_cells_have_points_unique_ids_and_matching_grade_calls(path):
    nb = nbformat.read(path, as_version=4)
    ids, total = set(), 0
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if not (
            meta.get("grade") or meta.get("solution") or meta.get("locked") or meta.get("task")
        ):
            continue
        assert meta["grade_id"] not in ids, f"duplicate grade id {meta['grade_id']}"
        ids.add(meta["grade_id"])
        if meta.get("grade") or meta.get("task"):
            assert meta.get("points", 0) > 0, f"{meta['grade_id']} has no points"
            total += meta["points"]
        for call in re.findall(r"hw\.grade\([\s\S]*?points=([\d.]+)", cell.source):
            assert float(call) == meta["points"], (
                f"{meta['grade_id']}: hw.grade(points={call}) but the cell is worth "
                f"{meta['points']}; nbgrader reads the value as points earned"
            )
    title = nb.cells[0].source
    stated = re.search(r"(\d+) points", title)
    assert stated and int(stated.group(1)) == total, (
        f"the title says {stated and stated.group(0)}, the cells add up to {total}"
    )


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
