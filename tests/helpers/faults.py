"""Fixture submissions for every fault and attack in ../shared/reliability.md.

Each is a copy of a healthy hand-in of 07-job-search ("right": 16 of 16 autograded
points, or "wrong") with one thing broken, named for the behaviour. ``FAULTS`` maps the
name to how it is made and what grading must then report: the status, the exact score
(None where nbgrader cannot grade it at all), and text the detail or flags must contain.

The interview_plan cell comes late in the notebook: 13 points are earned before it, so a
fault placed there shows that everything graded before the fault is kept.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tests.helpers.course import solution_code

ASSIGNMENT = "07-job-search"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
SHEET = f"{ASSIGNMENT}.answers.json"
BEFORE_INTERVIEWS = 13  # points "right" earns before the interview_plan cell runs
RIGHT_INTERVIEWS = solution_code(ASSIGNMENT)["interview_plan"]


@dataclass
class Fault:
    """How to break a copy of a healthy hand-in, and what grading must then say."""

    make: Callable[[Path, Path], None]  # (submission folder, course folder)
    status: str
    score: float | None
    says: str = ""  # must appear in the detail or the flags
    base: str = "right"
    also: dict = field(default_factory=dict)


def _notebook(folder: Path):
    return nbformat.read(folder / NOTEBOOK, as_version=4)


def _save(folder: Path, nb) -> None:
    nbformat.write(nb, folder / NOTEBOOK)


def _cell(nb, grade_id: str):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def code_in(grade_id: str, code: str) -> Callable[[Path, Path], None]:
    """A learner who writes ``code`` in the solution cell ``grade_id``."""

    def make(folder: Path, course: Path) -> None:
        nb = _notebook(folder)
        _cell(nb, grade_id).source = code.replace("COURSE", str(course))
        _save(folder, nb)

    return make


def before_interviews(code: str) -> Callable[[Path, Path], None]:
    """``code`` at the top of the interview_plan cell, before the right function."""
    return code_in("interview_plan", code + "\n" + RIGHT_INTERVIEWS)


def edit_notebook(change: Callable) -> Callable[[Path, Path], None]:
    def make(folder: Path, course: Path) -> None:
        nb = _notebook(folder)
        change(nb)
        _save(folder, nb)

    return make


def write_file(name: str, data: bytes, remove_notebook: bool = False):
    def make(folder: Path, course: Path) -> None:
        if remove_notebook:
            (folder / NOTEBOOK).unlink()
        (folder / name).write_bytes(data)

    return make


def _edit_test_to_pass(nb) -> None:
    _cell(nb, "test_classify_move_basic").source = "pass"


def _delete_test(nb) -> None:
    nb.cells.remove(_cell(nb, "test_interview_plan_order"))


def _change_metadata(nb) -> None:
    cell = _cell(nb, "test_classify_move_basic")
    cell.metadata.nbgrader["points"] = 50
    cell.metadata.nbgrader["locked"] = False
    _cell(nb, "classify_move").metadata.nbgrader["points"] = 10
    nb.metadata.kernelspec = {"name": "python2", "display_name": "Python 2", "language": "python"}
    # A test cell turned into text, keeping its metadata: nbgrader runs it as code again.
    names = _cell(nb, "test_classify_move_names")
    as_text = nbformat.v4.new_markdown_cell(names.source, metadata=names.metadata)
    nb.cells[nb.cells.index(names)] = as_text


def _duplicate_graded_cell(nb) -> None:
    copy = nbformat.from_dict(json.loads(json.dumps(_cell(nb, "q1_2_check"))))
    copy["id"] = "learner-copy"  # JupyterLab gives a pasted cell a new cell id, not a new grade_id
    nb.cells.append(copy)


def _old_format(folder: Path, course: Path) -> None:
    nb = _notebook(folder)
    (folder / NOTEBOOK).write_text(
        nbformat.writes(nbformat.convert(nb, 3), version=3), encoding="utf-8"
    )


def _rename(folder: Path, course: Path) -> None:
    (folder / NOTEBOOK).rename(folder / "my job search.ipynb")


def _extra_notebook(folder: Path, course: Path) -> None:
    shutil.copy(folder / NOTEBOOK, folder / "scratch work.ipynb")


WRONG_CLASSIFY = "def classify_move(current, target):\n    return 'Both'\n"

FORGE_ANSWERS = """
# Forged: answers put straight into the grader's memory, not chosen in the widgets.
hw.typed.update({
    "1.2": "Role switch",
    "3.1": "The startup: there is more work than people, so help with ML tasks is welcome",
})
"""

PATCH_GRADER = """
import aicareer.assignment
aicareer.assignment.points_earned = lambda question, value, key, points, **kw: points
"""

HIDE_TRACEBACKS = """
get_ipython().showtraceback = lambda *args, **kwargs: None
"""

# Tries everything an attacker in the kernel might; every attempt must fail quietly.
REACH_OUTSIDE = """
import os, socket, sqlite3, pathlib, shutil
attempts = {}
def attempt(name, action):
    try:
        action()
        attempts[name] = "DONE"
    except Exception as error:
        attempts[name] = type(error).__name__
attempt("read gradebook", lambda: open("COURSE/gradebook.db", "rb").read())
attempt("read source", lambda: open("COURSE/source/07-job-search/07-job-search.ipynb").read())
attempt("read other", lambda: os.listdir("COURSE/submitted"))
attempt("write course", lambda: pathlib.Path("COURSE/pwned.txt").write_text("x"))
attempt("delete source", lambda: shutil.rmtree("COURSE/source"))
attempt("edit gradebook", lambda: sqlite3.connect("COURSE/gradebook.db").execute(
    "update grade_cells set max_score = 0").connection.commit())
