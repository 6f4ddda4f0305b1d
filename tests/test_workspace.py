"""The learner's workspace: set up from the course, never overwritten, updates beside."""

import json
import platform
import shutil

import nbformat
import pytest

from aicareer.notebook_status import notebook_contents, read_notebook
from aicareer.progress import course_progress
from aicareer.workspace import START_PAGE, main, sync, with_lab_metadata
from tests.helpers.course import ROOT


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
        copy = (workspace / "lessons" / lesson.name).read_bytes()
        # Byte for byte what the course ships, apart from the kernel metadata JupyterLab
        # writes, which carries the learner's own Python version.
        assert copy == with_lab_metadata(lesson.read_bytes())
        info = json.loads(copy)["metadata"]["language_info"]
        assert info["version"] == platform.python_version()
        assert json.loads(copy)["cells"] == json.loads(lesson.read_bytes())["cells"]
    start = nbformat.read(workspace / START_PAGE, as_version=4)
    text = "\n".join(c.source for c in start.cells)
    assert "The job search" in text and "not started" in text
    assert text.index("Scoping under uncertainty") < text.index("The job search")
    welcome = start.cells[0].source
    assert "Start with module 1, *Three steps to a career in AI*" in welcome, (
        "the start page names module 1 as the place to begin"
    )


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


def module(workspace, slug="07-job-search"):
    return [p for p in course_progress(workspace) if p.module.slug == slug][0]


