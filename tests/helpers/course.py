"""Helpers for tests that run nbgrader on a throwaway copy of the course."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.nbgrader_command import NbgraderFailed, nbgrader_environment
from autograder.nbgrader_command import nbgrader as run_nbgrader

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir())
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTION_REGION = re.compile(r"[ \t]*### BEGIN SOLUTION\n(.*?)[ \t]*### END SOLUTION\n?", re.S)


def nbgrader_env() -> dict:
    """The environment nbgrader needs (the grader's own rule: this interpreter's bin folder
    first on PATH, no grading marker)."""
    return nbgrader_environment()


def make_course(tmp_path: Path) -> Path:
    """A fresh nbgrader course directory holding this repository's config and source/."""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "source", course / "source")
    return course


def nbgrader(course: Path, *args: str) -> str:
    """Run an nbgrader command in ``course``; fail the test with its output if it fails."""
    try:
        return run_nbgrader(course, *args)
    except NbgraderFailed as failed:
        raise AssertionError(str(failed)) from None


def solution_code(assignment: str) -> dict[str, str]:
    """The instructor's code for each code solution cell, by grade id."""
    nb = nbformat.read(ROOT / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if (
            cell.cell_type == "code"
            and meta.get("solution")
            and "widget-question" not in cell.metadata.get("tags", [])
        ):
            answers[meta["grade_id"]] = SOLUTION_REGION.sub(lambda m: m.group(1), cell.source)
    return answers


def fill_cells(nb, code_by_grade_id: dict[str, str]):
    """Replace the source of solution cells, as a learner typing in them would."""
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in code_by_grade_id:
            cell.source = code_by_grade_id[grade_id]
    return nb


# Runs inside the learner's kernel: sets each widget's controls as clicks would.
DRIVE_WIDGETS = """
def _drive(hw, answers):
    for qid, value in answers.items():
        w = hw.widgets[qid]
        kind = w.question.kind
        if kind in ("single", "numeric"):
            w.control.value = value
        elif kind == "multiple":
            for box in w.boxes:
                box.value = box.description in value
        elif kind == "ranking":
            for target, item in enumerate(value):
                while w.order.index(item) > target:
                    w.rows.children[w.order.index(item)].children[0].click()
            w.keep.click()
        elif kind == "matching":
            for left, right in value.items():
                w.menus[left].value = right
        assert "Saved" in w.status.value, (qid, w.status.value)
"""


def run_as_learner(path: Path, widget_answers: dict | None = None, timeout: int = 120):
    """Run the notebook at ``path`` top to bottom in a fresh kernel, as a learner would,
    then answer widget questions through the widgets and save the notebook with outputs.

    Returns the kernel's view of the answers afterwards (``hw.value_of`` per question).
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    env = nbgrader_env()
    with client.setup_kernel(env=env, cwd=str(path.parent)):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        seen = _run_code(
            client,
            DRIVE_WIDGETS + f"_drive(hw, {widget_answers or {}!r})\n"
            "import json\nprint(json.dumps({q: (hw.value_of(q) if hw.sheet.get(q) "
            "else None) for q in hw.questions}))",
        )
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    return seen


def _run_code(client, source: str):
    """Run ``source`` in the kernel as an extra cell, then take that cell away again."""
    import json

    cell = nbformat.v4.new_code_cell(source)
    # nbclient writes some outputs by index into client.nb, so the cell must really be there.
    client.nb.cells.append(cell)
    try:
        client.execute_cell(cell, len(client.nb.cells) - 1)
    finally:
        client.nb.cells.pop()
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert not errors, "\n".join(errors[0].traceback)
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    return json.loads(text.strip().splitlines()[-1])


def hand_in(course: Path, assignment: str, student: str, plan: dict) -> Path:
    """A learner's hand-in in ``submitted/<student>/<assignment>/``: the released notebook
    with ``plan["code"]`` typed into its solution cells, then run with ``plan["widgets"]``
    answered through the widgets (which saves the answer sheet beside it)."""
    released = course / "release" / assignment / f"{assignment}.ipynb"
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    notebook = folder / released.name
    nbformat.write(fill_cells(nbformat.read(released, as_version=4), plan["code"]), notebook)
    if plan.get("widgets"):
        run_as_learner(notebook, plan["widgets"])
    return folder
