"""Links, special files, caps, kernel-written files and learner text, graded among healthy
submissions (issue 17, sections 1, 2, 4 and 5).

One class is graded once, two kernels at a time, in sandboxes, through the grade command
with its terminal output captured: the healthy hand-ins keep their exact scores, each
fixture of ``faults_files.py`` gets its status and score, nothing outside what grading
writes changes (the learners' originals included), no secret of the instructor reaches a
feedback page, the CSV, the report or the terminal, and no learner text reaches the
terminal with a control character.
"""

import contextlib
import csv
import hashlib
import io
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

from autograder import gradebook
from autograder.cli import grade_command
from autograder.options import GradingOptions
from tests.helpers.fault_class import build_fault_class
from tests.helpers.faults import ASSIGNMENT, NOTEBOOK
from tests.helpers.faults_files import (
    ESCAPE_ID,
    FILE_FAULTS,
    FORMULA_ID,
    INSTRUCTOR_ONLY,
    SECRET,
    SECRET_FILE,
)
from tests.helpers.own_processes import current_temp_folder, own_temp_folder
from tests.test_faults import GRADING_WRITES, running_sandbox_processes, scratch_folders

pytestmark = pytest.mark.slow
HEALTHY = ("right", "partial")
# tqdm redraws its bar with a carriage return, so that one is not looked for here.
TERMINAL_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")


def lstat_fingerprint(course: Path) -> dict[str, tuple]:
    """What every entry the grader must not change is, by path, read without following
    links or opening special files: kind, size, link target, and a checksum of small
    regular files."""
    found = {}
    for top, folders, files in os.walk(course):
        relative_top = Path(top).relative_to(course)
        if relative_top.parts and relative_top.parts[0] in GRADING_WRITES:
            continue
        for name in folders + files:
            path = Path(top) / name
            if not relative_top.parts and name in GRADING_WRITES:
                continue
            info = os.lstat(path)
            entry = (stat.S_IFMT(info.st_mode), info.st_size, info.st_mtime_ns)
            if stat.S_ISLNK(info.st_mode):
                entry += (os.readlink(path),)
            elif stat.S_ISREG(info.st_mode) and info.st_size < 2**20:
                entry += (hashlib.sha256(path.read_bytes()).hexdigest(),)
            found[str(relative_top / name)] = entry
    return found


def intake_folders() -> set[str]:
    """This run's staging folders still on disk (the worker's copies of submissions)."""
    return {p.name for p in current_temp_folder().glob("aicareer-intake-*")}


@pytest.fixture(scope="module", autouse=True)
def _own_temp_folder():
    """This module's sandboxes and staging folders live in a temporary folder of its own."""
    with own_temp_folder():
        yield


@pytest.fixture(scope="module")
def graded(tmp_path_factory, sandbox_available):
    def plant_secret(course):
        (course / SECRET_FILE).write_text(SECRET, encoding="utf-8")

    course, plans = build_fault_class(
        tmp_path_factory.mktemp("faults-files"), HEALTHY, FILE_FAULTS, prepare=plant_secret
    )
    before = lstat_fingerprint(course)
    scratch_before, intake_before = scratch_folders(), intake_folders()
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = grade_command(
            course, ASSIGNMENT, GradingOptions(workers=2, cell_timeout=10, isolation="on")
        )
    seconds = time.perf_counter() - start
    assert status == 0, err.getvalue()
    with open(course / "reports" / f"{ASSIGNMENT}-grades.csv", encoding="utf-8") as stream:
        raw_csv = stream.read()
    rows = list(csv.DictReader(io.StringIO(raw_csv)))
    after = lstat_fingerprint(course)
    return {
        "course": course,
        "plans": plans,
        "raw csv": raw_csv,
        "rows": {row["student"]: row for row in rows},
        "terminal": out.getvalue() + err.getvalue(),
        "changed": sorted(set(before.items()) ^ set(after.items())),
        "new scratch": (scratch_folders() - scratch_before) | (intake_folders() - intake_before),
        "seconds": seconds,
    }


def row_of(graded, name: str) -> dict:
    # The CSV shows a formula-like id with a leading quote (see the test on formulas).
    return graded["rows"].get(name) or graded["rows"]["'" + name]


def feedback_pages(course: Path) -> list[Path]:
    return sorted((course / "feedback").glob(f"*/{ASSIGNMENT}/*.html"))


def test_healthy_submissions_keep_their_exact_scores(graded):
    by_cell = gradebook.scores(gradebook.gradebook_url(graded["course"]), ASSIGNMENT)
    for student in HEALTHY:
        row = graded["rows"][student]
        assert row["status"] == "ok", f"expected ok for {student}, got {row}"
        expected = graded["plans"][student]["expected"]
        auto = {k: v for k, v in by_cell[student].items() if k != "reflection_interviews"}
        wanted = {k: expected.get(k, 0) for k in auto}
        assert auto == pytest.approx(wanted, abs=1e-6), f"{student}: expected {wanted}, got {auto}"


@pytest.mark.parametrize("name", sorted(FILE_FAULTS))
def test_each_fixture_gets_its_status_and_exact_score(graded, name):
    fault, row = FILE_FAULTS[name], row_of(graded, name)
    assert row["status"] == fault.status, f"expected {fault.status!r}, got {row}"
    if fault.score is None:
        assert row["score"] == "", f"expected no score, got {row}"
    else:
        assert float(row["score"]) == pytest.approx(fault.score, abs=1e-6), (
            f"expected {fault.score}, got {row}"
        )
    assert fault.says in row["detail"] + row["flags"], f"expected {fault.says!r} in {row}"


