"""hw.check_complete() reads the whole assignment from disk, not only what ran in the kernel."""

import json
import shutil
import sys

import pytest

import aicareer.assignment as assignment_module
from aicareer import Assignment
from aicareer.display import MessageBox, completion_message
from aicareer.notebook_status import notebook_contents, read_notebook, source_of
from aicareer.widgets import GREEN, GREY, RED
from tests.helpers.course import ROOT

NAME = "07-job-search"
RELEASE = ROOT / "release" / NAME / f"{NAME}.ipynb"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A learner's assignment folder holding the released notebook, as the kernel's cwd."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    shutil.copy(RELEASE, tmp_path / RELEASE.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_cells(folder, *question_ids):
    """Run the setup cell and the cells asking ``question_ids``, as a learner would."""
    nb = read_notebook(folder / RELEASE.name)
    contents = notebook_contents(nb)
    namespace = {}
    exec(source_of(nb["cells"][1]), namespace)
    for question in contents.widget_questions:
        if question.id in question_ids:
            exec(source_of(nb["cells"][question.cell]), namespace)
    return namespace["hw"], contents


def edit_notebook(folder, change):
    """Change the notebook file as saving it in JupyterLab would."""
    path = folder / RELEASE.name
    nb = json.loads(path.read_text("utf-8"))
    change(nb)
    path.write_text(json.dumps(nb), "utf-8")


def labels(contents, kind):
    return [item.label for item in getattr(contents, kind)]


def answer_1_2_and_1_3(hw):
    hw.widgets["1.2"].value = "Role switch"
    first = hw.questions["1.3"].options[0]
    hw.widgets["1.3"].value = [first]


def test_partly_run_assignment_names_every_open_item(folder):
    hw, contents = run_cells(folder, "1.2", "1.3")
    answer_1_2_and_1_3(hw)
    assert set(hw.questions) == {"1.2", "1.3"}, "3.1 and 3.2 never ran in this kernel"
    status = hw.completion()
    assert status["answered"] == ["1.2", "1.3"]
    assert status["missing"] == ["3.1", "3.2"], "questions whose cells never ran still count"
    assert status["unknown"] == []
    assert status["code_open"] == labels(contents, "code_exercises")
    assert [label.split(" (")[0] for label in status["code_open"]] == [
        "Question 1.1",
        "Question 2.1",
        "Question 4.1",
    ]
    assert status["reflections_open"] == labels(contents, "reflections")
    assert status["reflections_open"][0].startswith("Question 4.2")

    text, colour, items, after = completion_message(status, hw.sheet.path.name, None)
    assert colour == RED and text.startswith("Not ready to hand in yet")
    assert "2 of 4 widget questions answered" in text
    assert "0 of 3 code exercises written" in text and "0 of 1 written answer done" in text
    order = [item.split(" (")[0] for item in items]
    assert order == [
        "Question 1.1",
        "Question 2.1",
        "Question 3.1",
        "Question 3.2",
        "Question 4.1",
        "Question 4.2",
    ], "open items are listed top to bottom, as the notebook runs"
    shown = "\n".join(items)
    for label in ("Question 3.1", "Question 3.2", "classify_move", "stepping_stones"):
        assert label in shown
    assert "Question 4.2" in shown and "nothing written yet" in shown
    assert "NotImplementedError" in shown
    assert "Ctrl+S" in after, "the check reads the file, so it says to save first"
    box = repr(MessageBox(text, colour, items, after))
    assert "  - Question 3.1" in box


def test_answer_saved_from_another_kernel_is_not_called_unknown(folder):
    other, _ = run_cells(folder, "3.1")
    other.widgets["3.1"].value = other.questions["3.1"].options[0]
    hw, _ = run_cells(folder, "1.2")
    status = hw.completion()
    assert status["unknown"] == [], "3.1 is asked by this notebook even if its cell did not run"
    assert "3.1" in status["answered"]


def test_partly_answered_matching_is_open(folder):
    hw, _ = run_cells(folder, "3.2")
    first_item = hw.questions["3.2"].left[0]
    hw.widgets["3.2"].value = {first_item: "Startup"}
    hw2, _ = run_cells(folder, "1.2")  # a new kernel that never ran 3.2
    status = hw2.completion()
    assert status["partly"] == ["3.2"]
    _, colour, items, _ = completion_message(status, hw2.sheet.path.name, None)
    assert colour == RED and any("partly" in item for item in items)


