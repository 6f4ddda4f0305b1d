"""Grading on a Dask cluster against the local pool, with as many worker processes each.

Usage: python -m benchmarks.cluster [--students N] [--workers W] [--repeat R]

Builds a throwaway course whose gradebook is a throwaway PostgreSQL server (started as
``tests/test_postgres.py`` starts it; Debian's ``postgresql`` package), hands in N
submissions of 07-job-search (fully answered and partly answered, alternately), then
grades the class in turn with the local pool of W processes and on a
``distributed.LocalCluster`` of W single-threaded worker processes on this machine, the
best of R runs each. The cluster is started once, before timing, as a real one would be
running already; its first batch (each worker builds its scratch course, nbgrader API and
sandbox probe, as each pool process does) is reported apart from later ones. Prints the
times and the throughput ratio; the target is a ratio of at least 0.85. Measured, never
asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from autograder import gradebook
from autograder.grading.class_grades import grade_class
from autograder.grading.cluster import ClusterExecutor
from autograder.options import GradingOptions
from tests.helpers.course import hand_in, make_course, nbgrader
from tests.helpers.students import STUDENTS
from tests.test_postgres import postgres_url

ROOT = Path(__file__).resolve().parents[1]

ASSIGNMENT = "07-job-search"


def throwaway_postgres():
    """The PostgreSQL server of the gradebook test, outside pytest: its fixture's own
    generator, as a context manager giving the server's URL."""
    return contextlib.contextmanager(postgres_url.__wrapped__)()


def build_class(base: Path, students: int, db_url: str) -> Path:
    """A released course with ``students`` hand-ins, its gradebook at ``db_url``."""
    course = make_course(base)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force", f"--db={db_url}")
    plans = STUDENTS[ASSIGNMENT]()
    firsts = [hand_in(course, ASSIGNMENT, name, plans[name]) for name in ("right", "partial")]
    for index in range(len(firsts), students):
        target = course / "submitted" / f"student-{index:03d}" / ASSIGNMENT
        shutil.copytree(firsts[index % len(firsts)], target)
    return course


def timed(grade) -> tuple[float, dict]:
    """Seconds one grading run took, and the statuses it gave."""
    start = time.perf_counter()
    result = grade()
    return time.perf_counter() - start, result.counts()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    import distributed

    with (
        throwaway_postgres() as db_url,
        tempfile.TemporaryDirectory(prefix="cluster-bench-") as scratch,
    ):
        course = build_class(Path(scratch), args.students, db_url)
        pool = GradingOptions(workers=args.workers, db_url=db_url, scheduler=None)
        elsewhere = Path(scratch) / "workers"
        elsewhere.mkdir()
        here = os.getcwd()
        os.chdir(elsewhere)
        cluster = distributed.LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            local_directory=str(elsewhere),
        )
        os.chdir(here)
        with cluster, distributed.Client(cluster) as client:

            def on_cluster():
                executor = ClusterExecutor(course, pool, client=client)
                try:
                    return grade_class(course, ASSIGNMENT, pool, executor)
                finally:
                    executor.shutdown()

            first_batch, first_counts = timed(on_cluster)
            times: dict[str, list[float]] = {"pool": [], "cluster": []}
            counts = {"cluster, first batch": first_counts}
            for _ in range(max(1, args.repeat)):
                seconds, counts["pool"] = timed(lambda: grade_class(course, ASSIGNMENT, pool))
                times["pool"].append(seconds)
                seconds, counts["cluster"] = timed(on_cluster)
                times["cluster"].append(seconds)
            scores = gradebook.scores(db_url, ASSIGNMENT)
    n, pool_s, cluster_s = args.students, min(times["pool"]), min(times["cluster"])
    print(
        f"{n} submissions of {ASSIGNMENT}, {args.workers} worker processes each, "
        f"{os.cpu_count()} cores, best of {max(1, args.repeat)} runs, isolated"
    )
    for label, seconds in (
        ("local pool", pool_s),
        ("Dask cluster, first batch (cold workers)", first_batch),
        ("Dask cluster, later batches", cluster_s),
    ):
        print(f"{label:<42}: {seconds:6.1f} s ({n / seconds:.2f} submissions/s)")
    print(
        f"throughput, cluster / pool (later batches)  : {pool_s / cluster_s:.2f} (target >= 0.85)"
    )
    print(f"throughput, cluster / pool (first batch)    : {pool_s / first_batch:.2f}")
    same = len({str(sorted(c.items())) for c in counts.values()}) == 1
    print(f"statuses identical in every run             : {same} {counts['pool']}")
    print(f"graded students in the gradebook            : {len(scores)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
