"""A learner in real JupyterLab, in headless Chromium, set up as `make lab` sets it up.

The learner opens the module 7 assignment in their workspace, runs it, answers every
widget question by clicking (a radio button, a checkbox, a radio button, one drop-down of
the matching question), sees each answer saved, reloads the page and restarts the kernel
and gets the answers back, reopens the saved notebook the next day and reads what is saved
before running anything, and finally hands in the notebook with its answer sheet, which
nbgrader scores exactly. Every lesson is also opened as stored, to see that it renders.

The code exercises are filled with the instructor's code first, as a learner would have
written them: JupyterLab's Run All stops at the first cell that raises.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from fractions import Fraction
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from playwright.sync_api import Locator, Page, expect, sync_playwright

from aicareer.workspace import sync
from tests.helpers.course import (
    LESSONS,
    ROOT,
    fill_cells,
    make_course,
    nbgrader,
    nbgrader_env,
    solution_code,
)

pytestmark = pytest.mark.browser

ASSIGNMENT = "07-job-search"
NOTEBOOK = f"assignments/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
# The README's picture is refreshed only on request (UPDATE_SCREENSHOT=1), so that running
# the tests never changes a tracked file; otherwise the picture goes to test-artifacts/.
SCREENSHOT = (
    ROOT / "docs" / "screenshot.png"
    if os.environ.get("UPDATE_SCREENSHOT") == "1"
    else ROOT / "test-artifacts" / "screenshot.png"
)
ARTIFACTS = ROOT / "test-artifacts"
LEARNER = "browser-learner"
WAIT = 30_000  # milliseconds: the longest any one step may take
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SAVED_AT = re.compile(r"^✓ Saved at \d\d:\d\d:\d\d$")
RESTORED = "✓ Saved answer restored."

# What the learner clicks: (prompt of the question, the answer).
MOVE = ("What kind of move is Amara making?", "Role switch")
ONE_CHANGE = (
    "Which of these moves change exactly one thing?",
    "A retail data analyst becomes a retail data scientist",
)
KOFI = (
    "Which offer gives Kofi the better chance of switching role later?",
    "The startup: there is more work than people, so help with ML tasks is welcome",
)
MATCHING = "Where is each observation more typical?"
PAIR = ("Unowned AI tasks land on whoever is willing to try them", "Startup")
SHEET = {
    "1.2": MOVE[1],
    "1.3": [ONE_CHANGE[1]],
    "3.1": KOFI[1],
    "3.2": dict([PAIR]),
}
# The fraction of each widget check's points those answers earn (keys in source/):
# 1.2 and 3.1 are right; 1.3 has 1 of its 3 right options ticked and no wrong one;
# 3.2 has 1 of its 4 pairs matched, correctly.
EARNED_FRACTION = {
    "q1_2_check": Fraction(1),
    "q1_3_check": Fraction(1, 3),
    "q3_1_check": Fraction(1),
    "q3_2_check": Fraction(1, 4),
}


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A learner's workspace whose code exercises hold the instructor's code."""
    folder = tmp_path / "ws"
    sync(ROOT, folder)
    path = folder / NOTEBOOK
    notebook = nbformat.read(path, as_version=4)
    nbformat.write(fill_cells(notebook, solution_code(ASSIGNMENT)), path)
    return folder


@pytest.fixture
def lab(tmp_path: Path, workspace: Path):
    """JupyterLab serving ``workspace`` on a free port: yields (base URL, token).

    Its configuration, settings and runtime files live in ``tmp_path``, so nothing of the
    user's own Jupyter setup takes part. It is shut down with its kernels afterwards.
    """
    home = tmp_path / "jupyter"
    settings = home / "lab-settings"
    # No "official Jupyter news?" pop-up and no update check: nothing goes online.
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    env = nbgrader_env()
    # The learner's lab: the course's settings in learner-lab/ (see scripts/lab.py), with
    # the pre-save hook that makes a reopened notebook read cleanly.
    env["JUPYTER_CONFIG_PATH"] = str(ROOT / "learner-lab")
    for variable, folder in {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
        "IPYTHONDIR": "ipython",
    }.items():
        env[variable] = str(home / folder)
    env["JUPYTERLAB_SETTINGS_DIR"] = str(settings)
    port, token = free_port(), secrets.token_hex(16)
    command = [
        str(Path(sys.executable).parent / "jupyter"),
        "lab",
        "--no-browser",
        f"--LabApp.app_settings_dir={ROOT / 'learner-lab' / 'settings'}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={workspace}",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.allow_root=True",  # containers often run tests as root
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # A safety net if this test process is killed before its teardown runs.
        "--ServerApp.shutdown_no_activity_timeout=600",
        "--MappingKernelManager.cull_idle_timeout=600",
    ]
    log_path = tmp_path / "jupyter-lab.log"
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            command,
            cwd=workspace,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_serving(server, f"{base}/api/status?token={token}", log_path)
            yield base, token
        finally:
            stop_server(server, base, token)
            print("--- JupyterLab log (last lines) ---")
            print("\n".join(log_path.read_text(errors="replace").splitlines()[-40:]))


