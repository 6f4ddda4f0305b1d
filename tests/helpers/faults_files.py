"""Fixture submissions for links, special files, caps, kernel-written files and learner text
(issue 17, sections 1, 2, 4 and 5), built like ``faults.py``'s: a copy of a healthy hand-in
of 07-job-search with one thing changed, named for the behaviour, and what grading must
then report.

Many of them also run :data:`SHOW_EVERYTHING` in the kernel: it prints the first bytes of
every file the kernel was given, so that anything followed through a link would reach the
feedback page, where the tests look for it.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
from pathlib import Path

import nbformat

from tests.helpers.faults import (
    ASSIGNMENT,
    BEFORE_INTERVIEWS,
    NOTEBOOK,
    SHEET,
    Fault,
    before_interviews,
    edit_notebook,
)

SECRET_FILE = "instructor-secret.txt"
SECRET = "TOKEN-7f3a-the-instructors-secret"
# Text only the instructor's copies hold (source/, gradebook.db), never a feedback page.
INSTRUCTOR_ONLY = ("BEGIN HIDDEN TESTS", "SQLite format 3")

SHOW_EVERYTHING = """
import os
for top, folders, files in os.walk("."):
    for name in sorted(files):
        path = os.path.join(top, name)
        try:
            with open(path, "rb") as handle:
                print(path, handle.read(300))
        except Exception as error:
            print(path, type(error).__name__)
"""

# The kernel finds its ipc folder (bound into the sandbox at the host's path) from its
# connection file, and leaves behind what the grader reads there after it dies.
IPC_FOLDER = """
import os, sys
try:
    from ipykernel.connect import get_connection_file
    ipc = os.path.dirname(get_connection_file())
except Exception:
    ipc = os.path.dirname(sys.argv[sys.argv.index("-f") + 1])
def replace(name, make):
    path = os.path.join(ipc, name)
    try:
        os.unlink(path)
    except OSError:
        pass
    make(path)
"""

LINKS_IN_IPC = (
    IPC_FOLDER
    + """
replace("limit-note.txt", lambda p: os.symlink("COURSE/instructor-secret.txt", p))
replace("kernel.json", lambda p: os.symlink("COURSE/instructor-secret.txt", p))
replace("k-1", lambda p: os.symlink("COURSE/pwned-through-ipc", p))
os._exit(1)
"""
)

FIFOS_IN_IPC = (
    IPC_FOLDER
    + """
