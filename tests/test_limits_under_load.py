"""The sandbox's limits hold on a busy machine, and what a kernel writes on the host is capped.

One small class (two healthy hand-ins, the memory and process bombs of ``faults.py`` and the
socket-folder writers of ``faults_load.py``) is graded two kernels at a time while two
processes of this test spin on the CPU, as another grader's work would. Every fault must
still end with its exact status and score; while grading, a watcher samples every kernel's
socket folder on the host to find the most it ever held.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from autograder.cli import grade_command
from autograder.options import GradingOptions
from autograder.sandbox.boot import IPC_MOST_BYTES, IPC_MOST_ENTRIES
from tests.helpers.fault_class import build_fault_class
from tests.helpers.faults import ASSIGNMENT, FAULTS
from tests.helpers.faults_load import IPC_FAULTS, SUPERVISOR_FAULTS
from tests.helpers.own_processes import own_temp_folder, processes_naming, scratch_folders_in

pytestmark = pytest.mark.slow
HEALTHY = ("right", "wrong")
BOMBS = ("memory-bomb", "memory-bomb-across-processes", "fork-bomb")
LOAD_FAULTS = {**{name: FAULTS[name] for name in BOMBS}, **IPC_FAULTS, **SUPERVISOR_FAULTS}
CPU_HOGS = 2  # one per core of the machine this was measured on
# No fault here is meant to end as a timeout, and healthy cells take well under a second;
# on a loaded machine a bomb may take many seconds to reach its limit.
LOADED_CELL_TIMEOUT = 90
# What a kernel can write before its supervisor stops it: one file is held to RLIMIT_FSIZE
# (64 MiB); files are made at up to ~10,000 a second, and under a load average of 5 the
# supervisor was seen to react after up to 204 entries. Without the cap the fixtures
# write 100,000 files or 10 GiB.
MOST_OVERSHOOT_BYTES = 64 << 20
MOST_OVERSHOOT_ENTRIES = 1000


@contextmanager
def cpu_hogs(count: int):
    """``count`` processes that keep a core busy each until the block ends."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield hogs
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def _folder_use(folder: Path) -> tuple[int, int]:
    """(entries, bytes on disk) under ``folder``, links not followed."""
    entries = used = 0
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            try:
                info = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            entries += 1
            used += info.st_blocks * 512
    return entries, used


class SocketFolderWatcher(threading.Thread):
    """Samples every kernel socket folder under ``temp`` and keeps the largest seen."""

    def __init__(self, temp: Path):
        super().__init__(daemon=True)
        self.temp = temp
        self.most_entries = self.most_bytes = 0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(0.005):
            for ipc in self.temp.glob("aicareer-grade-*/ipc"):
                entries, used = _folder_use(ipc)
                self.most_entries = max(self.most_entries, entries)
                self.most_bytes = max(self.most_bytes, used)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, sandbox_available):
    course, plans = build_fault_class(tmp_path_factory.mktemp("load"), HEALTHY, LOAD_FAULTS)
    with own_temp_folder() as temp, cpu_hogs(CPU_HOGS) as hogs:
        watcher = SocketFolderWatcher(temp)
        watcher.start()
        try:
            code = grade_command(
                course,
                ASSIGNMENT,
                GradingOptions(workers=2, cell_timeout=LOADED_CELL_TIMEOUT, isolation="on"),
            )
        finally:
            watcher.stopping.set()
            watcher.join()
        hogs_ran_throughout = all(hog.poll() is None for hog in hogs)
        leftovers = processes_naming(temp)
        scratch = scratch_folders_in(temp)
    rows = list(csv.DictReader(open(course / "reports" / f"{ASSIGNMENT}-grades.csv")))
    return {
        "code": code,
        "plans": plans,
        "rows": {row["student"]: row for row in rows},
        "hogs ran throughout": hogs_ran_throughout,
        "most entries": watcher.most_entries,
        "most bytes": watcher.most_bytes,
        "leftovers": leftovers,
        "scratch": scratch,
    }


def test_the_class_is_graded_while_the_cores_are_busy(graded):
    assert graded["code"] == 0, f"expected the grade command to succeed, got {graded['code']}"
    assert graded["hogs ran throughout"], "expected the CPU hogs to run for the whole grading"
    assert set(graded["rows"]) == {*HEALTHY, *LOAD_FAULTS}, sorted(graded["rows"])


def test_healthy_submissions_keep_their_scores_under_load(graded):
    for student in HEALTHY:
        row = graded["rows"][student]
        cells = graded["plans"][student]["expected"]
        expected = sum(v for k, v in cells.items() if k != "reflection_interviews")
        got = (row["status"], float(row["score"]))
        assert got == ("ok", pytest.approx(expected)), (
            f"{student}: expected ok, {expected}; got {row}"
        )


@pytest.mark.parametrize("name", sorted(LOAD_FAULTS))
def test_each_limit_stops_its_fault_under_load_with_the_exact_status(graded, name):
    fault, row = LOAD_FAULTS[name], graded["rows"][name]
    assert row["status"] == fault.status, f"{name}: expected status {fault.status!r}, got {row}"
    assert float(row["score"]) == pytest.approx(fault.score), (
        f"{name}: expected score {fault.score}, got {row['score']}"
    )
    assert fault.says in row["detail"] + row["flags"], (
        f"{name}: expected the detail to say {fault.says!r}, got {row['detail']!r}"
    )


def test_the_host_socket_folder_stays_within_its_cap(graded):
    most_entries = IPC_MOST_ENTRIES + MOST_OVERSHOOT_ENTRIES
    assert graded["most entries"] <= most_entries, (
        f"expected at most {most_entries} entries in a socket folder on the host "
        f"(cap {IPC_MOST_ENTRIES}), saw {graded['most entries']}"
    )
    most = IPC_MOST_BYTES + MOST_OVERSHOOT_BYTES
    assert graded["most bytes"] <= most, (
        f"expected at most {most} bytes in a socket folder on the host, saw {graded['most bytes']}"
    )


def test_no_process_or_scratch_folder_of_this_run_is_left(graded):
    assert graded["leftovers"] == [], f"expected no process left, got {graded['leftovers']}"
    assert graded["scratch"] == set(), f"expected no scratch folder left, got {graded['scratch']}"
