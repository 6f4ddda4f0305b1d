"""Grading throughput: plain ``nbgrader autograde`` against ``python -m autograder grade``,
and the cost of running each kernel in a sandbox.

Usage: python -m benchmarks.grading [--sizes 12,24,48] [--workers W] [--repeat R]
                                    [--assignment NAME]

For each class size N, builds a throwaway course, hands in N copies of a fully answered
notebook (with its answer sheet), then grades them four times on the same machine, one
run after the other: with nbgrader's own command and its stock pipeline (no sandbox, no
limits); with the course's pipeline isolated, kernels forked from a warm template (the
default); isolated with every kernel started cold (``--cold-kernels``); and with
isolation off. Prints the times, the ratios against plain nbgrader, the scores'
agreement and the peak memory of the grading processes (the best of R repeats, taken
in turn, as the machine's load varies). Measured, never asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import gradebook
from tests.helpers.course import hand_in, make_course, nbgrader
from tests.helpers.students import STUDENTS

ROOT = Path(__file__).resolve().parents[1]

# Runs one command and prints the peak memory of its largest process (the children of
# this small wrapper are the command and everything it starts), so that each run is
# measured on its own rather than as the maximum over the whole benchmark.
MEASURE = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], check=True, capture_output=True)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Seconds taken by ``command``, and the peak memory (MiB) of its largest process."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    return seconds, int(done.stdout.split()[-1]) / 1024


def build_class(base: Path, assignment: str, students: int) -> Path:
    """A released course with ``students`` identical, fully answered hand-ins."""
    base.mkdir(parents=True, exist_ok=True)
    course = make_course(base)
    nbgrader(course, "generate_assignment", assignment, "--force")
    first = hand_in(course, assignment, "student-000", STUDENTS[assignment]()["right"])
    for index in range(1, students):
        shutil.copytree(first, course / "submitted" / f"student-{index:03d}" / assignment)
    return course


# Appended to the baseline's nbgrader_config.py: nbgrader's own steps, as shipped.
STOCK_NBGRADER = """
c.Autograde.autograde_preprocessors = Autograde.class_traits()["autograde_preprocessors"].default()
c.Autograde.sanitize_preprocessors = Autograde.class_traits()["sanitize_preprocessors"].default()
"""


def ours(course: Path, assignment: str, workers: int, *flags: str) -> tuple[float, float]:
    """Time ``python -m autograder grade`` on ``course``."""
    command = [sys.executable, "-m", "autograder", "grade", assignment, "--no-feedback"]
    return timed([*command, "--workers", str(workers), *flags], course)


RUNS = {
    "plain": "plain nbgrader autograde",
    "warm": "autograder grade, isolated, warm kernels",
    "cold": "autograder grade, isolated, cold kernels",
    "open": "autograder grade, not isolated",
}


def measure_size(scratch: Path, args, students: int) -> dict:
    """The best time and peak memory of each run for one class size, and the scores."""
    plain_course = build_class(scratch / "plain", args.assignment, students)
    config = (plain_course / "nbgrader_config.py").read_text()
    copies = {}
    for name in ("warm", "cold", "open"):
        copies[name] = scratch / name
        shutil.copytree(plain_course, copies[name])
        (copies[name] / "nbgrader_config.py").write_text(config)
    (plain_course / "nbgrader_config.py").write_text(config + STOCK_NBGRADER)
    nbgrader_bin = str(Path(sys.executable).parent / "nbgrader")
    flags = {
        "warm": ("--isolation", "on"),
        "cold": ("--isolation", "on", "--cold-kernels"),
        "open": ("--isolation", "off"),
    }
    best = {}
    for _ in range(max(1, args.repeat)):
        for name in RUNS:
            if name == "plain":
                run = timed([nbgrader_bin, "autograde", args.assignment, "--force"], plain_course)
            else:
                run = ours(copies[name], args.assignment, args.workers, *flags[name])
            best[name] = min(best.get(name, run), run)
    courses = {"plain": plain_course, **copies}
    scores = [
        gradebook.scores(gradebook.gradebook_url(c), args.assignment) for c in courses.values()
    ]
    return {"best": best, "same": all(s == scores[0] for s in scores)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="12,24,48", help="class sizes, comma-separated")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--assignment", default="07-job-search")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    print(
        f"{args.assignment}, {os.cpu_count()} cores, {args.workers} workers, "
        f"best of {max(1, args.repeat)} runs each"
    )
    summary = []
    for students in sizes:
        with tempfile.TemporaryDirectory(prefix="grading-benchmark-") as scratch:
            result = measure_size(Path(scratch), args, students)
        best, plain = result["best"], result["best"]["plain"][0]
        print(f"\n{students} submissions:")
        for name, label in RUNS.items():
            seconds, mib = best[name]
            ratio = "" if name == "plain" else f"  {plain / seconds:5.2f}x plain"
            print(
                f"  {label:<42}: {seconds:6.1f} s ({seconds / students:.2f} s each), "
                f"peak {mib:4.0f} MiB{ratio}"
            )
        print(f"  scores identical in all four runs          : {result['same']}")
        summary.append((students, plain / best["warm"][0], plain / best["cold"][0]))
    print("\nthroughput vs plain nbgrader, isolated (warm kernels / cold kernels):")
    for students, warm, cold in summary:
        print(f"  {students:3d} submissions: {warm:5.2f}x / {cold:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