@pytest.fixture
def page(chromium_path: str):
    """A page in headless Chromium (never a browser downloaded by Playwright)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS, timeout=WAIT
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.set_default_timeout(WAIT)
            expect.set_options(timeout=WAIT)
            # A "leave this page?" prompt must not block a reload.
            page.on("dialog", lambda dialog: dialog.accept())
            # Shown with the test's output if it fails.
            page.on("pageerror", lambda error: print(f"page error: {error}"))
            page.on("console", print_console_error)
            yield page
        finally:
            browser.close()


# ------------------------------------------------------------------------------ test
def test_learner_answers_in_jupyterlab_and_nbgrader_scores_them(tmp_path, workspace, lab, page):
    base, token = lab
    folder = workspace / "assignments" / ASSIGNMENT
    sheet = folder / f"{ASSIGNMENT}.answers.json"
    page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}")
    wait_for_kernel(page)

    # Run All stops at the check of the first question not answered yet, which says so.
    run_all(page)
    move = question(page, "single", MOVE[0])
    expect(status(move)).to_have_text("Not answered yet.")
    expect(
        page.locator(".jp-OutputArea-output", has_text="Question 1.2 has no saved answer")
    ).to_be_visible()
    move.get_by_role("radio", name=MOVE[1], exact=True).check()
    expect(status(move)).to_have_text(SAVED_AT)
    assert saved_answers(sheet) == {"1.2": "Role switch"}
    take_screenshot(page, move)

    # Answered: Run All again, which now stops at the next open question's check.
    run_all(page)
    one_change = question(page, "multiple", ONE_CHANGE[0])
    one_change.get_by_role("checkbox", name=ONE_CHANGE[1], exact=True).check()
    expect(status(one_change)).to_have_text(SAVED_AT)

    run_all(page)
    kofi = question(page, "single", KOFI[0])
    kofi.get_by_role("radio", name=KOFI[1], exact=True).check()
    expect(status(kofi)).to_have_text(SAVED_AT)

    run_all(page)
    matching = question(page, "matching", MATCHING)
    drop_down(matching, PAIR[0]).select_option(label=PAIR[1])
    expect(status(matching)).to_have_text(SAVED_AT)

    run_all(page)  # every check passes now, down to the last cell
    expect_answers_restored(page)
    assert saved_answers(sheet) == SHEET

    # A browser reload: the kernel keeps running; run everything again.
    save_notebook(page)
    sheet_before = sheet.read_bytes()
    widget_cell = page.locator(".jp-CodeCell").filter(
        has=page.locator(".jp-InputArea", has_text='hw.single_choice("1.2"')
    )
    count = execution_count(widget_cell)
    page.reload()
    wait_for_kernel(page)
    run_all(page)
    count = wait_for_new_run(widget_cell, count)
    expect_answers_restored(page)

    # A kernel restart: a fresh kernel runs every cell; the answers come back again.
    menu(page, "Kernel", "Restart Kernel and Run All Cells…")
    dialog = page.get_by_role("dialog", name=re.compile(r"^Restart Kernel\?"))
    dialog.get_by_role("button").filter(has_text=re.compile(r"^Restart$")).click()
    wait_for_new_run(widget_cell, count)
    expect_answers_restored(page)
    assert sheet.read_bytes() == sheet_before, "restoring answers must not rewrite the sheet"
    save_notebook(page)

    # The next day: a new kernel, and the notebook as saved, before any cell runs. Each
    # question says what is saved instead of "Error displaying widget: model not found".
    shut_down_kernels(base, token)
    page.reload()
    wait_for_kernel(page)
    expect(
        page.get_by_text(re.compile(r"^Question 1\.2.*your saved answer is Role switch"))
    ).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"^Question 3\.2.*Some items are not matched yet"))
    ).to_be_visible()
    expect(
        page.get_by_text("Run this cell (Shift+Enter) to bring the widget back").first
    ).to_be_visible()
    expect(page.get_by_text("Error displaying widget")).to_have_count(0)
    expect(page.get_by_text("model not found")).to_have_count(0)
    expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0)  # opens saved
    reopened = question_cell(page, 'hw.single_choice("1.2"')
    shoot(page, reopened, "reopened-assignment.png")

    # The learner hands in the notebook and its sheet; nbgrader scores them.
    course = make_course(tmp_path)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    handed_in = course / "submitted" / LEARNER / ASSIGNMENT
    handed_in.mkdir(parents=True)
    shutil.copy(folder / f"{ASSIGNMENT}.ipynb", handed_in)
    shutil.copy(sheet, handed_in)
    nbgrader(course, "autograde", ASSIGNMENT, "--force")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, LEARNER)
        earned = {
            grade.name: grade.auto_score
            for grade in submission.notebooks[0].grades
            if grade.auto_score is not None
        }
    expected = expected_points()
    assert earned["q1_2_check"] == 1.0
    assert earned["q3_2_check"] == pytest.approx(2 * 1 / 4)  # 2 points, 1 pair of 4 right
    assert earned == pytest.approx(expected, abs=1e-6)
    assert sum(earned.values()) == pytest.approx(sum(expected.values()), abs=1e-5)


def test_every_lesson_renders_as_stored_in_jupyterlab(workspace, lab, page):
    """Each lesson opens as the learner first sees it: title, plots, no widget errors, and
    not marked unsaved. A picture of each goes to test-artifacts/ for a person to look at."""
    base, token = lab
    lessons = sorted((workspace / "lessons").glob("*.ipynb"))
    assert len(lessons) == len(LESSONS)
    for lesson in lessons:
        page.goto(f"{base}/lab/tree/lessons/{lesson.name}?reset&token={token}")
        wait_for_kernel(page)
        title = page.locator(".jp-RenderedMarkdown h1").first
        expect(title).to_contain_text(re.compile(r"^Module \d"))
        expect(page.locator(".jp-RenderedImage img").first).to_be_attached()
        expect(page.get_by_text("Error displaying widget")).to_have_count(0)
        expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0)
        page.mouse.move(0, 0)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"lesson-{lesson.stem}.png"))


# --------------------------------------------------------------------- page helpers
def menu(page: Page, top: str, item: str | re.Pattern) -> None:
    """Choose ``top`` ▸ ``item`` in JupyterLab's menu bar."""
    page.get_by_role("menuitem", name=top, exact=True).click()
    page.get_by_role("menuitem", name=item, exact=True).click()


