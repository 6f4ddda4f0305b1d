"""Lessons are committed as a learner should first see them: run, with no widget state.

(nbval, run by ``make test`` with ``--nbval``, separately checks that a fresh run
reproduces every stored output.)
"""

import nbformat
import pytest

from tests.helpers.course import LESSONS


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_is_stored_run_top_to_bottom(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), "re-run it: scripts/execute_lessons.py"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert any(o.get("data", {}).get("image/png") for c in code for o in c.outputs), "no plots"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_stores_no_widget_state(path):
    nb = nbformat.read(path, as_version=4)
    assert "widgets" not in nb.metadata, "saved widget state is large and changes every run"
    views = [
        o
        for c in nb.cells
        for o in c.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert not views, "a stored widget view without its state shows 'model not found'"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_practice_needs_no_answer_sheet(path):
    sources = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    assert "Practice()" in sources and "Assignment(" not in sources
