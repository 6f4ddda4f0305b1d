"""A reopened notebook reads cleanly before it runs: the pre-save hook's view of it."""

import copy
import json
import shutil

import pytest

from aicareer.answers import AnswerSheet
from aicareer.notebook_status import notebook_contents, source_of
from aicareer.saved_view import NOTE_MARK, WIDGET_VIEW, pre_save_hook, saved_view
from tests.helpers.course import ROOT

NAME = "07-job-search"
RELEASE = ROOT / "release" / NAME / f"{NAME}.ipynb"


def widget_view(text="Question: the widget's text fallback"):
    return {
        "output_type": "display_data",
        "data": {
            WIDGET_VIEW: {"model_id": "3f0c", "version_major": 2, "version_minor": 0},
            "text/plain": text,
        },
        "metadata": {},
    }


def answer_missing(qid):
    message = f"Question {qid} has no saved answer. Choose your answer in the widget above."
    return {
        "output_type": "error",
        "ename": "AnswerMissing",
        "evalue": message,
        "traceback": [f"AnswerMissing: {message}"],
    }


def check_cell_of(nb, qid):
    return next(
        i
        for i, c in enumerate(nb["cells"])
        if c.get("metadata", {}).get("nbgrader", {}).get("grade")
        and f'hw.require("{qid}")' in source_of(c)
    )


@pytest.fixture
def reopened(tmp_path, monkeypatch):
    """A notebook saved after a session: widget views everywhere, stale red checks, and a
    sheet where 1.2 and 1.3 are saved, 3.2 partly, 3.1 not at all."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    nb = json.loads(RELEASE.read_text("utf-8"))
    questions = {q.id: q for q in notebook_contents(nb).widget_questions}
    for question in questions.values():
        nb["cells"][question.cell]["outputs"] = [widget_view()]
        nb["cells"][question.cell]["execution_count"] = 3
        nb["cells"][check_cell_of(nb, question.id)]["outputs"] = [answer_missing(question.id)]
    sheet = AnswerSheet(tmp_path / f"{NAME}.answers.json", NAME)
    sheet.save("1.2", "single", "Role switch")
    sheet.save("1.3", "multiple", [questions["1.3"].question.options[0]])
    sheet.save("3.2", "matching", {questions["3.2"].question.left[0]: "Startup"})
    return nb, questions, tmp_path


def texts(cell):
    """The plain text of a cell's outputs (a file stores it as a list of lines)."""
    plain = [o.get("data", {}).get("text/plain", "") for o in cell["outputs"]]
    return "\n".join("".join(text) if isinstance(text, list) else text for text in plain)


def test_widget_views_become_plain_notes_from_the_sheet(reopened):
    nb, questions, folder = reopened
    sheet_before = (folder / f"{NAME}.answers.json").read_bytes()
    original = copy.deepcopy(nb)
    view = saved_view(nb, folder)
    assert nb == original, "the notebook given is not changed"
    assert (folder / f"{NAME}.answers.json").read_bytes() == sheet_before
    for old, new in zip(original["cells"], view["cells"], strict=True):
        assert new["source"] == old["source"] and new["metadata"] == old["metadata"]
        assert new.get("execution_count") == old.get("execution_count")
    for question in questions.values():
        cell = view["cells"][question.cell]
        assert all(WIDGET_VIEW not in o.get("data", {}) for o in cell["outputs"])
        assert [o["metadata"].get(NOTE_MARK) for o in cell["outputs"]] == [True]
        assert "Run this cell" in texts(cell) and question.label in texts(cell)
    cells = view["cells"]
    assert "your saved answer is Role switch (saved " in texts(cells[questions["1.2"].cell])
    assert questions["1.3"].question.options[0] in texts(cells[questions["1.3"].cell])
    assert "not answered yet" in texts(cells[questions["3.1"].cell])
    assert "not matched yet" in texts(cells[questions["3.2"].cell])
    html = cells[questions["1.2"].cell]["outputs"][0]["data"]["text/html"]
    assert "<b>Role switch</b>" in html


def test_stale_answer_missing_becomes_answered_since_only_when_saved(reopened):
    nb, _, folder = reopened
    view = saved_view(nb, folder)
    for qid in ("1.2", "1.3", "3.2"):
        cell = view["cells"][check_cell_of(view, qid)]
        (output,) = cell["outputs"]
        assert output["output_type"] == "display_data"
        assert "answered since this check last ran" in texts(cell)
        assert "Run this cell again" in texts(cell)
    unanswered = view["cells"][check_cell_of(view, "3.1")]
    assert unanswered["outputs"] == [answer_missing("3.1")], "3.1 is still open: keep the error"