def run_all(page: Page) -> None:
    menu(page, "Run", "Run All Cells")


def wait_for_kernel(page: Page) -> None:
    """Wait for the notebook to open with its kernel idle (status bar "… | Idle")."""
    expect(page.locator(".jp-NotebookPanel .jp-Cell").first).to_be_visible()
    idle = page.locator("#jp-main-statusbar").get_by_text(re.compile(r"\|\s*Idle$"))
    expect(idle).to_be_visible()


def question(page: Page, kind: str, prompt: str) -> Locator:
    """The widget box of the question of ``kind`` with ``prompt``."""
    return page.locator(f".aicareer-question.aicareer-{kind}").filter(has_text=prompt)


def status(widget: Locator) -> Locator:
    return widget.locator(".aicareer-status")


def drop_down(matching: Locator, item: str) -> Locator:
    """The drop-down of ``item`` in a matching question."""
    return matching.locator(".widget-hbox").filter(has_text=item).locator("select")


def expect_answers_restored(page: Page) -> None:
    """Every answer is back in its widget, and the last cell finds them all (the matching
    question with one pair set counts as partly answered)."""
    move = question(page, "single", MOVE[0])
    expect(move.get_by_role("radio", name=MOVE[1], exact=True)).to_be_checked()
    expect(status(move)).to_have_text(RESTORED)
    one_change = question(page, "multiple", ONE_CHANGE[0])
    expect(one_change.get_by_role("checkbox", name=ONE_CHANGE[1], exact=True)).to_be_checked()
    kofi = question(page, "single", KOFI[0])
    expect(kofi.get_by_role("radio", name=KOFI[1], exact=True)).to_be_checked()
    matching = question(page, "matching", MATCHING)
    expect(drop_down(matching, PAIR[0])).to_have_value(PAIR[1])
    expect(status(matching)).to_have_text(RESTORED)
    expect_completion_listed(page)


def expect_completion_listed(page: Page) -> None:
    """The last cell reads the saved notebook: three widget questions answered, the matching
    one partly, and the written answer of 4.2 still open, so it is not green."""
    expect(
        page.get_by_text("Not ready to hand in yet: 3 of 4 widget questions answered")
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Question 3\.2.*only partly answered"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Question 4\.2.*nothing written yet"))).to_be_visible()