attempt("climb up", lambda: open("../../../../gradebook.db", "rb").read())
attempt("network", lambda: socket.create_connection(("1.1.1.1", 53), timeout=3))
attempt("home", lambda: os.listdir("/root"))
attempt("secret", lambda: os.environ["AICAREER_TEST_SECRET"])
print(attempts)
"""

FILL_DISK = """
import os
try:
    with open("big.bin", "wb") as big:
        for _ in range(10_000):
            big.write(b"x" * (1 << 20))
except OSError as error:
    print("disk write stopped:", type(error).__name__)
"""

SPREAD_MEMORY = """
import os, time
for _ in range(4):
    if os.fork() == 0:
        block = b"x" * 700_000_000
        time.sleep(60)
        os._exit(0)
time.sleep(60)
"""

IGNORE_INTERRUPT = """
while True:
    try:
        while True:
            pass
    except KeyboardInterrupt:
        pass
"""

FAULTS: dict[str, Fault] = {
    # --- test integrity
    "test-edited-to-pass": Fault(edit_notebook(_edit_test_to_pass), "ok", 0, base="wrong"),
    "test-deleted": Fault(edit_notebook(_delete_test), "ok", 0, base="wrong"),
    "metadata-changed": Fault(edit_notebook(_change_metadata), "ok", 16),
    "graded-cell-duplicated": Fault(edit_notebook(_duplicate_graded_cell), "ok", 16),
    "tracebacks-hidden": Fault(
        code_in("classify_move", HIDE_TRACEBACKS + "def classify_move(a, b):\n    return 'Both'"),
        # The trusted probe's canary must show its error: hiding tracebacks hides it too.
        "tampered",
        0,
        says="showtraceback",
        base="wrong",
    ),
    # Both come before the widget checks; "wrong" chose wrong answers in every widget.
    "grader-patched": Fault(
        code_in("classify_move", PATCH_GRADER + WRONG_CLASSIFY),
        "tampered",
        # Widget points come from the handed-in sheet (all wrong), and a kernel whose
        # canary failed has its code tests set to 0 for a person to grade.
        0,
        says="aicareer",
        base="wrong",
    ),
    "answers-forged-in-memory": Fault(
        code_in("classify_move", FORGE_ANSWERS + WRONG_CLASSIFY),
        "tampered",
        0,
        says="1.2",
        base="wrong",
    ),
    # --- isolation
    "reaches-outside": Fault(before_interviews(REACH_OUTSIDE), "ok", 16, says="outside"),
    "fills-disk": Fault(before_interviews(FILL_DISK), "ok", 16),
    # --- resources
    "endless-loop-ignores-interrupt": Fault(
        before_interviews(IGNORE_INTERRUPT), "timeout", BEFORE_INTERVIEWS, says="interrupt"
    ),
    "floods-lines": Fault(
        before_interviews("print('\\n'.join(map(str, range(1_000_000))))"),
        "ok",
        16,
        says="output cut",
    ),
    "floods-one-huge-line": Fault(
        before_interviews("print('x' * 30_000_000)"), "ok", 16, says="output cut"
    ),
    "memory-bomb": Fault(
        before_interviews("blocks = []\nwhile True:\n    blocks.append(bytearray(200_000_000))"),
        "memory limit",
        BEFORE_INTERVIEWS,
    ),
    # Each process stays under its own limit; together they do not.
    "memory-bomb-across-processes": Fault(
        before_interviews(SPREAD_MEMORY), "kernel died", BEFORE_INTERVIEWS, says="memory limit"
    ),
    "fork-bomb": Fault(
        before_interviews("import os\nwhile True:\n    os.fork()"),
        "kernel died",
        BEFORE_INTERVIEWS,
        says="process limit",
    ),
    "leaves-processes-running": Fault(
        before_interviews(
            "import subprocess, threading, time\n"
            "subprocess.Popen(['sleep', '3600'])\n"
            "threading.Thread(target=time.sleep, args=(3600,)).start()"
        ),
        "ok",
        16,
    ),
    "exits-with-os-exit": Fault(
        before_interviews("import os\nos._exit(3)"), "kernel died", BEFORE_INTERVIEWS
    ),
    "segfault": Fault(
        before_interviews("import ctypes\nctypes.string_at(0)"), "kernel died", BEFORE_INTERVIEWS
    ),
    "raises-system-exit": Fault(
        before_interviews("raise SystemExit(1)"), "exited", BEFORE_INTERVIEWS
    ),
    "asks-for-input": Fault(
        before_interviews("name = input('Your name? ')"), "asked for input", BEFORE_INTERVIEWS
    ),
    # --- malformed input
    "notebook-empty": Fault(write_file(NOTEBOOK, b""), "unreadable", None),
    "notebook-not-utf8": Fault(write_file(NOTEBOOK, b'{"cells": "\xff\xfe"}'), "unreadable", None),
    "notebook-not-json": Fault(
        write_file(NOTEBOOK, b"my answers are in the email"), "unreadable", None
    ),
    "notebook-old-format": Fault(_old_format, "ok", 16),
    "notebook-renamed": Fault(_rename, "missing notebook", None, says="07-job-search.ipynb"),
    "notebook-extra": Fault(_extra_notebook, "ok", 16),
    "sheet-not-json": Fault(write_file(SHEET, b"{not json"), "missing answers", 10, says=SHEET),
    "sheet-newer-schema": Fault(
        write_file(
            SHEET,
            json.dumps(
                {
                    "format": "aicareer-answers",
                    "version": 99,
                    "assignment": ASSIGNMENT,
                    "answers": {},
                }
            ).encode(),
        ),
        "missing answers",
        10,
        says="version",
    ),
}
