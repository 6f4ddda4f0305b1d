"""``make check`` on a whole workspace: the modules graded one after the other, each with a
pool and an ``nbgrader generate_assignment`` command of its own (as before), against all
of them at once on one pool of grading workers (as now).

Usage: python -m benchmarks.selfcheck [--repeat R] [--baseline COMMIT]

Builds a learner's workspace (``aicareer.workspace.sync``) with every module answered
rightly (the instructor's code typed in, the widgets answered through a kernel), then
times ``python -m autograder check --workspace ...`` twice on it, one run after the
other: with ``check_workspace`` as it was at ``--baseline`` (read with ``git show`` into
a scratch module and swapped into the command) and as it is now. Prints both times (the
best of R, taken in turn as the machine's load varies), their ratio, and whether both
printed the same lines. Measured, never asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from aicareer.workspace import sync
from autograder.nbgrader_command import nbgrader_environment
from tests.helpers.course import ASSIGNMENTS, fill_cells, run_as_learner
from tests.helpers.students import STUDENTS

ROOT = Path(__file__).resolve().parents[1]
# The last commit whose check graded module by module (a pool and an nbgrader command each).
SEQUENTIAL_BASELINE = "3ac0ebc9fc418776ecd59070cdd4aa6fafa96c15"

# Runs the real command line with ``check_workspace`` taken from the file given first:
# that file is loaded as a module of the autograder package, so its relative imports work.
RUN_WITH_CHECK_FROM = (
    "import importlib.util, sys\n"
    "import autograder.cli\n"
    "spec = importlib.util.spec_from_file_location('autograder._check_before', sys.argv[1])\n"
    "module = importlib.util.module_from_spec(spec)\n"
    "sys.modules[spec.name] = module\n"
    "spec.loader.exec_module(module)\n"
    "autograder.cli.check_workspace = module.check_workspace\n"
    "raise SystemExit(autograder.cli.main(sys.argv[2:]))\n"
)


def answer_module(workspace: Path, assignment: str, plan: dict) -> None:
    """Answer ``assignment`` in the learner's ``workspace`` as ``plan`` says (a learner of
    tests/helpers/students.py): its code typed into the solution cells of the workspace's
    own notebook, then the notebook run and the widgets answered through a kernel, which
    saves the answer sheet beside it."""
    notebook = workspace / "assignments" / assignment / f"{assignment}.ipynb"
    nbformat.write(fill_cells(nbformat.read(notebook, as_version=4), plan["code"]), notebook)
    if plan.get("widgets"):
        run_as_learner(notebook, plan["widgets"])


def answered_workspace(folder: Path) -> Path:
    """A learner's workspace in ``folder`` with every module answered rightly."""
    sync(ROOT, folder)
    for assignment in ASSIGNMENTS:
        answer_module(folder, assignment, STUDENTS[assignment]()["right"])
    return folder


def baseline_check(commit: str, scratch: Path) -> Path:
    """``autograder/learner_check.py`` as it was at ``commit``, written into ``scratch``."""
    source = subprocess.run(
        ["git", "show", f"{commit}:autograder/learner_check.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = scratch / "learner_check_before.py"
    path.write_text(source, encoding="utf-8")
    return path


def timed_check(workspace: Path, check_from: Path | None) -> tuple[float, list[str]]:
    """Seconds taken by ``python -m autograder check`` on ``workspace`` (with the check of
    the file ``check_from`` if given), and the result lines it printed (the timing line and
    feedback paths left out, as they differ from run to run)."""
    arguments = ["--course", str(ROOT), "check", "--workspace", str(workspace)]
    if check_from is None:
        command = [sys.executable, "-m", "autograder", *arguments]
    else:
        command = [sys.executable, "-c", RUN_WITH_CHECK_FROM, str(check_from), *arguments]
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, env=nbgrader_environment(), check=True, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    lines = [
        line
        for line in done.stdout.splitlines()
        if line.startswith("  ") and not line.lstrip().startswith("feedback:")
    ]
    return seconds, lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--baseline",
        default=SEQUENTIAL_BASELINE,
        help="the commit whose learner_check.py is timed as 'before'",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="selfcheck-benchmark-") as scratch:
        scratch = Path(scratch)
        started = time.perf_counter()
        workspace = answered_workspace(scratch / "workspace")
        print(
            f"workspace with {len(ASSIGNMENTS)} modules answered in "
            f"{time.perf_counter() - started:.0f} s"
        )
        before_file = baseline_check(args.baseline, scratch)
        runs = {"before": before_file, "after": None}
        best: dict[str, float] = {}
        lines: dict[str, list[str]] = {}
        for _ in range(max(1, args.repeat)):
            for name, check_from in runs.items():
                seconds, lines[name] = timed_check(workspace, check_from)
                best[name] = min(best.get(name, seconds), seconds)
    print(
        f"python -m autograder check, {len(ASSIGNMENTS)} modules answered, "
        f"{os.cpu_count()} cores, best of {max(1, args.repeat)} runs each"
    )
    print(f"before (module by module, {args.baseline[:7]}): {best['before']:6.1f} s")
    print(f"after (one pool for the whole check)   : {best['after']:6.1f} s")
    print(f"speed-up (before / after)              : {best['before'] / best['after']:.2f}x")
    print(f"same result lines                      : {lines['before'] == lines['after']}")
    for line in lines["after"]:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