def test_saving_again_refreshes_the_notes_and_never_piles_them_up(reopened):
    nb, questions, folder = reopened
    once = saved_view(nb, folder)
    AnswerSheet(folder / f"{NAME}.answers.json", NAME).save(
        "3.1", "single", questions["3.1"].question.options[0]
    )
    twice = saved_view(once, folder)
    cell = twice["cells"][questions["3.1"].cell]
    assert len(cell["outputs"]) == 1 and "your saved answer is" in texts(cell)
    assert saved_view(twice, folder) == twice


def test_a_cell_never_run_still_says_whether_it_is_answered(tmp_path):
    nb = json.loads(RELEASE.read_text("utf-8"))
    view = saved_view(nb, tmp_path)
    first = notebook_contents(nb).widget_questions[0]
    assert "not answered yet" in texts(view["cells"][first.cell])
    assert list(tmp_path.iterdir()) == [], "no sheet is created"


def test_an_unreadable_sheet_is_named_and_left_alone(reopened):
    nb, questions, folder = reopened
    sheet = folder / f"{NAME}.answers.json"
    sheet.write_text("{broken", "utf-8")
    view = saved_view(nb, folder)
    assert "could not be read" in texts(view["cells"][questions["1.2"].cell])
    assert sheet.read_text("utf-8") == "{broken"
    stale = view["cells"][check_cell_of(view, "1.2")]
    assert stale["outputs"] == [answer_missing("1.2")]


def test_lesson_widget_views_fall_back_to_their_text(tmp_path):
    lesson = json.loads((ROOT / "notebooks/07-job-search.ipynb").read_text("utf-8"))
    cell = next(c for c in lesson["cells"] if "practice.single_choice" in source_of(c))
    cell["outputs"] = [widget_view("Question p1.1: ... run this cell"), widget_view()]
    cell["outputs"][1]["data"].pop("text/plain")
    view = saved_view(lesson, tmp_path)
    cell = next(c for c in view["cells"] if "practice.single_choice" in source_of(c))
    assert [o["data"].get("text/plain", "") for o in cell["outputs"]][0].startswith("Question p1.1")
    assert "Run this cell" in cell["outputs"][1]["data"]["text/plain"]
    assert all(WIDGET_VIEW not in o["data"] for o in cell["outputs"])


def test_jupyter_runs_the_hook_on_save(reopened, monkeypatch):
    """The hook as Jupyter's own contents manager calls it, by its dotted name."""
    from jupyter_server.services.contents.filemanager import FileContentsManager

    nb, questions, folder = reopened
    manager = FileContentsManager(
        root_dir=str(folder), pre_save_hook="aicareer.saved_view.pre_save_hook"
    )
    manager.save({"type": "notebook", "format": "json", "content": nb}, f"{NAME}.ipynb")
    written = json.loads((folder / f"{NAME}.ipynb").read_text("utf-8"))
    assert "your saved answer is Role switch" in texts(written["cells"][questions["1.2"].cell])
    assert WIDGET_VIEW not in json.dumps(written)
    manager.save({"type": "file", "format": "text", "content": "notes"}, "notes.txt")
    assert (folder / "notes.txt").read_text() == "notes"


def test_the_hook_never_blocks_a_save(tmp_path):
    class Manager:
        root_dir = str(tmp_path)

        def _get_os_path(self, path):
            raise RuntimeError("unexpected")

    model = {"type": "notebook", "content": {"cells": [{"cell_type": "code"}]}}
    before = copy.deepcopy(model)
    pre_save_hook(model=model, path="x.ipynb", contents_manager=Manager())
    assert model == before


def test_the_workspace_copy_reads_cleanly(tmp_path):
    """A release notebook in a workspace folder: every question cell gets one note."""
    folder = tmp_path / "assignments" / NAME
    folder.mkdir(parents=True)
    shutil.copy(RELEASE, folder)
    nb = json.loads((folder / RELEASE.name).read_text("utf-8"))
    view = saved_view(nb, folder)
    for question in notebook_contents(nb).widget_questions:
        assert len(view["cells"][question.cell]["outputs"]) == 1
