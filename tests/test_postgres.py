"""The gradebook can live in PostgreSQL: ``grade --db postgresql+psycopg://...`` grades a
class into a real PostgreSQL server, with the same scores as SQLite, and writes no
``gradebook.db`` into the course.

A throwaway server is started from Debian's ``postgresql`` package, listening only on a
Unix socket in a temporary folder.
"""

import csv
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from autograder import gradebook
from autograder.cli import grade_command
from autograder.options import GradingOptions
from tests.helpers.course import hand_in, make_course, nbgrader
from tests.helpers.students import STUDENTS

pytestmark = pytest.mark.slow
ASSIGNMENT = "07-job-search"


def _as_server_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; Debian's package brings a 'postgres' user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def postgres_url():
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not binaries:
        if os.environ.get("CI") == "true":
            pytest.fail("Under CI the PostgreSQL test must run: install Debian's 'postgresql'.")
        pytest.skip("PostgreSQL server not installed (Debian: apt-get install postgresql)")
    bin_dir = Path(binaries[-1])
    folder = Path(tempfile.mkdtemp(prefix="aicareer-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    run = lambda *command: subprocess.run(  # noqa: E731
        _as_server_user([str(c) for c in command]), check=True, capture_output=True, text=True
    )
    run(bin_dir / "initdb", "-D", data, "-A", "trust", "-U", "grader")
    run(
        bin_dir / "pg_ctl",
        "-D",
        data,
        "-o",
        f"-k {folder} -c listen_addresses=''",
        "-l",
        folder / "server.log",
        "-w",
        "start",
    )
    try:
        run(bin_dir / "createdb", "-h", folder, "-U", "grader", "course")
        yield f"postgresql+psycopg://grader@/course?host={folder}"
    finally:
        run(bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_a_class_is_graded_into_postgresql(tmp_path, postgres_url, capsys):
    course = make_course(tmp_path)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force", f"--db={postgres_url}")
    plans = STUDENTS[ASSIGNMENT]()
    for student in ("right", "partial"):
        hand_in(course, ASSIGNMENT, student, plans[student])
    assert grade_command(course, ASSIGNMENT, GradingOptions(workers=2, db_url=postgres_url)) == 0
    rows = {
        r["student"]: r
        for r in csv.DictReader(open(course / "reports" / f"{ASSIGNMENT}-grades.csv"))
    }
    by_cell = gradebook.scores(postgres_url, ASSIGNMENT)
    for student in ("right", "partial"):
        assert rows[student]["status"] == "ok"
        expected = plans[student]["expected"]
        auto = {k: v for k, v in by_cell[student].items() if k != "reflection_interviews"}
        assert auto == pytest.approx({k: expected.get(k, 0) for k in auto}, abs=1e-6)
    assert float(rows["right"]["score"]) == 16
    assert not (course / "gradebook.db").exists(), "nothing went to SQLite"
    assert (course / "feedback" / "partial" / ASSIGNMENT / f"{ASSIGNMENT}.html").exists()
