"""Grading on a Dask cluster: a small class graded by the local pool, then again by a
``distributed.LocalCluster`` of two worker processes started in another folder, into the
same PostgreSQL gradebook. The cluster's run loses a worker (killed as the first result
arrives) and must still give the same scores, statuses, graded notebooks and feedback
pages as the local pool, each submission written and reported exactly once, and without a
worker ever opening a file of the course.
"""

import difflib
import json
import os
import re
import shutil
import signal
import sys
from pathlib import Path

import pytest

from autograder import gradebook
from autograder.cli import grade_command
from autograder.grading.class_grades import grade_class
from autograder.grading.cluster import (
    ClusterExecutor,
    ClusterRefused,
    GradedSubmission,
    write_results,
)
from autograder.grading.outcomes import Outcome, Submission
from autograder.options import GradingOptions
from tests.helpers.course import hand_in, make_course, nbgrader
from tests.helpers.students import STUDENTS
from tests.test_postgres import postgres_url  # noqa: F401  (the PostgreSQL server, by import)

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow
ASSIGNMENT = "07-job-search"
HANDED_IN = ("right", "partial", "wrong", "blank")
LINKED = "linked"  # partial's hand-in plus a link, refused by the intake


def graded_files(course: Path) -> dict[str, bytes]:
    """Every file below ``autograded/`` and ``feedback/``, by path, as bytes."""
    files = {}
    for kind in ("autograded", "feedback"):
        for path in sorted((course / kind).rglob("*")):
            if path.is_file():
                files[str(path.relative_to(course))] = path.read_bytes()
    return files


def same_run(data: bytes) -> bytes:
    """A graded file as two gradings of the same hand-in agree on it: a notebook without
    the clock times nbclient records per cell and the random ids of widget models
    (a feedback page shows neither, and is compared as it is)."""
    try:
        nb = json.loads(data)
    except ValueError:
        return data
    if not isinstance(nb, dict) or "cells" not in nb:
        return data
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)
    text = json.dumps(nb, indent=1, sort_keys=True)
    return re.sub(r'"model_id": "[0-9a-f]{32}"', '"model_id": ""', text).encode()


def comparable(rows: list[dict]) -> dict[str, dict]:
    """The grade rows by student, without the seconds each took."""
    return {row["student"]: {k: v for k, v in row.items() if k != "seconds"} for row in rows}


@pytest.fixture(scope="module")
def class_course(tmp_path_factory, postgres_url):  # noqa: F811
    """A released course whose gradebook is in PostgreSQL, with five hand-ins."""
    course = make_course(tmp_path_factory.mktemp("cluster"))
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force", f"--db={postgres_url}")
    plans = STUDENTS[ASSIGNMENT]()
    for student in HANDED_IN:
        hand_in(course, ASSIGNMENT, student, plans[student])
    linked = course / "submitted" / LINKED / ASSIGNMENT
    shutil.copytree(course / "submitted" / "partial" / ASSIGNMENT, linked)
    (linked / "notes.txt").symlink_to("/etc/hostname")
    return course


@pytest.fixture(scope="module")
def local(class_course, postgres_url, sandbox_available):  # noqa: F811
    """The class graded by the local pool: rows, scores per cell and files; then the
    graded folders are removed so that the cluster's run writes them afresh."""
    options = GradingOptions(workers=2, db_url=postgres_url, scheduler=None)
    result = grade_class(class_course, ASSIGNMENT, options)
    found = {
        "rows": comparable(result.rows),
        "scores": gradebook.scores(postgres_url, ASSIGNMENT),
        "files": graded_files(class_course),
    }
    for kind in ("autograded", "feedback", "reports"):
        shutil.rmtree(class_course / kind)
    return found


class CourseAccessAudit(distributed.WorkerPlugin):
    """Records, in each worker process, every file or folder of the course it opens, lists
    or enters (Python's audit events), including in workers started after a kill."""

    def __init__(self, course: str):
        self.course = course

    def setup(self, worker):
        seen = worker.aicareer_course_access = []
        course = self.course

        def audit(event, args):
            if event in ("open", "os.listdir", "os.scandir", "os.chdir") and args:
                target = args[0]
                if isinstance(target, (str, bytes, os.PathLike)):
                    path = os.fsdecode(target)
                    if path == course or path.startswith(course + os.sep):
                        seen.append(f"{event} {path}")

        sys.addaudithook(audit)


@pytest.fixture(scope="module")
def on_cluster(class_course, postgres_url, local, tmp_path_factory):  # noqa: F811
    """The same class graded on a LocalCluster of two worker processes whose folder is
    elsewhere; one worker is killed while it grades, as the first result arrives."""
    import cloudpickle

    elsewhere = tmp_path_factory.mktemp("elsewhere")
    here = os.getcwd()
    os.chdir(elsewhere)  # the worker processes start here, not in the course
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        local_directory=str(elsewhere),
    )
    client = distributed.Client(cluster)
    os.chdir(here)
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        client.register_plugin(CourseAccessAudit(str(class_course)))
        folders = client.run(os.getcwd)
        options = GradingOptions(db_url=postgres_url, scheduler=None)
        executor = ClusterExecutor(class_course, options, client=client)
        reported, killed = [], {}

        def kill_a_busy_worker(outcome, total):
            reported.append(outcome.submission.student)
            if killed:
                return
            busy = {w: keys for w, keys in client.processing().items() if keys}
            worker, keys = sorted(busy.items())[0]
            killed["pid"] = client.run(os.getpid, workers=[worker])[worker]
            killed["lost"] = [executor.keys[k] for k in keys if k in executor.keys]
            os.kill(killed["pid"], signal.SIGKILL)

        result = grade_class(class_course, ASSIGNMENT, options, executor, kill_a_busy_worker)
        executor.shutdown()
        client.wait_for_workers(2, timeout=60)
        access = client.run(lambda dask_worker: dask_worker.aicareer_course_access)
        yield {
            "rows": comparable(result.rows),
            "scores": gradebook.scores(postgres_url, ASSIGNMENT),
            "files": graded_files(class_course),
            "folders": folders,
            "elsewhere": str(elsewhere),
            "executor": executor,
            "reported": reported,
            "killed": killed,
            "access": access,
        }
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
        client.close()
        cluster.close()


