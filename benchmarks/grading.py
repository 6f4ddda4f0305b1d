"""Grading throughput: plain ``nbgrader autograde`` against ``python -m autograder grade``,
and the cost of running each kernel in a sandbox.

Usage: python -m benchmarks.grading [--students N] [--workers W] [--repeat R] [--assignment NAME]

Builds a throwaway course, hands in N copies of a fully answered notebook (with its
answer sheet), then grades them three times on the same machine, one run after the
other: with nbgrader's own command and its stock pipeline (no sandbox, no limits), with
the course's pipeline and isolation off, and with the course's pipeline isolated (the
default). Prints the times, the ratios, the scores' agreement and the peak memory of
each run (the best of R repeats, taken in turn, as the machine's load varies). Measured,
never asserted.
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


def ours(course: Path, assignment: str, workers: int, isolation: str) -> tuple[float, float]:
    """Time ``python -m autograder grade`` on ``course``."""
    return timed(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            assignment,
            "--workers",
            str(workers),
            "--no-feedback",
            "--isolation",
            isolation,
        ],
        course,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--assignment", default="07-job-search")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="grading-benchmark-") as scratch:
        plain_course = build_class(Path(scratch) / "plain", args.assignment, args.students)
        config = (plain_course / "nbgrader_config.py").read_text()
        copies = {}
        for name in ("open", "isolated"):
            copies[name] = Path(scratch) / name
            shutil.copytree(plain_course, copies[name])
            (copies[name] / "nbgrader_config.py").write_text(config)
        (plain_course / "nbgrader_config.py").write_text(config + STOCK_NBGRADER)
        nbgrader_bin = str(Path(sys.executable).parent / "nbgrader")
        runs = {
            "plain": lambda: timed(
                [nbgrader_bin, "autograde", args.assignment, "--force"], plain_course
            ),
            "open": lambda: ours(copies["open"], args.assignment, args.workers, "off"),
            "isolated": lambda: ours(copies["isolated"], args.assignment, args.workers, "on"),
        }
        best = {}
        for _ in range(max(1, args.repeat)):
            for name, run in runs.items():
                seconds, mib = run()
                best[name] = min(best.get(name, (seconds, mib)), (seconds, mib))
        (plain_s, plain_mib), (open_s, open_mib) = best["plain"], best["open"]
        isolated_s, isolated_mib = best["isolated"]
        scores = {
            name: gradebook.scores(gradebook.gradebook_url(course), args.assignment)
            for name, course in (("plain", plain_course), *copies.items())
        }
    n = args.students
    print(
        f"{n} submissions of {args.assignment}, {os.cpu_count()} cores, "
        f"best of {max(1, args.repeat)} runs each"
    )
    for label, seconds, mib in (
        ("plain nbgrader autograde", plain_s, plain_mib),
        (f"autograder grade, {args.workers} workers, not isolated", open_s, open_mib),
        (f"autograder grade, {args.workers} workers, isolated", isolated_s, isolated_mib),
    ):
        print(f"{label:<44}: {seconds:6.1f} s ({seconds / n:.2f} s each), peak {mib:.0f} MiB")
    print(f"throughput vs plain nbgrader (isolated)     : {plain_s / isolated_s:.2f}x")
    print(f"throughput vs plain nbgrader (not isolated) : {plain_s / open_s:.2f}x")
    print(f"cost of isolation (isolated / not isolated) : {isolated_s / open_s:.2f}x")
    same = scores["plain"] == scores["open"] == scores["isolated"]
    print(f"scores identical in all three runs          : {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
