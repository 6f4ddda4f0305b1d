"""Grading throughput: plain ``nbgrader autograde`` against ``python -m autograder grade``.

Usage: python benchmarks/grading.py [--students N] [--workers W] [--assignment NAME]

Builds a throwaway course, hands in N copies of a fully answered notebook (with its
answer sheet), then grades them twice on the same machine, one run after the other:
first with nbgrader's own command, then with the course's pipeline. Prints both times,
their ratio, the scores' agreement and the peak memory of each run. Measured, never
asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from course import fill_cells, make_course, nbgrader, run_as_learner  # noqa: E402
from students import STUDENTS  # noqa: E402

from autograder import export  # noqa: E402


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Seconds taken by ``command``, and the peak memory (MiB) of its largest process."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def build_class(base: Path, assignment: str, students: int) -> Path:
    """A released course with ``students`` identical, fully answered hand-ins."""
    base.mkdir(parents=True, exist_ok=True)
    course = make_course(base)
    nbgrader(course, "generate_assignment", assignment, "--force")
    plan = STUDENTS[assignment]()["right"]
    released = course / "release" / assignment / f"{assignment}.ipynb"
    first = course / "submitted" / "student-000" / assignment
    first.mkdir(parents=True)
    import nbformat

    nbformat.write(
        fill_cells(nbformat.read(released, as_version=4), plan["code"]), first / released.name
    )
    run_as_learner(first / released.name, plan["widgets"])
    for index in range(1, students):
        shutil.copytree(first, course / "submitted" / f"student-{index:03d}" / assignment)
    return course


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--assignment", default="07-job-search")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="grading-benchmark-") as scratch:
        plain_course = build_class(Path(scratch) / "plain", args.assignment, args.students)
        ours_course = Path(scratch) / "ours"
        shutil.copytree(plain_course, ours_course)
        (ours_course / "nbgrader_config.py").write_text(
            (plain_course / "nbgrader_config.py").read_text()
        )
        nbgrader_bin = str(Path(sys.executable).parent / "nbgrader")
        plain_s, plain_mib = timed(
            [nbgrader_bin, "autograde", args.assignment, "--force"], plain_course
        )
        ours_s, ours_mib = timed(
            [
                sys.executable,
                "-m",
                "autograder",
                "grade",
                args.assignment,
                "--workers",
                str(args.workers),
                "--no-feedback",
            ],
            ours_course,
        )
        plain_scores = export.scores(export.gradebook_url(plain_course), args.assignment)
        ours_scores = export.scores(export.gradebook_url(ours_course), args.assignment)
    print(f"{args.students} submissions of {args.assignment}, {os.cpu_count()} cores")
    print(
        f"plain nbgrader autograde : {plain_s:6.1f} s  ({plain_s / args.students:.2f} s each), "
        f"peak {plain_mib:.0f} MiB per process"
    )
    print(
        f"autograder grade, {args.workers} workers: {ours_s:6.1f} s  "
        f"({ours_s / args.students:.2f} s each), peak {ours_mib:.0f} MiB per process"
    )
    print(f"throughput ratio         : {plain_s / ours_s:.2f}x")
    print(f"scores identical         : {plain_scores == ours_scores}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
