"""The learner's workspace: set up from the course, never overwritten, updates beside."""

import json
import shutil

import nbformat
import pytest
from course import ROOT

from aicareer.progress import course_progress
from aicareer.workspace import START_PAGE, main, sync


@pytest.fixture
def repo(tmp_path):
    """A small copy of the course checkout that tests may change."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "notebooks", copy / "notebooks")
    shutil.copytree(ROOT / "release", copy / "release")
    return copy


def test_first_sync_copies_lessons_assignments_and_start_page(repo, tmp_path):
    workspace = tmp_path / "ws"
    report = sync(repo, workspace)
    assert "assignments/07-job-search/07-job-search.ipynb" in report.new
    for lesson in (repo / "notebooks").glob("*.ipynb"):
        assert (workspace / "lessons" / lesson.name).read_bytes() == lesson.read_bytes()
    start = nbformat.read(workspace / START_PAGE, as_version=4)
    text = "\n".join(c.source for c in start.cells)
    assert "The job search" in text and "not started" in text
    assert text.index("Scoping under uncertainty") < text.index("The job search")


def test_second_sync_changes_nothing_the_learner_has(repo, tmp_path):
    workspace = tmp_path / "ws"
    sync(repo, workspace)
    mine = workspace / "assignments/07-job-search/07-job-search.ipynb"
    mine.write_text("my edits", "utf-8")
    report = sync(repo, workspace)
    assert mine.read_text("utf-8") == "my edits"
    assert report.new == [] and report.beside == []
    assert "up to date" in "\n".join(report.lines())


def test_course_update_arrives_beside_the_learners_copy(repo, tmp_path):
    workspace = tmp_path / "ws"
    sync(repo, workspace)
    mine = workspace / "assignments/07-job-search/07-job-search.ipynb"
    mine.write_text("my work", "utf-8")
    upstream = repo / "release/07-job-search/07-job-search.ipynb"
    upstream.write_text(upstream.read_text("utf-8").replace("Module 7", "Module 7 (revised)"))
    (repo / "release/07-job-search/extra-data.csv").write_text("a,b\n1,2\n")
    report = sync(repo, workspace)
    assert mine.read_text("utf-8") == "my work"
    assert report.new == ["assignments/07-job-search/extra-data.csv"]
    ((name, beside),) = report.beside
    assert "(course update " in beside and "revised" in (workspace / beside).read_text("utf-8")
    assert sync(repo, workspace).beside == [], "an update is delivered once"


def test_answer_sheets_are_never_copied_from_the_course(repo, tmp_path):
    (repo / "release/07-job-search/07-job-search.answers.json").write_text("{}")
    workspace = tmp_path / "ws"
    sync(repo, workspace)
    assert not list(workspace.rglob("*.answers.json"))


def test_progress_counts_answered_widget_questions(repo, tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    workspace = tmp_path / "ws"
    sync(repo, workspace)
    from aicareer import Assignment

    hw = Assignment("07-job-search", folder=workspace / "assignments/07-job-search")
    hw.single_choice("1.2", "Kind?", ["Role switch", "Both"])
    hw.widgets["1.2"].value = "Both"
    job_search = [p for p in course_progress(workspace) if p.module.slug == "07-job-search"][0]
    assert (job_search.answered, job_search.questions) == (1, 4)
    assert job_search.summary() == "1 of 4 questions answered"
    sync(repo, workspace)
    start = nbformat.read(workspace / START_PAGE, as_version=4)
    assert "1 of 4 questions answered" in start.cells[1].source


def test_edited_start_page_is_left_alone(repo, tmp_path):
    workspace = tmp_path / "ws"
    sync(repo, workspace)
    (workspace / START_PAGE).write_text("mine", "utf-8")
    report = sync(repo, workspace)
    assert (workspace / START_PAGE).read_text("utf-8") == "mine"
    assert "left as it is" in report.start_page


def test_unreadable_sheet_shows_in_progress_without_being_touched(repo, tmp_path):
    workspace = tmp_path / "ws"
    sync(repo, workspace)
    sheet = workspace / "assignments/07-job-search/07-job-search.answers.json"
    sheet.write_text("{broken")
    job_search = [p for p in course_progress(workspace) if p.module.slug == "07-job-search"][0]
    assert "needs attention" in job_search.summary()
    assert sheet.read_text() == "{broken"


def test_command_line_reports_what_arrived(repo, tmp_path, capsys):
    assert main(["--repo", str(repo), "--workspace", str(tmp_path / "ws")]) == 0
    assert "New in your workspace" in capsys.readouterr().out
    state = json.loads((tmp_path / "ws" / ".course-state.json").read_text())
    assert "assignments/07-job-search/07-job-search.ipynb" in state["delivered"]


def test_start_page_saved_by_jupyterlab_is_still_refreshed(repo, tmp_path):
    workspace = tmp_path / "ws"
    sync(repo, workspace)
    page = nbformat.read(workspace / START_PAGE, as_version=4)
    page.metadata["language_info"] = {"name": "python"}  # what saving in JupyterLab adds
    page.cells[-1].outputs = [nbformat.v4.new_output("stream", text="ran the refresh cell")]
    nbformat.write(page, workspace / START_PAGE)
    report = sync(repo, workspace)
    assert report.start_page == "", "opening and running the start page is not editing it"
