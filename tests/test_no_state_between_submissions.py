"""Nothing passes from one graded submission to the next in the same grading worker.

One worker process grades, in student order and in sandboxes, a "leaver" that leaves
traces of every kind (tests/helpers/state_fixtures.py), then a "checker" that looks for
them, two submissions that print their first unseeded random draws, and last a
"self-check" that leaves the traces and looks for them in a later cell of the same
notebook (so the checker is shown to find what is there). The class is graded once with
kernels forked from a warm template and once with kernels started cold.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import gradebook
from autograder.grading.engine import grade, local_pool
from autograder.options import GradingOptions
from autograder.sandbox import isolation_problem
from tests.helpers.faults import ASSIGNMENT
from tests.helpers.state_fixtures import (
    CHECK_BROKEN,
    CHECKED,
    DRAWS,
    FIRST_CELL,
    FOUND,
    LATER_CELL,
    LEFT,
    TRACES,
    Marker,
    build_state_class,
    checker_code,
    draws_code,
    host_traces,
    leaver_code,
    printed_by,
    traces_said,
)

pytestmark = pytest.mark.slow

# Student ids sort in the order the one worker must grade them.
LEAVER, CHECKER, FIRST_DRAWS, SECOND_DRAWS, SELF_CHECK = (
    "a-leaver",
    "b-checker",
    "c-first-draws",
    "d-second-draws",
    "e-self-check",
)
STUDENT_ORDER = [LEAVER, CHECKER, FIRST_DRAWS, SECOND_DRAWS, SELF_CHECK]
HEALTHY_POINTS = 16  # what the "right" hand-in earns, which every fixture copies
HAND_GRADED = "reflection_interviews"
IPC_CREATE, IPC_REMOVE = 0o1000, 0  # IPC_CREAT and IPC_RMID, from <sys/ipc.h>


@pytest.fixture(scope="module")
def handed_in(tmp_path_factory, sandbox_available):
    """The fixture class, built once; each grading mode grades a copy of it."""
    leaver, self_check = Marker.new("leaver"), Marker.new("self_check")
    fixtures = {
        LEAVER: {FIRST_CELL: leaver_code(leaver)},
        CHECKER: {FIRST_CELL: checker_code(leaver)},
        FIRST_DRAWS: {FIRST_CELL: draws_code()},
        SECOND_DRAWS: {FIRST_CELL: draws_code()},
        SELF_CHECK: {FIRST_CELL: leaver_code(self_check), LATER_CELL: checker_code(self_check)},
    }
    course = build_state_class(tmp_path_factory.mktemp("state-class"), fixtures)
    return {"course": course, "markers": [leaver, self_check]}


@pytest.fixture(scope="module", params=[True, False], ids=["warm-kernels", "cold-kernels"])
def graded(request, handed_in, tmp_path_factory):
    """The class graded by one worker process, with warm or cold kernels."""
    course = tmp_path_factory.mktemp("graded") / "course"
    shutil.copytree(handed_in["course"], course)
    options = GradingOptions(
        workers=1, feedback=False, isolation="on", warm_kernels=request.param, progress=False
    )
    # The engine's own pool, passed in so that its one process can be asked its id.
    pool = local_pool(course, options, isolation_problem())
    finished = []
    try:
        worker_before = pool.submit(os.getpid).result()
        outcomes = grade(
            course, ASSIGNMENT, options, pool, lambda outcome, total: finished.append(outcome)
        )
        worker_after = pool.submit(os.getpid).result()
    finally:
        pool.shutdown()
    return {
        "course": course,
        "markers": handed_in["markers"],
        "outcomes": {o.submission.student: o for o in outcomes},
        "finished": [o.submission.student for o in finished],
        "workers": (worker_before, worker_after),
    }


def test_one_worker_process_grades_every_submission_in_student_order(graded):
    before, after = graded["workers"]
    assert before == after, f"expected one worker process throughout, got {before} then {after}"
    assert graded["finished"] == STUDENT_ORDER, (
        f"expected grading in the order {STUDENT_ORDER}, got {graded['finished']}"
    )


def test_the_leaver_leaves_every_kind_of_trace(graded):
    lines = printed_by(graded["course"], LEAVER, FIRST_CELL)
    assert traces_said(lines, LEFT) == set(TRACES), (
        f"expected every trace left, got these lines: {lines}"
    )


def test_a_notebook_that_leaves_traces_finds_every_one_in_a_later_cell(graded):
    lines = printed_by(graded["course"], SELF_CHECK, LATER_CELL)
    assert traces_said(lines, FOUND) == set(TRACES), (
        f"expected the checker to find all of {TRACES}, got these lines: {lines}"
    )
    assert CHECKED.format(len(TRACES)) in lines, f"expected the check to finish, got {lines}"


def test_the_submission_graded_next_finds_nothing_the_leaver_left(graded):
    lines = printed_by(graded["course"], CHECKER, FIRST_CELL)
    assert traces_said(lines, FOUND) == set(), f"expected no trace left over, got {lines}"
    assert traces_said(lines, CHECK_BROKEN) == set(), f"expected every check to run, got {lines}"
    assert CHECKED.format(len(TRACES)) in lines, f"expected the check to finish, got {lines}"


def test_every_fixture_keeps_its_healthy_score_and_status_ok(graded):
    by_cell = gradebook.scores(gradebook.gradebook_url(graded["course"]), ASSIGNMENT)
    for student in STUDENT_ORDER:
        outcome = graded["outcomes"][student]
        assert outcome.status == "ok", f"{student}: expected status ok, got {outcome}"
        points = sum(v for cell, v in by_cell[student].items() if cell != HAND_GRADED)
        assert points == pytest.approx(HEALTHY_POINTS), (
            f"{student}: expected {HEALTHY_POINTS} points, got {by_cell[student]}"
        )


def test_nothing_the_kernels_left_is_on_the_host_after_grading(graded):
    found = host_traces(graded["markers"], graded["course"])
    assert found == [], f"expected no trace of a leaver on the host, got {found}"


def test_each_kernel_draws_its_own_unseeded_random_numbers(graded):
    draws = {}
    for student in (FIRST_DRAWS, SECOND_DRAWS):
        lines = printed_by(graded["course"], student, FIRST_CELL)
        said = [line.split()[1:] for line in lines if line.startswith(DRAWS)]
        assert len(said) == 1, f"{student}: expected one line of draws, got {lines}"
        draws[student] = said[0]
    (python_1, numpy_1), (python_2, numpy_2) = draws[FIRST_DRAWS], draws[SECOND_DRAWS]
    assert python_1 != python_2, f"expected random.random() to differ, got {draws}"
    assert numpy_1 != numpy_2, f"expected numpy.random.random() to differ, got {draws}"


def test_the_host_check_finds_traces_named_with_a_marker(tmp_path):
    """The host-side check can fail: traces of each kind made on the host are found."""
    marker = Marker.new("host")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmget.argtypes = (ctypes.c_int, ctypes.c_size_t, ctypes.c_int)
    libc.shmctl.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_void_p)
    course = tmp_path / "course"
    course.mkdir()
    files = [Path("/tmp") / marker.text, course / marker.text]
    if Path("/dev/shm").is_dir():
        files.append(Path("/dev/shm") / marker.text)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", marker.text])
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    segment = libc.shmget(marker.sysv_key, 4096, IPC_CREATE | 0o600)
    try:
        listener.bind("\0" + marker.text)
        for path in files:
            path.write_text(marker.text)
        found = host_traces([marker], course)
    finally:
        sleeper.kill()
        sleeper.wait()
        listener.close()
        for path in files:
            path.unlink(missing_ok=True)
        if segment >= 0:
            libc.shmctl(segment, IPC_REMOVE, None)
    assert segment >= 0, f"expected a SysV segment made on the host, got errno {ctypes.get_errno()}"
    kinds = sorted(trace.split()[0] for trace in found)
    expected = sorted(["process", "abstract", "SysV", *["file"] * len(files)])
    assert kinds == expected, f"expected {expected} found on the host, got {found}"
