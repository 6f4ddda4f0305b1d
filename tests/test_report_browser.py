"""The instructor's report and the class page, opened from files in headless Chromium.

The pages are built from a class of twelve made up for this test on module 7's real
questions (labels, points and keys read from the instructor's source notebook), so the
statistics have something to show: question 3.1's learners who did well elsewhere chose
another answer than the key, as if the key were wrong. One learner's id is an HTML tag.
Both pages must load nothing from outside the machine, run no learner-written markup and
show the id as text. Screenshots go to test-artifacts/; with UPDATE_SCREENSHOT=1 the
report's also goes to docs/report.png, the picture the README shows.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from aicareer.grading import assess
from autograder.grading.integrity import questions_of, widget_checks
from autograder.notebooks import grade_id, is_graded, load_notebook, points
from autograder.reports import class_page, page
from autograder.reports.insight import Insight, report_label, with_points
from autograder.reports.item_analysis import (
    PROBABLY_BROKEN,
    GradedCell,
    failed_checks,
    item_statistics,
    option_counts,
)
from tests.helpers.course import ROOT

pytestmark = pytest.mark.browser

ASSIGNMENT = "07-job-search"
SOURCE = ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
ARTIFACTS = ROOT / "test-artifacts"
README_PICTURE = ROOT / "docs" / "report.png"
TAG_ID = "<img src=x onerror=alert(1)>"
LEARNERS = [f"learner-{i:02d}" for i in range(1, 12)] + [TAG_ID]  # weakest first
WAIT = 30_000
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
# Which code cells a learner of strength i (0: weakest) passes, and the message they fail with.
CODE = {
    "test_classify_move_basic": (
        2,
        "AssertionError: Only the role changes here: expected 'Role switch', got 'Both'.",
        False,
    ),
    "test_classify_move_names": (
        5,
        "AssertionError: Got 'Both'. compare the names after .strip() and .casefold().",
        False,
    ),
    "test_stepping_stones_shape": (
        4,
        "AssertionError: Expected a list of jobs; your function returned a tuple.",
        False,
    ),
    "test_stepping_stones_avoid": (
        6,
        "AssertionError: Your path goes through a job in avoid.",
        False,
    ),
    "test_interview_plan_order": (
        8,
        "AssertionError: Names are compared exactly as written: expected 1 contact, got 3.",
        True,
    ),
    "test_interview_plan_per_week": (
        3,
        "AssertionError: per_week=0 should raise ValueError; it did not.",
        False,
    ),
}


def widget_answer(question, key, strength: int):
    """What a learner of ``strength`` chose: the strong mostly the key; for question 3.1
    the strong chose another answer, as a class does when the key is wrong."""
    if question.id == "3.1":
        others = [o for o in question.options if o != key]
        return others[0] if strength >= 6 else key
    if strength >= 7:
        return key
    if question.kind == "single":
        others = [o for o in question.options if o != key]
        return others[strength % len(others)]
    if question.kind == "multiple":
        return [key[0], next(o for o in question.options if o not in key)]
    if question.kind == "matching":
        swapped = dict(key)
        first, second = list(swapped)[:2]
        swapped[first], swapped[second] = swapped[second], swapped[first]
        return swapped
    return key


def made_up_class():
    """(rows, scores, max points, by-hand cells, insight) for twelve learners."""
    nb = load_notebook(SOURCE)
    questions = questions_of(nb)
    checks = {check.cell: check for check in widget_checks(nb)}
    cells, labels, max_points, manual = [], {}, {}, []
    for cell in nb.cells:
        cell_id = grade_id(cell)
        if not cell_id or not is_graded(cell):
            continue
        check = checks.get(cell_id)
        labels[cell_id] = report_label(cell, questions[check.question_id].prompt if check else None)
        max_points[cell_id] = points(cell)
        if cell.cell_type != "code":
            manual.append(cell_id)
        else:
            cells.append(GradedCell(cell_id, labels[cell_id], points(cell)))
    scores, answers, failures = {}, {c.question_id: {} for c in checks.values()}, {}
    for strength, student in enumerate(LEARNERS):
        earned = {}
        for cell_id, (needed, message, hidden) in CODE.items():
            earned[cell_id] = max_points[cell_id] if strength >= needed else 0.0
            if strength < needed:
                failures.setdefault(student, {})[cell_id] = [{"message": message, "hidden": hidden}]
        for cell_id, check in checks.items():
            question = questions[check.question_id]
            value = widget_answer(question, check.key, strength)
            answers[check.question_id][student] = value
            earned[cell_id] = check.points * assess(question, value, check.key, check.tolerance)[0]
        scores[student] = earned
    widgets = [
        option_counts(
            questions[check.question_id],
            answers[check.question_id],
            check.key,
            label=with_points(labels[cell_id], check.points),
            tolerance=check.tolerance,
        )
        for cell_id, check in checks.items()
    ]
    insight = Insight(
        analysis=item_statistics(cells, scores),
        widgets=tuple(widgets),
        checks=failed_checks(failures),
        labels=labels,
    )
    rows = [
        {
            "student": student,
            "score": round(sum(scores[student].values()), 2),
            "status": "timeout" if student == TAG_ID else "ok",
            "detail": "a cell ran past the time limit <script>alert(2)</script>"
            if student == TAG_ID
            else "",
            "flags": "",
        }
        for student in LEARNERS
    ]
    return rows, scores, max_points, manual, insight


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pages")
    rows, scores, max_points, manual, insight = made_up_class()
    report = page.write_report(
        folder / f"{ASSIGNMENT}-report.html",
        page.render(ASSIGNMENT, rows, scores, max_points, manual, insight),
    )
    grades = {
        ASSIGNMENT: [{**row, "max_score": sum(max_points.values())} for row in rows],
        "08-portfolio": [
            {"student": s, "score": 10 + i, "max_score": 20, "status": "ok"}
            for i, s in enumerate(LEARNERS[::2])
        ],
    }
    table = class_page.class_table(grades, [*LEARNERS, "absent-learner"])
    written = class_page.write_class_reports(folder, table)
    assert (
        PROBABLY_BROKEN
        in insight.analysis.items[
            [i.grade_id for i in insight.analysis.items].index("q3_1_check")
        ].flags
    )
    return {"report": report, "class": written["page"]}


@pytest.fixture(scope="module")
def browser(chromium_path: str):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS, timeout=WAIT
        )
        try:
            yield browser
        finally:
            browser.close()


def open_offline(browser, path: Path):
    """A page showing ``path``, with every request that is not for a local file stopped
    and recorded, and every dialog (an alert() that ran) recorded."""
    tab = browser.new_page(viewport={"width": 1100, "height": 900})
    tab.set_default_timeout(WAIT)
    outside, dialogs = [], []

    def stop_unless_local(route):
        if route.request.url.startswith(("file://", "data:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    tab.route("**/*", stop_unless_local)
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.goto(path.as_uri())
    tab.wait_for_load_state("load")
    return tab, outside, dialogs


def screenshot(tab, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    tab.screenshot(path=str(path), full_page=True)
    return path


def test_the_report_opens_offline_and_shows_a_tag_in_a_student_id_as_text(browser, pages):
    tab, outside, dialogs = open_offline(browser, pages["report"])
    expect(tab.get_by_role("heading", name="How each question worked")).to_be_visible()
    expect(tab.get_by_role("cell", name=TAG_ID, exact=True)).to_be_visible()
    assert tab.locator('img[src="x"]').count() == 0, "a student id became an image element"
    assert tab.locator("script").count() == 0, "the report runs no script at all"
    expect(tab.get_by_text(PROBABLY_BROKEN).first).to_be_visible()
    expect(tab.get_by_text("Question 3.1 · ").first).to_be_visible()
    for image in tab.locator("img").all():
        assert image.get_attribute("alt"), "every plot has a text alternative"
        assert image.evaluate("i => i.naturalWidth") > 0, "every plot is drawn from the page itself"
    shot = screenshot(tab, "report.png")
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        README_PICTURE.parent.mkdir(parents=True, exist_ok=True)
        # The item analysis at the top of the view: the part of the report the README explains.
        tab.locator("#item-analysis").evaluate("element => element.scrollIntoView()")
        tab.screenshot(path=str(README_PICTURE), full_page=False)
    assert shot.stat().st_size > 10_000
    assert outside == [], f"expected no request to leave the machine; got {outside}"
    assert dialogs == [], f"learner-written markup ran: {dialogs}"


def test_the_class_page_opens_offline_and_shows_a_tag_in_a_student_id_as_text(browser, pages):
    tab, outside, dialogs = open_offline(browser, pages["class"])
    expect(tab.get_by_role("heading", name="Per learner")).to_be_visible()
    expect(tab.get_by_text(TAG_ID, exact=True).first).to_be_visible()
    expect(tab.get_by_text("absent-learner").first).to_be_visible()
    assert tab.locator('img[src="x"]').count() == 0, "a student id became an image element"
    screenshot(tab, "class-page.png")
    assert outside == [], f"expected no request to leave the machine; got {outside}"
    assert dialogs == [], f"learner-written markup ran: {dialogs}"