def test_green_only_when_everything_is_done(folder):
    hw, contents = run_cells(folder, "1.2", "1.3", "3.1", "3.2")
    finish_everything_but_the_reflection(folder, hw, contents)
    status = hw.completion()
    assert status["code_open"] == [] and status["missing"] == []
    _, colour, items, _ = completion_message(status, hw.sheet.path.name, None)
    assert colour == RED, "the reflection is still empty"
    assert items == [
        f"{status['reflections_open'][0]}: nothing written yet in the cell below the prompt"
    ]

    write_reflection(folder, contents, ANSWER_WORDS * 10)
    status = hw.completion()
    text, colour, items, after = completion_message(status, hw.sheet.path.name, None)
    assert colour == GREEN and items == []
    assert text.startswith("Ready to hand in") and f"{NAME}.answers.json" in text
    assert "words written" not in after, "130 words is within 120 to 250"


# Thirteen words; the assignment's written answer asks for 120 to 250.
ANSWER_WORDS = "I would ask a data scientist at a clinic how she switched roles. "


def write_reflection(folder, contents, text):
    reflection = contents.reflections[0].cell + 1
    edit_notebook(folder, lambda nb: nb["cells"][reflection].update(source=text))


def finish_everything_but_the_reflection(folder, hw, contents):
    answer_1_2_and_1_3(hw)
    hw.widgets["3.1"].value = hw.questions["3.1"].options[1]
    hw.widgets["3.2"].value = {item: "Startup" for item in hw.questions["3.2"].left}

    def write_code(nb):
        for exercise in contents.code_exercises:
            source = source_of(nb["cells"][exercise.cell])
            nb["cells"][exercise.cell]["source"] = source.replace(
                "raise NotImplementedError()", "return None"
            )

    edit_notebook(folder, write_code)


def test_a_multiple_choice_with_nothing_ticked_is_open(folder):
    hw, _ = run_cells(folder, "1.2", "1.3")
    hw.answer("1.3", [])
    status = hw.completion()
    assert status["unticked"] == ["1.3"] and "1.3" not in status["answered"]
    text, colour, items, _ = completion_message(status, hw.sheet.path.name, None)
    assert colour == RED and "0 of 4 widget questions answered" in text
    (item,) = [item for item in items if item.startswith("Question 1.3")]
    assert item.endswith(": nothing ticked yet")
    hw.answer("1.3", [hw.questions["1.3"].options[0]])
    assert hw.completion()["answered"] == ["1.3"]


def test_a_word_under_the_placeholder_is_not_an_answer(folder):
    hw, contents = run_cells(folder, "1.2", "1.3", "3.1", "3.2")
    finish_everything_but_the_reflection(folder, hw, contents)
    assert contents.reflections[0].asks == (120, 250), "read from the task: 120 to 250 words"
    placeholder = "*Write your answer to Question 4.2 here (double-click to edit).*"
    write_reflection(folder, contents, placeholder + "\n\nTODO")
    status = hw.completion()
    text, colour, items, _ = completion_message(status, hw.sheet.path.name, None)
    assert colour == RED and "0 of 1 written answer done" in text
    (item,) = items
    assert item.startswith("Question 4.2")
    assert item.endswith(": 1 word written; the question asks for 120 to 250")
    write_reflection(folder, contents, placeholder + " " + ANSWER_WORDS * 4)  # 52 < 60
    assert hw.completion()["reflections_open"] != []


def test_a_short_answer_over_half_the_length_warns_but_does_not_block(folder):
    hw, contents = run_cells(folder, "1.2", "1.3", "3.1", "3.2")
    finish_everything_but_the_reflection(folder, hw, contents)
    write_reflection(folder, contents, ANSWER_WORDS * 5)  # 65 words: at least half of 120
    status = hw.completion()
    text, colour, items, after = completion_message(status, hw.sheet.path.name, None)
    assert colour == GREEN and items == [] and "1 of 1 written answer done" in text
    assert "Question 4.2" in after and "65 words written; the question asks for 120 to 250" in after
    write_reflection(folder, contents, ANSWER_WORDS * 20)  # 260 words: over the top
    _, colour, _, after = completion_message(hw.completion(), hw.sheet.path.name, None)
    assert colour == GREEN and "260 words written" in after


