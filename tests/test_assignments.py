"""Assignments under nbgrader: the source earns full marks, a blank release earns nothing,
and a class of simulated learners who answer through the widgets gets exactly the
points their answers deserve, across a kernel restart. A learner's ``visible_hints`` are
what the checks they can see must say about their mistakes."""

import json
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook

from tests.helpers.course import (
    ASSIGNMENTS,
    ROOT,
    fill_cells,
    make_course,
    nbgrader,
    run_as_learner,
)
from tests.helpers.students import STUDENTS

pytestmark = pytest.mark.slow


def visible_error(notebook, grade_id: str) -> str:
    """The error message a learner sees under one cell of a notebook they ran."""
    nb = nbformat.read(notebook, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return "\n".join(o.get("evalue", "") for o in cell.outputs if o.output_type == "error")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_passes_every_test_and_writes_no_sheet(tmp_path, assignment):
    course = make_course(tmp_path)
    notebook = course / "source" / assignment / f"{assignment}.ipynb"
    output = nbgrader(course, "validate", str(notebook))
    assert "Success! Your notebook passes all the tests." in output
    assert not list((course / "source").rglob("*.answers.json")), "validate must not write answers"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_release_fails_every_test(tmp_path, assignment):
    course = make_course(tmp_path)
    shutil.copytree(ROOT / "release", course / "release")
    notebook = course / "release" / assignment / f"{assignment}.ipynb"
    output = nbgrader(course, "validate", "--invert", str(notebook))
    assert "Success! The notebook does not pass any tests." in output


@pytest.mark.parametrize("assignment", [a for a in ASSIGNMENTS if a in STUDENTS])
def test_class_round_trip_scores_exactly(tmp_path, assignment):
    course = make_course(tmp_path)
    nbgrader(course, "generate_assignment", assignment, "--force")
    students = STUDENTS[assignment]()
    released = course / "release" / assignment / f"{assignment}.ipynb"
    for student, plan in students.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        notebook = folder / released.name
        nbformat.write(fill_cells(nbformat.read(released, as_version=4), plan["code"]), notebook)
        first = run_as_learner(notebook, plan["widgets"])
        # A kernel restart: run everything again from the saved notebook and sheet.
        second = run_as_learner(notebook)
        assert second == first, f"{student}: answers changed across a kernel restart"
        for grade_id, hint in plan.get("visible_hints", {}).items():
            # The released notebook holds only the visible checks: this is what they said.
            seen = visible_error(notebook, grade_id)
            assert hint in seen, f"{student}: the visible check {grade_id} said {seen!r}"
        assert {k: v for k, v in second.items() if v is not None} == plan["widgets"]
        sheet = folder / f"{assignment}.answers.json"
        assert sheet.exists() == bool(plan["widgets"])
        if sheet.exists():
            (folder / "sheet-before-grading.json").write_bytes(sheet.read_bytes())
    nbgrader(course, "autograde", assignment, "--force")

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student, plan in students.items():
            submission = gradebook.find_submission(assignment, student)
            earned = {
                grade.name: grade.auto_score
                for grade in submission.notebooks[0].grades
                if grade.auto_score is not None
            }
            expected = {name: plan["expected"].get(name, 0) for name in earned}
            assert earned == pytest.approx(expected, abs=1e-6), student
            graded = course / "autograded" / student / assignment
            sheet = graded / f"{assignment}.answers.json"
            before = course / "submitted" / student / assignment / "sheet-before-grading.json"
            if before.exists():
                assert json.loads(sheet.read_text()) == json.loads(before.read_text()), (
                    "grading must not change the learner's answers"
                )
