"""Every widget kind, driven headlessly: click or set a value, then read the sheet."""

import html

import pytest

from aicareer import AnswerMissing, Assignment, Practice
from aicareer.answers import read_sheet

NAME = "07-job-search"
OPTIONS = ["Role switch", "Industry switch", "Both", "Neither"]


@pytest.fixture
def hw(tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return Assignment(NAME, folder=tmp_path)


def saved(hw, qid):
    return read_sheet(hw.sheet.path, NAME)[qid].value


def reopen(hw):
    """A fresh Assignment on the same folder, as after a kernel restart, asking the same questions."""
    again = Assignment(NAME, folder=hw.sheet.path.parent)
    for qid, question in hw.questions.items():
        kind = type(hw.widgets[qid])
        extra = {"slider": hw.widgets[qid]._slider} if question.kind == "numeric" else {}
        again.questions[qid] = question
        again.widgets[qid] = kind(question, again, **extra)
    return again


def test_single_choice_saves_on_click_and_restores(hw):
    hw.single_choice("1.2", "Kind?", OPTIONS)
    widget = hw.widgets["1.2"]
    assert widget.value is None and "Not answered" in widget.status.value
    widget.control.value = "Both"
    assert saved(hw, "1.2") == "Both"
    assert "✓ Saved" in widget.status.value
    widget.control.value = "Role switch"
    assert saved(hw, "1.2") == "Role switch"
    restored = reopen(hw).widgets["1.2"]
    assert restored.control.value == "Role switch"
    assert "restored" in restored.status.value


def test_restoring_does_not_rewrite_the_sheet(hw):
    hw.single_choice("1.2", "Kind?", OPTIONS)
    hw.widgets["1.2"].control.value = "Both"
    before = hw.sheet.path.read_bytes()
    reopen(hw)
    assert hw.sheet.path.read_bytes() == before


def test_multiple_choice_saves_each_tick(hw):
    hw.multiple_choice("1.3", "Which?", ["a", "b", "c"])
    widget = hw.widgets["1.3"]
    widget.boxes[2].value = True
    assert saved(hw, "1.3") == ["c"]
    widget.boxes[0].value = True
    assert saved(hw, "1.3") == ["a", "c"], "stored in the order of the options"
    widget.boxes[2].value = False
    assert saved(hw, "1.3") == ["a"]
    assert [box.value for box in reopen(hw).widgets["1.3"].boxes] == [True, False, False]


@pytest.mark.parametrize("slider", [True, False])
def test_numeric_saves_and_drives_a_callback(hw, slider):
    seen = []
    hw.numeric("4.2", "Week?", 0, 30, 1, unit=" weeks", slider=slider, on_change=seen.append)
    widget = hw.widgets["4.2"]
    widget.control.value = 17
    assert saved(hw, "4.2") == 17.0
    assert seen == [17.0]
    restored_seen = []
    again = Assignment(NAME, folder=hw.sheet.path.parent)
    again.numeric("4.2", "Week?", 0, 30, 1, slider=slider, on_change=restored_seen.append)
    assert again.widgets["4.2"].control.value == 17
    assert restored_seen == [17.0], "the restored value redraws the plot"


def test_ranking_moves_and_keep_button(hw):
    hw.ranking("2.3", "Order", ["x", "y", "z"])
    widget = hw.widgets["2.3"]
    widget.keep.click()
    assert saved(hw, "2.3") == ["x", "y", "z"]
    up_on_z = widget.rows.children[2].children[0]
    up_on_z.click()
    assert saved(hw, "2.3") == ["x", "z", "y"]
    assert widget.rows.children[0].children[0].disabled, "the first item cannot move up"
    assert reopen(hw).widgets["2.3"].order == ["x", "z", "y"]


def test_matching_saves_partial_and_full_answers(hw):
    hw.matching("3.2", "Match", ["l1", "l2"], ["Startup", "Large company"])
    widget = hw.widgets["3.2"]
    widget.menus["l2"].value = "Startup"
    assert saved(hw, "3.2") == {"l2": "Startup"}
    widget.menus["l1"].value = "Large company"
    assert saved(hw, "3.2") == {"l1": "Large company", "l2": "Startup"}
    assert reopen(hw).widgets["3.2"].menus["l1"].value == "Large company"


def test_value_property_sets_controls_and_sheet(hw):
    hw.single_choice("1.2", "Kind?", OPTIONS)
    hw.widgets["1.2"].value = "Neither"
    assert hw.widgets["1.2"].control.value == "Neither"
    assert saved(hw, "1.2") == "Neither"
    with pytest.raises(ValueError, match="not one of the options"):
        hw.widgets["1.2"].value = "Sideways"


def test_typed_fallback_records_and_updates_the_widget(hw, capsys):
    hw.matching("3.2", "Match", ["l1"], ["A", "B"])
    hw.answer("3.2", {"l1": "B"})
    assert "Question 3.2: {'l1': 'B'} - ✓ Saved at" in capsys.readouterr().out
    assert saved(hw, "3.2") == {"l1": "B"}
    assert hw.widgets["3.2"].menus["l1"].value == "B"
    with pytest.raises(ValueError, match=r"Type it as hw\.answer\('3\.2', \{"):
        hw.answer("3.2", {"l1": "C"})


def test_fallback_text_tells_how_to_answer_by_typing(hw):
    hw.single_choice("1.2", "Kind?", OPTIONS)
    bundle = hw.widgets["1.2"]._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    text = data["text/plain"]
    assert "hw.answer('1.2', \"<one option, copied exactly>\")" in text
    assert "  - Industry switch" in text, "the options are listed so they can be typed"
    assert "application/vnd.jupyter.widget-view+json" in data


def test_fallback_text_names_the_saved_answer_on_its_second_line(hw):
    """The line the feedback page shows under the question: none before an answer, the
    answer itself once saved."""
    from aicareer.widgets import SAVED_ANSWER_LABEL

    def plain():
        bundle = hw.widgets["1.2"]._repr_mimebundle_()
        return (bundle[0] if isinstance(bundle, tuple) else bundle)["text/plain"].splitlines()

    hw.single_choice("1.2", "Kind?", OPTIONS)
    assert SAVED_ANSWER_LABEL not in "\n".join(plain()), plain()
    hw.widgets["1.2"].control.value = "Both"
    assert plain()[1] == f"{SAVED_ANSWER_LABEL} Both", plain()


def test_grading_mode_reads_but_never_writes(hw, monkeypatch):
    hw.single_choice("1.2", "Kind?", OPTIONS)
    hw.widgets["1.2"].control.value = "Both"
    before = hw.sheet.path.read_bytes()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    graded = Assignment(NAME, folder=hw.sheet.path.parent)
    graded.single_choice("1.2", "Kind?", OPTIONS)
    assert graded.widgets["1.2"].control.value == "Both"
    graded.widgets["1.2"].control.value = "Neither"
    graded.answer("1.2", "Neither")
    assert hw.sheet.path.read_bytes() == before
    assert graded.value_of("1.2") == "Neither", "an answer typed in code counts in memory"


def test_bad_saved_value_is_reported_per_question(hw):
    hw.sheet.save("1.2", "single", "Sideways")
    again = Assignment(NAME, folder=hw.sheet.path.parent)
    again.single_choice("1.2", "Kind?", OPTIONS)
    status = html.unescape(again.widgets["1.2"].status.value)
    assert "07-job-search.answers.json, question '1.2'" in status
    with pytest.raises(AnswerMissing, match="cannot be used"):
        again.require("1.2")


def test_full_disk_shows_a_visible_failure(hw, monkeypatch):
    hw.single_choice("1.2", "Kind?", OPTIONS)
    hw.widgets["1.2"].control.value = "Both"

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("aicareer.answers.write_atomically", full)
    hw.widgets["1.2"].control.value = "Neither"
    assert "Not saved: No space left on device" in hw.widgets["1.2"].status.value
    assert saved(hw, "1.2") == "Both"


def test_corrupt_sheet_gives_visible_message_and_fresh_start(tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    (tmp_path / f"{NAME}.answers.json").write_text("{oops")
    hw = Assignment(NAME, folder=tmp_path)
    assert "could not be read" in hw._problem_text()
    assert "Nothing is lost" in hw._problem_text()
    hw.single_choice("1.2", "Kind?", OPTIONS)
    hw.widgets["1.2"].control.value = "Both"
    kept = list(tmp_path.glob("*.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_text() == "{oops"


def write_notebook(folder, *question_cells):
    """A small assignment notebook on disk, asking the questions in ``question_cells``."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    cells = [new_code_cell(f'hw = Assignment("{NAME}")')]
    for source in question_cells:
        cell = new_code_cell(source)
        cell.metadata["tags"] = ["widget-question"]
        cells.append(cell)
    nbformat.write(new_notebook(cells=cells), folder / f"{NAME}.ipynb")


def test_check_complete_lists_open_and_unknown_questions(hw, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    write_notebook(
        hw.sheet.path.parent,
        f'hw.single_choice("1.2", "Kind?", {OPTIONS!r})',
        'hw.single_choice("3.1", "Where?", ["A", "B"])',
        'hw.matching("3.2", "Match", ["l1", "l2"], ["A", "B"])',
    )
    hw.single_choice("1.2", "Kind?", OPTIONS)
    hw.single_choice("3.1", "Where?", ["A", "B"])
    hw.widgets["1.2"].control.value = "Both"
    hw.sheet.save("9.9", "single", "stray")
    hw.matching("3.2", "Match", ["l1", "l2"], ["A", "B"])
    hw.widgets["3.2"].menus["l1"].value = "A"
    summary = hw.completion()
    assert summary["answered"] == ["1.2"] and summary["missing"] == ["3.1"]
    assert summary["partly"] == ["3.2"], "a matching with items left unmatched is flagged"
    assert summary["unknown"] == ["9.9"]
    assert hw.check_complete() is None, "the last cell shows a message, not a dictionary"


def test_practice_gives_immediate_feedback_and_saves_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    practice = Practice()
    practice.single_choice(
        "p1",
        "Kind?",
        OPTIONS,
        correct="Both",
        explain="Two things change.",
        hints={"Role switch": "Look at the industry too."},
    )
    widget = practice.widgets["p1"]
    widget.control.value = "Role switch"
    assert "Not yet" in widget.feedback.value and "industry too" in widget.feedback.value
    widget.control.value = "Both"
    assert "Right" in widget.feedback.value and "Two things change" in widget.feedback.value
    practice.multiple_choice("p2", "Which?", ["a", "b", "c"], correct=["a", "b"])
    practice.widgets["p2"].boxes[0].value = True
    assert "Partly right" in practice.widgets["p2"].feedback.value
    practice.numeric("p3", "How many?", 0, 10, 1, correct=6, tolerance=1)
    practice.widgets["p3"].control.value = 7
    assert "Right" in practice.widgets["p3"].feedback.value
    assert list(tmp_path.iterdir()) == []


def test_practice_needs_a_key():
    with pytest.raises(ValueError, match="needs correct="):
        Practice().single_choice("p1", "Kind?", OPTIONS)


def test_failed_check_shows_its_message_without_a_stack():
    from aicareer.grading import AnswerMissing

    problem = AnswerMissing("Question 1.2 has no saved answer.")
    assert problem._render_traceback_() == ["AnswerMissing: Question 1.2 has no saved answer."]
