"""How widgets read: whole numbers without decimals, ordinary line spacing, colours from
the JupyterLab theme (readable in light and dark), and wrong-answer wording that reads well."""

import re

import pytest

from aicareer import Assignment, Practice
from aicareer.widgets import GREEN, GREY, RED, readout_format, status_html

OPTIONS = ["Role switch", "Industry switch", "Both", "Neither"]


@pytest.fixture
def hw(tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return Assignment("07-job-search", folder=tmp_path)


@pytest.mark.parametrize(
    "step, value, shown",
    [(1, 13, "13"), (1.0, 4, "4"), (0.1, 2.5, "2.5"), (0.05, 0.35, "0.35"), (5, 40, "40")],
)
def test_slider_readout_has_the_steps_decimals_only(step, value, shown):
    decimals = int(readout_format(step)[1:-1])
    assert f"{value:.{decimals}f}" == shown


def test_numeric_widget_uses_that_readout(hw):
    hw.numeric("4.2", "Week?", 0, 40, 1)
    assert hw.widgets["4.2"].control.readout_format == ".0f"


def test_colours_follow_the_theme_with_a_fallback():
    for colour in (GREEN, RED, GREY):
        assert re.fullmatch(r"var\(--jp-[a-z0-9-]+, #[0-9a-f]{6}\)", colour), colour
    # The dark theme's error colour (#f44336) reads on its dark background; the old fixed
    # #b42318 did not. The variable is what JupyterLab switches with the theme.
    assert "--jp-error-color1" in RED and "--jp-success-color0" in GREEN


def test_messages_and_labels_have_ordinary_line_spacing(hw):
    assert "line-height:1.4" in status_html("✓ Saved")
    hw.matching("3.2", "Where?", ["A long observation that wraps", "Another"], ["X", "Y"])
    row = hw.widgets["3.2"].children[1].children[0]
    assert "line-height:1.4" in row.children[0].value, "the item label of a matching row"
    practice = Practice()
    practice.single_choice("p", "Kind?", OPTIONS, correct="Both")
    practice.widgets["p"].control.value = "Neither"
    assert "line-height:1.4" in practice.widgets["p"].feedback.value
    assert "line-height:1.4" in practice.widgets["p"].children[0].value, "the prompt"


def test_wrong_single_choice_reads_well_in_practice_and_in_a_check(hw):
    practice = Practice()
    practice.single_choice("p", "Kind?", OPTIONS, correct="Both", hints={"Neither": "Look again."})
    practice.widgets["p"].control.value = "Neither"
    text = practice.widgets["p"].feedback.value
    assert "Not this one" not in text
    assert "Not yet. Another option fits better. Look again." in text
    hw.single_choice("1.2", "Kind?", OPTIONS)
    hw.widgets["1.2"].value = "Neither"
    from aicareer import WrongAnswer

    with pytest.raises(WrongAnswer, match=r"Question 1\.2: Another option fits better\."):
        hw.grade("1.2", "Both", points=1)