replace("limit-note.txt", os.mkfifo)
replace("kernel.json", os.mkfifo)
replace("k-2", os.mkdir)
os._exit(1)
"""
)

SCRIPT_OUTPUTS = """
from IPython.display import HTML, Javascript, display
display(HTML('<script>document.title = "pwned by html"</script><b id="bold">bold</b>'))
display(Javascript('document.title = "pwned by javascript"'))
"""

# An error whose message a terminal would obey: a clipboard write, a line clear, a
# right-to-left override and a forged line; it reads as a timeout, so it is printed.
ESCAPING_ERROR = (
    "raise RuntimeError('Cell execution timed out \\x1b]52;c;cHduZWQ=\\x07\\x1b[2K"
    "\\u202eforged\\r\\n  needs a look: nobody: ok ()')\n"
)

FORMULA_ID = '=HYPERLINK("evil.example","click")'
ESCAPE_ID = "esc\x1b]0;pwned title\x07\x1b[2Kname\u202e"


def _links_to_instructor_files(folder: Path, course: Path) -> None:
    (folder / "data.csv").symlink_to(course / SECRET_FILE)
    (folder / "gradebook-copy.db").symlink_to(Path("..", "..", "..", "gradebook.db"))
    (folder / "hidden").symlink_to(course / "source" / ASSIGNMENT, target_is_directory=True)
    (folder / "classmate").symlink_to(Path("..", "..", "right"), target_is_directory=True)
    (folder / "zeros.bin").symlink_to("/dev/zero")
    before_interviews(SHOW_EVERYTHING)(folder, course)


def _blank_with_links_to_classmate(folder: Path, course: Path) -> None:
    classmate = course / "submitted" / "right" / ASSIGNMENT
    for name in (NOTEBOOK, SHEET):
        (folder / name).unlink()
        (folder / name).symlink_to(Path("..", "..", "right", ASSIGNMENT, name))
    assert (folder / NOTEBOOK).resolve() == (classmate / NOTEBOOK).resolve()


def _student_folder_is_a_link(folder: Path, course: Path) -> None:
    shutil.rmtree(folder.parent)
    folder.parent.symlink_to(course / "submitted" / "right", target_is_directory=True)


def _hard_link_to_secret(folder: Path, course: Path) -> None:
    os.link(course / SECRET_FILE, folder / "notes.txt")
    before_interviews(SHOW_EVERYTHING)(folder, course)


def _special_files(folder: Path, course: Path) -> None:
    os.mkfifo(folder / "pipe")
    here = os.getcwd()
    os.chdir(folder)  # a socket's path may be at most 107 bytes: bind it by its name
    try:
        with socket.socket(socket.AF_UNIX) as listener:
            listener.bind("socket")
    finally:
        os.chdir(here)
    if os.geteuid() == 0:  # only root may make a device node; /dev/zero's numbers
        os.mknod(folder / "zeros", stat.S_IFCHR | 0o644, os.makedev(1, 5))
    before_interviews(SHOW_EVERYTHING)(folder, course)


def _sparse_file(folder: Path, course: Path) -> None:
    with open(folder / "huge.bin", "wb") as huge:
        huge.truncate(20 * 2**30)  # 20 GiB that take no disk until copied


def _many_files(folder: Path, course: Path) -> None:
    many = folder / "many"
    many.mkdir()
    for number in range(10_000):
        (many / f"{number:05}.txt").write_bytes(b"x")


def _pad_notebook(nb) -> None:
    nb.cells.append(nbformat.v4.new_markdown_cell("padding " * (9 * 2**20 // 8)))


def _many_cells(nb) -> None:
    nb.cells.extend(nbformat.v4.new_code_cell(f"x{n} = {n}") for n in range(40_000))


FILE_FAULTS: dict[str, Fault] = {
    # --- links and special files (section 1)
    "links-to-instructor-files": Fault(
        _links_to_instructor_files, "refused files", 16, says="data.csv: a symbolic link"
    ),
    "links-to-a-classmates-work": Fault(
        _blank_with_links_to_classmate, "missing notebook", None, says="a symbolic link"
    ),
    "student-folder-is-a-link": Fault(
        _student_folder_is_a_link, "missing notebook", None, says="a symbolic link"
    ),
    "hard-link-to-a-secret": Fault(_hard_link_to_secret, "refused files", 16, says="hard link"),
    "special-files": Fault(_special_files, "refused files", 16, says="pipe: a FIFO"),
    # --- caps on the grader's own work (section 4)
    "sparse-file-of-20-gib": Fault(_sparse_file, "too large", 16, says="huge.bin"),
    "ten-thousand-files": Fault(_many_files, "too large", 16, says="files past the 200"),
    "notebook-over-8-mib": Fault(
        edit_notebook(_pad_notebook), "notebook too large", None, says="8.0 MiB"
    ),
    "notebook-of-40000-cells": Fault(
        edit_notebook(_many_cells), "notebook too large", None, says="40,033 cells"
    ),
    # --- files the kernel writes and the grader reads (section 2)
    "kernel-leaves-links-in-ipc": Fault(
        before_interviews(LINKS_IN_IPC), "kernel died", BEFORE_INTERVIEWS
    ),
    "kernel-leaves-fifos-in-ipc": Fault(
        before_interviews(FIFOS_IN_IPC), "kernel died", BEFORE_INTERVIEWS
    ),
    # --- learner text (section 5)
    "html-and-script-outputs": Fault(before_interviews(SCRIPT_OUTPUTS), "ok", 16),
    FORMULA_ID: Fault(lambda folder, course: None, "ok", 16),
    ESCAPE_ID: Fault(
        before_interviews(ESCAPING_ERROR), "timeout", BEFORE_INTERVIEWS, says="forged"
    ),
}
