"""The instructor's command line.

``python -m autograder release [ASSIGNMENT ...]``: generate and check the student edition.
``python -m autograder grade ASSIGNMENT [--workers N]``: autograde every submission in
``submitted/``, write feedback without hidden tests, and export grades with a status each.
``python -m autograder check [--workspace DIR]``: a learner grades their own workspace.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .grading.class_grades import ClassGrades, grade_class
from .grading.collect import DEFAULT_PATTERN, collect
from .learner_check import check_workspace
from .options import DEFAULT_WORKERS, GradingOptions, Isolation
from .release import ReleaseRefused, release
from .sandbox import describe, isolation_problem


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    parser.add_argument(
        "--course",
        type=Path,
        default=Path.cwd(),
        help="the course directory (default: the current folder)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    release_cmd = commands.add_parser(
        "release", help="generate release/ from source/ and prove it is fit to hand out"
    )
    release_cmd.add_argument("assignments", nargs="*", help="default: every assignment")
    grade_cmd = commands.add_parser(
        "grade", help="autograde submitted/<student>/<assignment>/, write feedback and grades"
    )
    grade_cmd.add_argument("assignment")
    grade_cmd.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        help=f"submissions graded at once (default: cores + 1, here {DEFAULT_WORKERS}; "
        "kernels spend part of their time waiting, so one more than the cores keeps them busy)",
    )
    grade_cmd.add_argument("--no-feedback", action="store_true", help="skip the feedback HTML")
    grade_cmd.add_argument(
        "--from",
        dest="uploads",
        type=Path,
        default=None,
        help="an LMS download (zip or folder) to bring into submitted/ first",
    )
    grade_cmd.add_argument(
        "--pattern",
        default=DEFAULT_PATTERN,
        help="regular expression with (?P<student>...) and (?P<file>...) for the uploaded "
        "file names (default: Canvas style)",
    )
    grade_cmd.add_argument(
        "--cell-timeout",
        type=int,
        default=None,
        help="seconds one cell may run (default: nbgrader_config.py's 120)",
    )
    grade_cmd.add_argument(
        "--notebook-timeout",
        type=int,
        default=None,
        help="seconds a whole notebook may run (default: nbgrader_config.py's 900)",
    )
    grade_cmd.add_argument(
        "--due",
        default=None,
        help="due date, e.g. '2026-11-20 17:00 UTC': the grades then show who was late "
        "(by timestamp.txt, or the upload time in an LMS zip)",
    )
    grade_cmd.add_argument(
        "--db",
        default=None,
        help="gradebook database URL (default: sqlite:///COURSE/gradebook.db; "
        "e.g. postgresql://user@host/course)",
    )
    grade_cmd.add_argument(
        "--isolation",
        type=Isolation,
        choices=list(Isolation),
        default=Isolation.AUTO,
        help="run each kernel in a bubblewrap sandbox: 'auto' where available (the "
        "default), 'on' to refuse to grade without one, 'off' to run kernels as you",
    )
    check_cmd = commands.add_parser(
        "check", help="grade your own workspace with the same tests an instructor uses"
    )
    check_cmd.add_argument("--workspace", type=Path, default=None, help="default: COURSE/workspace")
    args = parser.parse_args(argv)

    if args.command == "check":
        workspace = args.workspace or args.course / "workspace"
        if not (workspace / "assignments").is_dir():
            print(f"No assignments in {workspace}: run make lab first.", file=sys.stderr)
            return 1
        print("Grading your assignments with the full tests (your files are not changed)...")
        for result in check_workspace(args.course, workspace):
            print(f"  {result.line()}")
            if result.feedback:
                print(f"    feedback: {result.feedback}")
        return 0
    if args.command == "grade" and args.uploads:
        try:
            found = collect(args.course, args.assignment, args.uploads, args.pattern)
        except (ValueError, OSError) as problem:
            print(f"Could not read {args.uploads}: {problem}", file=sys.stderr)
            return 1
        print(f"Collected {len(found.students)} submissions from {args.uploads}.")
        for skipped in found.skipped:
            print(f"  skipped {skipped}")
    if args.command == "grade":
        options = GradingOptions(
            workers=max(1, args.workers),
            feedback=not args.no_feedback,
            isolation=args.isolation,
            cell_timeout=args.cell_timeout,
            notebook_timeout=args.notebook_timeout,
            db_url=args.db,
            due=args.due,
        )
        return grade_command(args.course, args.assignment, options)

    if args.command == "release":
        print("Checking the assignments in a scratch copy of the course...")
        try:
            result = release(args.course, args.assignments or None)
        except ReleaseRefused as refused:
            print("Release refused; release/ is unchanged. Problems:", file=sys.stderr)
            for problem in refused.problems:
                print(f"  - {problem}", file=sys.stderr)
            return 1
        print(
            "release/ regenerated: no solution, hidden test, mark scheme, key, answer sheet "
            "or output leaked; solutions earn full marks and blank notebooks earn none."
        )
        print("\n".join(result.lines()))
    return 0


def grade_command(course: Path, assignment: str, options: GradingOptions) -> int:
    """Grade a class with a progress bar, then say what happened; returns the exit status."""
    if options.isolation is Isolation.ON and isolation_problem():
        print(f"Cannot grade isolated: {isolation_problem()}", file=sys.stderr)
        return 2
    print(f"Kernels: {describe(options.isolation)}", file=sys.stderr)
    with ProgressBar() as bar:
        result = grade_class(course, assignment, options, on_outcome=bar.step)
    if not result.rows:
        print(
            f"No submissions found in {Path(course).resolve() / 'submitted'}/<student>/{assignment}/",
            file=sys.stderr,
        )
        return 1
    print_summary(result)
    return 0


def print_summary(result: ClassGrades) -> None:
    """The lines an instructor reads after grading: counts, where things are, who to look at."""
    print(
        f"Graded {len(result.rows)} submissions of {result.assignment}: "
        + ", ".join(f"{n} {status}" for status, n in result.counts().items())
    )
    print(f"Grades: {result.grades}")
    print(f"Report: {result.report}")
    if result.feedback:
        print(f"Feedback (hidden tests left out): {result.feedback}/<student>/{result.assignment}/")
    for row in result.needing_a_look():
        if row["status"] != "ok":
            print(f"  needs a look: {row['student']}: {row['status']} ({row['detail']})")
        else:
            print(f"  needs a look: {row['student']}: flagged ({row['flags'][:200]})")


class ProgressBar:
    """tqdm's bar on stderr, one step per graded submission, naming the last one."""

    def __init__(self):
        self._bar = None

    def __enter__(self):
        return self

    def step(self, outcome, total: int) -> None:
        """Count one finished submission."""
        from tqdm import tqdm

        if self._bar is None:
            self._bar = tqdm(total=total, unit="submission", file=sys.stderr, leave=True)
        self._bar.set_postfix_str(f"{outcome.submission.student[:20]}: {outcome.status}")
        self._bar.update(1)

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.close()


if __name__ == "__main__":
    raise SystemExit(main())