def test_working_code_above_the_stub_line_says_delete_it(folder):
    hw, contents = run_cells(folder, "1.2")
    first = contents.code_exercises[0]

    def keep_the_stub(nb):
        source = source_of(nb["cells"][first.cell])
        nb["cells"][first.cell]["source"] = source.replace(
            "raise NotImplementedError()", "return 'Both'\n    raise NotImplementedError()"
        )

    edit_notebook(folder, keep_the_stub)
    status = hw.completion()
    assert status["code_stub_left"] == [first.label]
    assert first.label not in status["code_open"]
    text, _, items, _ = completion_message(status, hw.sheet.path.name, None)
    (item,) = [item for item in items if item.startswith(first.label)]
    assert "delete the raise NotImplementedError() line" in item and "no code yet" not in item
    assert "0 of 3 code exercises written" in text
    others = [item for item in items if "code yet" in item]
    assert len(others) == 2, "the stubs alone still read 'no code yet'"


def test_code_run_in_the_kernel_but_not_saved_is_named(folder, monkeypatch, tmp_path_factory):
    hw, _ = run_cells(folder, "1.2")
    module_dir = tmp_path_factory.mktemp("kernel")
    (module_dir / "learner_cell.py").write_text(
        "def classify_move(current, target):\n    return 'Both'\n", "utf-8"
    )
    monkeypatch.syspath_prepend(str(module_dir))
    import learner_cell

    monkeypatch.setattr(
        assignment_module, "_user_namespace", lambda: {"classify_move": learner_cell.classify_move}
    )
    status = hw.completion()
    assert [label.split(" (")[0] for label in status["unsaved_code"]] == ["Question 1.1"]
    assert all("classify_move" not in label for label in status["code_open"])
    _, _, _, after = completion_message(status, hw.sheet.path.name, None)
    assert "not yet saved in the notebook file" in after
    sys.modules.pop("learner_cell", None)


def test_stub_defined_in_the_kernel_is_still_open(folder, monkeypatch, tmp_path_factory):
    hw, _ = run_cells(folder, "1.2")
    module_dir = tmp_path_factory.mktemp("kernel")
    (module_dir / "stub_cell.py").write_text(
        "def classify_move(current, target):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n",
        "utf-8",
    )
    monkeypatch.syspath_prepend(str(module_dir))
    import stub_cell

    monkeypatch.setattr(
        assignment_module, "_user_namespace", lambda: {"classify_move": stub_cell.classify_move}
    )
    status = hw.completion()
    assert status["unsaved_code"] == []
    assert any("classify_move" in label for label in status["code_open"])
    sys.modules.pop("stub_cell", None)


def test_under_nbgrader_it_reports_in_grey_and_writes_nothing(folder, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    before = sorted(p.name for p in folder.iterdir())
    hw, _ = run_cells(folder, "1.2", "1.3")
    status = hw.completion()
    text, colour, _, _ = completion_message(status, hw.sheet.path.name, hw.mode)
    assert colour == GREY and text.startswith("Graded copy:")
    assert "0 of 4 widget questions answered" in text
    hw.check_complete()
    assert sorted(p.name for p in folder.iterdir()) == before


def test_without_the_notebook_file_it_never_says_ready(folder):
    hw, _ = run_cells(folder, "1.2")
    hw.widgets["1.2"].value = "Both"
    (folder / RELEASE.name).unlink()
    status = hw.completion()
    assert status["notebook"] is None and status["answered"] == ["1.2"]
    text, colour, _, _ = completion_message(status, hw.sheet.path.name, None)
    assert colour == GREY and "could not read the notebook file" in text


def test_a_renamed_copy_is_found_through_jupyter(folder, monkeypatch):
    copy = folder / "07-job-search-Copy1.ipynb"
    (folder / RELEASE.name).rename(copy)
    monkeypatch.setenv("JPY_SESSION_NAME", str(copy))
    hw, _ = run_cells_from(copy)
    status = hw.completion()
    assert status["notebook"] == copy and status["missing"] == ["1.2", "1.3", "3.1", "3.2"]


def run_cells_from(path):
    nb = read_notebook(path)
    namespace = {}
    exec(source_of(nb["cells"][1]), namespace)
    return namespace["hw"], notebook_contents(nb)


def test_check_complete_displays_one_box(folder, monkeypatch):
    shown = []
    monkeypatch.setattr(assignment_module, "show", shown.append)
    hw, _ = run_cells(folder, "1.2")
    assert hw.check_complete() is None
    (box,) = [item for item in shown if isinstance(item, MessageBox)]
    assert box.colour == RED and "Question 3.2" in box._repr_html_()
    assert Assignment  # the public name stays importable