def execution_count(cell: Locator) -> int:
    text = cell.locator(".jp-InputPrompt").text_content().strip()
    match = re.fullmatch(r"\[(\d+)\]:", text)
    assert match, f"expected an execution count in the prompt, got {text!r}"
    return int(match.group(1))


def wait_for_new_run(cell: Locator, before: int) -> int:
    """Wait until ``cell`` has run again (its execution count changed); return the new one."""
    prompt = cell.locator(".jp-InputPrompt")
    expect(prompt).to_have_text(re.compile(rf"^\[(?!{before}\])\d+\]:$"))
    return execution_count(cell)


def save_notebook(page: Page) -> None:
    # The item's name ends with its shortcut (Ctrl+S, or ⌘S on a Mac): not "Save Notebook As…".
    menu(page, "File", re.compile(r"^Save Notebook(?! As)"))
    expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0)


def question_cell(page: Page, source: str) -> Locator:
    """The code cell whose input holds ``source``."""
    return page.locator(".jp-CodeCell").filter(has=page.locator(".jp-InputArea", has_text=source))


def shoot(page: Page, cell: Locator, name: str) -> None:
    """A picture of the page with ``cell`` in view, into test-artifacts/ for a person to see."""
    cell.evaluate("element => element.scrollIntoView({block: 'center'})")
    page.mouse.move(0, 0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def take_screenshot(page: Page, widget: Locator) -> None:
    """The page with ``widget`` at the bottom of the view, into docs/screenshot.png."""
    file_browser = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if file_browser.count():
        file_browser.click()  # fold the left side bar away: more room for the notebook
    # Its cell's bottom at the bottom of the view: the check cell below is out of sight.
    widget.evaluate("element => element.closest('.jp-Cell').scrollIntoView({block: 'end'})")
    page.mouse.move(0, 0)  # no hover highlight
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))


def print_console_error(message) -> None:
    if message.type == "error":
        print(f"console error: {message.text}")


# ------------------------------------------------------------------- other helpers
def saved_answers(sheet: Path) -> dict:
    """The answers on disk in ``sheet``, by question id."""
    return {qid: entry["value"] for qid, entry in json.loads(sheet.read_text())["answers"].items()}


def expected_points() -> dict:
    """Full points for every autograded code cell; widget checks earn their fraction."""
    release = ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    points = {
        cell.metadata.nbgrader["grade_id"]: cell.metadata.nbgrader["points"]
        for cell in nbformat.read(release, as_version=4).cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
    }
    assert set(EARNED_FRACTION) <= set(points), "a widget check of this test is gone"
    for grade_id, fraction in EARNED_FRACTION.items():
        points[grade_id] = round(float(points[grade_id] * fraction), 6)  # grade() rounds so
    return points


def shut_down_kernels(base: str, token: str) -> None:
    """End every kernel of the server, as closing JupyterLab for the day would."""
    with urllib.request.urlopen(f"{base}/api/kernels?token={token}", timeout=10) as response:
        kernels = json.loads(response.read())
    for kernel in kernels:
        url = f"{base}/api/kernels/{kernel['id']}?token={token}"
        urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=30).close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(server: subprocess.Popen, status_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + WAIT * 2 / 1000
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited at start:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(status_url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"JupyterLab did not answer in time:\n{log_path.read_text(errors='replace')}")


def start_time(pid: int) -> str | None:
    """When process ``pid`` started (Linux), or None if it is not running."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else fields[19]  # fields: state, ppid, ... starttime


def child_processes(parent: int) -> dict[int, str]:
    """The running processes ``parent`` started (a server's kernels), with their start times."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        started = start_time(int(stat.parent.name)) if ppid == parent else None
        if started:
            children[int(stat.parent.name)] = started
    return children


def stop_server(server: subprocess.Popen, base: str, token: str) -> None:
    """Shut JupyterLab down with its kernels, and make sure none of them is left."""
    kernels = child_processes(server.pid)
    if server.poll() is None:
        request = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST")
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except OSError:
            pass  # the server may close the connection as it stops
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    # Kernels run in sessions of their own: end, by pid, any that outlived the server.
    for pid, started in kernels.items():
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if start_time(pid) != started:
                break
            os.kill(pid, sig)
            deadline = time.monotonic() + 5
            while start_time(pid) == started and time.monotonic() < deadline:
                time.sleep(0.1)
