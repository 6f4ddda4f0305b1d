"""The feedback page, rendered from a small graded notebook: questions named, the mark
scheme kept from a class and shown to a learner marking themselves only after they have
answered, and nothing loaded from the internet."""

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from traitlets.config import Config

from autograder.gradebook import quiet_gradebook_warnings
from autograder.preprocessors import NameFeedbackCells
from autograder.reports import feedback
from autograder.reports.wording import points_text

SCHEME = "### BEGIN MARK SCHEME\n- **2 points**: names a milestone.\n### END MARK SCHEME"
PLACEHOLDER = "*Write your answer to Question 7.1 here.*"


def graded(grade_id, score, points, **extra):
    return {"grade_id": grade_id, "score": score, "points": points, "locked": True, **extra}


def notebook(answer: str, scheme: bool = True):
    widget = new_output(
        "display_data",
        data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2},
            "text/plain": "Question 1.2: Which move?\nIf no buttons appear here, type...",
        },
    )
    cells = [
        new_code_cell("hw.single_choice('1.2', ...)", outputs=[widget]),
        new_code_cell('"""Question 1.2: an answer is saved; it is scored..."""\nhw.require("1.2")'),
        new_code_cell("def f(x):\n    return x"),
        new_code_cell('"""Question 2.1: the plain case works."""\nassert f(1) == 1'),
        new_markdown_cell(
            "### Question 7.1 — a plan (graded by hand, 2 points)\nWrite a plan.\n\n"
            + (SCHEME if scheme else "")
        ),
        new_markdown_cell(answer),
    ]
    cells[0].metadata["nbgrader"] = {"grade_id": "q1_2_answer", "solution": True, "grade": False}
    cells[1].metadata["nbgrader"] = graded("q1_2_check", 1.0, 1.0, grade=True)
    cells[2].metadata["nbgrader"] = {"grade_id": "f", "solution": True, "grade": False}
    cells[3].metadata["nbgrader"] = graded("test_f", 0.0, 2.0, grade=True)
    cells[4].metadata["nbgrader"] = graded("reflection", 0.0, 2.0, task=True, grade=False)
    nb = new_notebook(cells=cells)
    # The widget's state, as JupyterLab saves it: only then is the widget view rendered.
    state = {"state": {"x": {}}, "version_major": 2, "version_minor": 0}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": state}
    return nb


@pytest.fixture
def course(tmp_path):
    """autograded/me/a/ for the page, release/a/ for the placeholder the learner was given."""
    (tmp_path / "autograded" / "me" / "a").mkdir(parents=True)
    (tmp_path / "release" / "a").mkdir(parents=True)
    nbformat.write(notebook(PLACEHOLDER, scheme=False), tmp_path / "release" / "a" / "a.ipynb")
    return tmp_path


def render(course, nb, self_marking=False):
    config = Config()
    config.HTMLExporter.template_name = feedback.TEMPLATE_NAME
    config.HTMLExporter.extra_template_basedirs = feedback.template_dirs()
    config.NameFeedbackCells.self_marking = self_marking
    import nbgrader  # as its generate_feedback does: bootstrap's CSS, inlined into the page

    static = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "static"
    config.HTMLExporter.extra_template_paths = [
        str(static / "node_modules" / "bootstrap" / "dist" / "css")
    ]
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(config=config)
    exporter.register_preprocessor(NameFeedbackCells(config=config), enabled=True)
    resources = {
        "metadata": {"path": str(course / "autograded" / "me" / "a")},
        "nbgrader": {"assignment": "a", "notebook": "a", "student": "me", "score": 1.0}
        | {"max_score": 5.0, "late_penalty": 0},  # no gradebook: nothing marked by hand yet
    }
    html, _ = exporter.from_notebook_node(nb, resources=resources)
    return html


def test_index_names_each_question_and_loads_nothing_from_the_internet(course):
    html = render(course, notebook("My plan: ..."))
    index = html.split('<div id="toc">', 1)[1].split("</ol>", 1)[0]
    assert "Question 1.2: the score of your saved answer" in index
    assert "Question 2.1: the plain case works." in index
    assert "Question 7.1 — a plan (graded by hand, 2 points)" in index
    assert "Test cell" not in index and "Task<" not in index
    assert not re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "$(" not in html, "no jQuery call left under the widget"
    assert "Question 1.2: Which move?" in html and "If no buttons" not in html


def test_class_feedback_says_a_person_grades_and_never_shows_the_scheme(course):
    html = render(course, notebook("My plan: ..."))
    assert "your instructor reads and marks it" in html
    assert "names a milestone" not in html and "MARK SCHEME" not in html


def index_of(html):
    return html.split('<div id="toc">', 1)[1].split("</ol>", 1)[0]


def test_self_marking_shows_the_scheme_only_after_an_answer(course):
    before = render(course, notebook(PLACEHOLDER), self_marking=True)
    assert "names a milestone" not in before
    assert "write your answer, then run make check\n  again to see the mark scheme" in before
    wait = "(2 points: write your answer, then run make check again to see the mark scheme)"
    assert wait in index_of(before) and "mark yourself" not in index_of(before)
    after = render(course, notebook("My plan: one milestone a month."), self_marking=True)
    assert "mark yourself with the mark scheme below" in after
    assert "names a milestone" in after and "MARK SCHEME" not in after
    assert "(mark yourself: 2 points)" in index_of(after)


@pytest.mark.parametrize(
    "points, text", [(5.666667, "5.67"), (2.833333, "2.83"), (13.0, "13"), (0.5, "0.5")]
)
def test_points_print_rounded(points, text):
    assert points_text(points) == text


def test_only_nbgraders_session_warning_is_silenced():
    import warnings

    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet_gradebook_warnings()
        noise = "Object of type <SubmittedAssignment> not in session, add operation along 'x'"
        warnings.warn_explicit(noise, SAWarning, "api.py", 1, module="nbgrader.api")
        warnings.warn_explicit("something else", SAWarning, "api.py", 1, module="nbgrader.api")
    assert [str(w.message) for w in caught] == ["something else"]


def test_a_widget_shows_the_answer_it_was_graded_with_and_a_chart_no_stray_text(course):
    """A question's saved answer, from the line the course's widgets add to their text; a
    plain output widget (a live chart) shows a short note instead of its Python repr."""
    from aicareer.widgets import SAVED_ANSWER_LABEL

    nb = notebook("My plan: ...")
    nb.cells[0].outputs[0]["data"]["text/plain"] = (
        f"Question 1.2: Which move?\n{SAVED_ANSWER_LABEL} Role switch <b>\n  - Role switch"
    )
    chart = new_output(
        "display_data",
        data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "y", "version_major": 2},
            "text/plain": "Output()",
        },
    )
    nb.cells[0].outputs.append(chart)
    nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]["y"] = {}
    html = render(course, nb)
    assert f"{SAVED_ANSWER_LABEL} Role switch &lt;b&gt;" in html, "expected the answer, escaped"
    assert "Output()" not in html, "expected no Python repr of the chart's widget"
    assert "An interactive chart or control was shown here" in html