def test_the_workers_started_outside_the_course(on_cluster):
    folders = set(on_cluster["folders"].values())
    assert folders == {on_cluster["elsewhere"]}, (
        f"expected both workers to start in {on_cluster['elsewhere']}, got {folders}"
    )


def test_the_cluster_gives_the_local_pools_scores_and_statuses(local, on_cluster):
    assert on_cluster["rows"] == local["rows"], (
        f"expected the local pool's rows {local['rows']}, got {on_cluster['rows']}"
    )
    assert on_cluster["scores"] == local["scores"], (
        f"expected the local pool's scores per cell {local['scores']}, got {on_cluster['scores']}"
    )
    statuses = {s: row["status"] for s, row in on_cluster["rows"].items()}
    assert statuses[LINKED] == "refused files", (
        f"expected the intake's refusal of a link to reach the status, got {statuses}"
    )
    assert statuses["right"] == "ok", f"expected 'right' to be ok, got {statuses}"


def test_the_cluster_writes_the_same_graded_notebooks_and_feedback(local, on_cluster):
    expected, got = local["files"], on_cluster["files"]
    assert sorted(got) == sorted(expected), (
        f"expected the files {sorted(expected)}, got {sorted(got)}"
    )
    differing = [path for path in expected if same_run(got[path]) != same_run(expected[path])]
    first = differing[0] if differing else None
    shown = (
        "".join(
            difflib.unified_diff(
                same_run(expected[first]).decode(errors="replace").splitlines(True),
                same_run(got[first]).decode(errors="replace").splitlines(True),
                "local pool",
                "cluster",
                n=2,
            )
        )[:3000]
        if first
        else ""
    )
    assert not differing, f"expected identical files, but these differ: {differing}\n{shown}"
    feedback = [p for p in got if p.startswith("feedback/") and p.endswith(".html")]
    assert len(feedback) == len(HANDED_IN) + 1, (
        f"expected a feedback page per hand-in, got {feedback}"
    )


def test_a_killed_worker_loses_nothing_and_nothing_is_graded_twice(on_cluster):
    executor, killed = on_cluster["executor"], on_cluster["killed"]
    students = {*HANDED_IN, LINKED}
    assert killed.get("lost"), f"expected the killed worker to be grading something, got {killed}"
    assert sorted(on_cluster["reported"]) == sorted(students), (
        f"expected one report per student, got {sorted(on_cluster['reported'])}"
    )
    written = {s.student: n for s, n in executor.written.items()}
    assert written == dict.fromkeys(students, 1), (
        f"expected each submission written once, got {written}"
    )
    for submission in killed["lost"]:
        worker = executor.graded_by[submission]
        assert not worker.endswith(f":{killed['pid']}"), (
            f"expected {submission.student} to be graded again by another worker than the "
            f"killed process {killed['pid']}, got {worker}"
        )


def test_no_worker_opened_a_file_of_the_course(on_cluster):
    touched = {worker: seen for worker, seen in on_cluster["access"].items() if seen}
    assert not touched, f"expected workers never to touch the course, got {touched}"


def test_grading_on_a_cluster_with_the_courses_sqlite_file_is_refused(tmp_path, capsys):
    course = make_course(tmp_path)
    options = GradingOptions(scheduler="tcp://127.0.0.1:9")
    assert grade_command(course, ASSIGNMENT, options) == 2, "expected exit status 2"
    said = capsys.readouterr().err
    assert "--db postgresql+psycopg://" in said, f"expected what to pass, got {said!r}"
    with pytest.raises(ClusterRefused, match="postgresql"):
        ClusterExecutor(course, options)
    assert not (course / "gradebook.db").exists(), "expected no SQLite gradebook made"


def test_the_scheduler_in_the_environment_is_the_default(monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://scheduler.example:8786")
    assert GradingOptions().scheduler == "tcp://scheduler.example:8786", (
        f"expected the environment's address, got {GradingOptions().scheduler!r}"
    )
    assert GradingOptions(scheduler="local").scheduler is None, "expected 'local' to mean the pool"
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
    assert GradingOptions().scheduler is None, "expected the local pool without an address"


def test_results_are_written_inside_the_course_only(tmp_path):
    course, outside = tmp_path / "course", tmp_path / "outside"
    (course / "autograded").mkdir(parents=True)
    outside.mkdir()
    (course / "autograded" / "mallory").symlink_to(outside, target_is_directory=True)
    outcome = Outcome(Submission("mallory", ASSIGNMENT), "ok", "", 1.0)
    files = ((f"{ASSIGNMENT}.ipynb", b"{}"), ("../../escape.txt", b"x"))
    left_out = write_results(course, GradedSubmission(outcome, files, files, "worker:1"))
    assert list(outside.iterdir()) == [], f"expected nothing through the link, got {left_out}"
    assert any(entry.startswith("autograded/") for entry in left_out), (
        f"expected the linked folder to be named as not written, got {left_out}"
    )
    written = sorted(str(p.relative_to(course)) for p in course.rglob("*") if p.is_file())
    assert written == [f"feedback/mallory/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"], (
        f"expected only the safe feedback file, got {written}"
    )
    assert not (tmp_path / "escape.txt").exists(), "expected '..' never to be followed"