def test_nothing_outside_what_grading_writes_changed(graded):
    assert graded["changed"] == [], f"expected no change, got {graded['changed'][:10]}"
    leftovers = sorted(p.name for p in graded["course"].glob("pwned*"))
    assert leftovers == [], f"expected no file written through a link, got {leftovers}"


def test_no_process_or_scratch_folder_is_left_behind(graded):
    assert running_sandbox_processes() == [], running_sandbox_processes()
    assert graded["new scratch"] == set(), f"expected none left, got {graded['new scratch']}"


def test_no_secret_reaches_feedback_csv_report_or_terminal(graded):
    course = graded["course"]
    report = (course / "reports" / f"{ASSIGNMENT}-report.html").read_text(encoding="utf-8")
    places = {"csv": graded["raw csv"], "report": report, "terminal": graded["terminal"]}
    pages = feedback_pages(course)
    assert len(pages) >= len(HEALTHY) + 5, f"expected feedback pages, got {pages}"
    for page in pages:
        places[str(page.relative_to(course))] = page.read_text(encoding="utf-8", errors="replace")
    for where, text in places.items():
        for secret in (SECRET, *INSTRUCTOR_ONLY):
            assert secret not in text, f"expected no {secret!r} in {where}"


def test_the_kernel_got_none_of_the_refused_files(graded):
    page = graded["course"] / "feedback" / "links-to-instructor-files" / ASSIGNMENT
    text = (page / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    for name in ("data.csv", "gradebook-copy.db", "zeros.bin", "hidden", "classmate"):
        assert f"./{name}" not in text, f"expected the kernel not to see {name}"
    assert f"./{ASSIGNMENT}.answers.json" in text, "expected the kernel's listing on the page"


def test_the_learners_originals_are_kept_as_handed_in(graded):
    folder = graded["course"] / "submitted" / "special-files" / ASSIGNMENT
    assert stat.S_ISFIFO(os.lstat(folder / "pipe").st_mode), "expected the FIFO still there"
    linked = graded["course"] / "submitted" / "links-to-a-classmates-work" / ASSIGNMENT / NOTEBOOK
    assert linked.is_symlink(), "expected the learner's link left as it was"


def test_a_formula_like_student_id_is_text_in_the_csv(graded):
    row = row_of(graded, FORMULA_ID)
    assert row["student"] == "'" + FORMULA_ID, f"expected a leading quote, got {row['student']!r}"
    for row in graded["rows"].values():
        for column, value in row.items():
            assert not value.startswith(("=", "+", "-", "@")), f"{column}={value!r} is a formula"


def test_the_terminal_gets_no_control_characters_from_learner_text(graded):
    terminal = graded["terminal"]
    assert ESCAPE_ID not in terminal, "expected the id's escape sequences removed"
    for control in TERMINAL_CONTROLS:
        assert control not in terminal, f"expected no {control!r} in the terminal output"
    look = [line for line in terminal.splitlines() if line.startswith("  needs a look:")]
    assert not any(line.startswith("  needs a look: nobody") for line in look), look
    assert any("forged" in line and line.startswith("  needs a look: esc") for line in look), look


def test_feedback_pages_run_no_script(graded, chromium_path, tmp_path):
    page = graded["course"] / "feedback" / "html-and-script-outputs" / ASSIGNMENT / NOTEBOOK
    page = page.with_suffix(".html")
    html = page.read_text(encoding="utf-8")
    policy = html.find('http-equiv="Content-Security-Policy"')
    assert 0 < policy < html.find("<script"), "expected the policy before the first script"
    assert "script-src 'none'" in html, "expected scripts forbidden"
    dom = subprocess.run(
        [
            chromium_path,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert 'id="bold"' in dom, "expected the page (and the learner's HTML) rendered"
    assert "pwned" not in dom.split("</title>")[0], "expected no script to change the title"


def test_what_the_grader_copies_stays_within_its_caps(graded):
    """The grader's own work is bounded by what it takes in, not by what was handed in:
    the intake's caps hold for the copy nbgrader grades (times are printed, not asserted)."""
    from autograder.guards.files import MAX_FILES, MAX_TOTAL_BYTES

    for name in ("ten-thousand-files", "sparse-file-of-20-gib"):
        copy = graded["course"] / "autograded" / name / ASSIGNMENT
        files = [p for p in copy.rglob("*") if p.is_file() and not p.is_symlink()]
        used = sum(p.stat().st_size for p in files)
        assert len(files) <= MAX_FILES, (
            f"{name}: expected at most {MAX_FILES} files, got {len(files)}"
        )
        assert used <= MAX_TOTAL_BYTES, (
            f"{name}: expected at most {MAX_TOTAL_BYTES} bytes, got {used}"
        )
    for name in ("notebook-over-8-mib", "notebook-of-40000-cells"):
        graded_copy = graded["course"] / "autograded" / name / ASSIGNMENT / NOTEBOOK
        assert not graded_copy.exists(), f"{name}: expected the notebook not parsed or graded"
    rows = graded["rows"]
    print(f"\nclass of {len(rows)} graded in {graded['seconds']:.0f} s (2 workers)")
    for row in sorted(rows.values(), key=lambda row: row["student"]):
        print(f"  {row['seconds']:>6} s  {row['status']}: {row['detail'][:160]!r}")