@pytest.fixture
def learner(monkeypatch):
    """A learner's kernel: not under nbgrader, not started by a Jupyter session."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)


def test_untouched_modules_read_not_started(repo, tmp_path, learner):
    workspace = tmp_path / "ws"
    sync(repo, workspace)
    for slug in ("04-scoping-under-uncertainty", "07-job-search"):
        assert module(workspace, slug).summary() == "not started"
    lesson = workspace / "lessons/07-job-search.ipynb"
    page = nbformat.read(lesson, as_version=4)
    assert any(c.get("outputs") for c in page.cells), "lessons arrive run, with outputs"
    page.metadata["language_info"] = {"name": "python", "version": "3.11"}
    nbformat.write(page, lesson)  # opened and saved in JupyterLab, never run
    assert module(workspace).summary() == "not started"


def test_progress_counts_answered_widget_questions(repo, tmp_path, learner):
    workspace = tmp_path / "ws"
    sync(repo, workspace)
    from aicareer import Assignment

    hw = Assignment("07-job-search", folder=workspace / "assignments/07-job-search")
    hw.single_choice("1.2", "Kind?", ["Role switch", "Both"])
    hw.widgets["1.2"].value = "Both"
    job_search = module(workspace)
    assert (job_search.answered, job_search.questions) == (1, 4)
    assert (job_search.code_written, job_search.code) == (0, 3)
    assert (job_search.reflections_written, job_search.reflections) == (0, 1)
    expected = (
        "lesson not run yet · 1 of 4 questions answered, 0 of 3 code exercises written, "
        "0 of 1 written answer done"
    )
    assert job_search.summary() == expected
    sync(repo, workspace)
    start = nbformat.read(workspace / START_PAGE, as_version=4)
    assert expected in start.cells[1].source


def test_partly_answered_question_and_written_work_count_truly(repo, tmp_path, learner):
    workspace = tmp_path / "ws"
    sync(repo, workspace)
    from aicareer import Assignment

    folder = workspace / "assignments/07-job-search"
    hw = Assignment("07-job-search", folder=folder)
    hw.sheet.save("1.2", "single", "Both")
    hw.sheet.save("1.3", "multiple", [])  # saved with nothing ticked: not an answer yet
    hw.sheet.save("3.1", "single", "any saved choice")  # not one of the options: not an answer
    assert (module(workspace).answered, module(workspace).unticked) == (1, 1)
    asked = notebook_contents(read_notebook(folder / "07-job-search.ipynb")).widget_questions
    hw.sheet.save("3.1", "single", next(q for q in asked if q.id == "3.1").question.options[0])
    hw.matching("3.2", "Where?", ["a", "b"], ["Startup", "Big company"])
    hw.sheet.save(
        "3.2",
        "matching",
        {"You are rewarded mainly for doing the job you were hired for": "Big company"},
    )
    job_search = module(workspace)
    assert (job_search.answered, job_search.partly) == (2, 1), "partly answered is not answered"
    assert (
        "2 of 4 questions answered (1 only partly, 1 with nothing ticked)" in job_search.summary()
    )

    notebook = folder / "07-job-search.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    first_stub = next(
        c for c in nb.cells if c.cell_type == "code" and "raise NotImplementedError()" in c.source
    )
    first_stub.source = first_stub.source.replace("raise NotImplementedError()", "return 'Both'")
    task = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("task"))
    # Ten words, where the task asks for 120 to 250: under half, so not written yet.
    nb.cells[task + 1].source = "I would ask a nurse who moved into data work."
    nbformat.write(nb, notebook)
    job_search = module(workspace)
    assert (job_search.code_written, job_search.reflections_written) == (1, 0)
    nb.cells[task + 1].source = "I would ask a nurse who moved into data work. " * 7
    nbformat.write(nb, notebook)
    job_search = module(workspace)
    assert (job_search.code_written, job_search.reflections_written) == (1, 1)
    assert "1 of 3 code exercises written, 1 of 1 written answer done" in job_search.summary()


def test_code_above_a_stub_line_starts_the_assignment_but_is_not_written(repo, tmp_path):
    workspace = tmp_path / "ws"
    sync(repo, workspace)
    notebook = workspace / "assignments/07-job-search/07-job-search.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    stub = next(
        c for c in nb.cells if c.cell_type == "code" and "raise NotImplementedError()" in c.source
    )
    stub.source = stub.source.replace(
        "raise NotImplementedError()", "return 'Both'\n    raise NotImplementedError()"
    )
    nbformat.write(nb, notebook)
    job_search = module(workspace)
    assert (job_search.code_written, job_search.code_begun) == (0, 1)
    assert job_search.assignment_started and "0 of 3 code exercises written" in job_search.summary()


def ask_practice(workspace, slug, ids):
    from aicareer import Practice

    practice = Practice()
    for qid in ids:
        practice.single_choice(qid, "Practice?", ["a", "b"], correct="a")
    return practice


def test_lesson_counts_as_run_only_when_its_kernel_ran_it(repo, tmp_path, monkeypatch, learner):
    workspace = tmp_path / "ws"
    sync(repo, workspace)
    lesson = workspace / "lessons/04-scoping-under-uncertainty.ipynb"
    ids = notebook_contents(read_notebook(lesson)).practice_ids
    assert len(ids) >= 3
    monkeypatch.setenv("JPY_SESSION_NAME", str(lesson))
    ask_practice(workspace, lesson.stem, ids[:2])
    scoping = module(workspace, lesson.stem)
    assert scoping.summary() == (
        f"lesson started (2 of {len(ids)} practice questions reached) · assignment not started"
    )
    ask_practice(workspace, lesson.stem, ids)
    assert module(workspace, lesson.stem).summary() == "lesson run · assignment not started"
    assert module(workspace).summary() == "not started", "only the lesson that ran counts"


def test_lesson_is_found_by_its_prompt_without_jupyter(repo, tmp_path, monkeypatch, learner):
    from aicareer import Practice
    from aicareer.notebook_status import source_of

    workspace = tmp_path / "ws"
    sync(repo, workspace)
    lesson = workspace / "lessons/07-job-search.ipynb"
    cell = next(
        c for c in read_notebook(lesson)["cells"] if "practice.single_choice" in source_of(c)
    )
    monkeypatch.chdir(lesson.parent)
    namespace = {"practice": Practice()}
    exec(source_of(cell), namespace)  # the lesson's own practice cell, run in its folder
    assert "lesson started (1 of" in module(workspace).summary()


def test_practice_outside_a_workspace_records_nothing(tmp_path, monkeypatch, learner):
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    shutil.copy(ROOT / "notebooks/07-job-search.ipynb", lessons)
    monkeypatch.setenv("JPY_SESSION_NAME", str(lessons / "07-job-search.ipynb"))
    ask_practice(tmp_path, "07-job-search", ["p1.1"])
    assert sorted(p.name for p in lessons.iterdir()) == ["07-job-search.ipynb"]


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
