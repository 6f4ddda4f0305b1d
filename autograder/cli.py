"""The instructor's command line.

``python -m autograder release [ASSIGNMENT ...]``: generate and check the student edition.
``python -m autograder grade ASSIGNMENT [--workers N]``: autograde every submission in
``submitted/``, write feedback without hidden tests, and export grades with a status each.
``python -m autograder check [--workspace DIR]``: a learner grades their own workspace.
``python -m autograder class [--roster FILE]``: the class page over every graded assignment.
``python -m autograder export-lms {canvas,moodle} --roster FILE [--assignment A ...]``: the
grades as a CSV the learning platform's gradebook import takes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .grading.collect import DEFAULT_PATTERN, collect
from .guards.text import one_line
from .options import DEFAULT_WORKERS, GradingOptions, Isolation
from .reports import lms
from .sandbox import describe, isolation_problem
from .sandbox.warm import close_this_process_template, start_shared_template

if TYPE_CHECKING:
    from .grading.class_grades import ClassGrades

# nbgrader, matplotlib and the grading machinery take a second or more to import; each
# command imports what it needs when it runs, so that ``grade`` can start its warm
# template first and let the two overlap.


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
        "--student",
        dest="students",
        action="append",
        default=[],
        metavar="ID",
        help="grade only this student's submission (repeat for more): a late hand-in, or one "
        "handed in again; everyone else keeps the grades of the last run",
    )
    grade_cmd.add_argument(
        "--cold-kernels",
        action="store_true",
        help="start every isolated kernel afresh instead of forking it from a warm template "
        "(slower; for comparison)",
    )
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
        help="due date, e.g. '2026-11-20 17:00 UTC' (or +0100, Europe/Paris; UTC if no zone): "
        "the grades then show who was late "
        "(by timestamp.txt, or the upload time in an LMS zip)",
    )
    grade_cmd.add_argument(
        "--db",
        default=None,
        help="gradebook database URL (default: sqlite:///COURSE/gradebook.db; "
        "e.g. postgresql://user@host/course)",
    )
    grade_cmd.add_argument(
        "--scheduler",
        default=None,
        help="grade on a Dask cluster: its scheduler's address, e.g. tcp://HOST:8786 "
        "(default: $DASK_SCHEDULER_ADDRESS if set, else this machine; 'local' for this "
        "machine); needs --db postgresql+psycopg://... that every worker reaches",
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
    class_cmd = commands.add_parser(
        "class",
        help="the class page over every graded assignment: reports/class.html, "
        "class-grades.csv (per learner) and class-summary.csv (per assignment)",
    )
    class_cmd.add_argument(
        "--roster",
        type=Path,
        default=None,
        help="roster CSV (a student_id column; see export-lms): lists who has not handed "
        "in what (default: everyone who handed something in)",
    )
    class_cmd.add_argument("--db", default=None, help=DB_HELP)
    export_cmd = commands.add_parser(
        "export-lms", help="write the grades as a CSV for Canvas's or Moodle's gradebook import"
    )
    export_cmd.add_argument("--db", default=None, help=DB_HELP)
    export_cmd.add_argument("platform", choices=["canvas", "moodle"])
    export_cmd.add_argument(
        "--roster",
        type=Path,
        required=True,
        help="CSV mapping nbgrader's student_id to the platform's ids (columns: student_id, "
        "name, first_name, last_name, email, canvas_id, sis_user_id, sis_login_id, section, "
        "idnumber)",
    )
    export_cmd.add_argument(
        "--assignment",
        dest="assignments",
        action="append",
        default=None,
        help="an assignment to export (repeat for more; default: every graded one)",
    )
    export_cmd.add_argument(
        "--match-by",
        choices=sorted(lms.MOODLE_IDENTIFIERS),
        default="idnumber",
        help="Moodle only: the roster field Moodle matches learners by (default: idnumber)",
    )
    export_cmd.add_argument(
        "--output", type=Path, default=None, help="default: COURSE/reports/PLATFORM-grades.csv"
    )
    args = parser.parse_args(argv)

    if args.command == "class":
        return class_command(args.course, args.roster, args.db)
    if args.command == "export-lms":
        return export_lms_command(
            args.course,
            args.platform,
            args.roster,
            args.assignments,
            args.output,
            args.match_by,
            args.db,
        )

    if args.command == "check":
        workspace = args.workspace or args.course / "workspace"
        if not (workspace / "assignments").is_dir():
            print(f"No assignments in {workspace}: run make lab first.", file=sys.stderr)
            return 1
        print("Grading your assignments with the full tests (your files are not changed)...")
        start = time.perf_counter()
        from . import learner_check

        results = learner_check.check_workspace(args.course, workspace)
        for result in results:
            print(f"  {one_line(result.line())}")
            if result.feedback:
                print(f"    feedback: {result.feedback}")
        seconds = time.perf_counter() - start
        print(
            f"Checked {len(results)} module{'s' if len(results) != 1 else ''} in {seconds:.1f} s."
        )
        return 0
    if args.command == "grade" and args.uploads:
        try:
            found = collect(args.course, args.assignment, args.uploads, args.pattern)
        except (ValueError, OSError) as problem:
            print(f"Could not read {args.uploads}: {one_line(problem)}", file=sys.stderr)
            return 1
        print(f"Collected {len(found.students)} submissions from {args.uploads}.")
        for skipped in found.skipped:
            print(f"  skipped {one_line(skipped)}")
    if args.command == "grade":
        options = GradingOptions(
            workers=max(1, args.workers),
            feedback=not args.no_feedback,
            isolation=args.isolation,
            warm_kernels=not args.cold_kernels,
            cell_timeout=args.cell_timeout,
            notebook_timeout=args.notebook_timeout,
            db_url=args.db,
            due=args.due,
            students=tuple(args.students),
            # Not given: the options' default (the environment's scheduler, if any).
            **({"scheduler": args.scheduler} if args.scheduler else {}),
        )
        return grade_command(args.course, args.assignment, options)

    if args.command == "release":
        from .release import ReleaseRefused, release

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
    if not options.scheduler and options.isolation is not Isolation.OFF and options.warm_kernels:
        # Its imports run while this process makes its own, below; once it serves, it
        # also answers whether kernels can be isolated here (isolation_problem).
        start_shared_template()
    try:
        return _grade_command(course, assignment, options)
    finally:
        close_this_process_template()


def _grade_command(course: Path, assignment: str, options: GradingOptions) -> int:
    from .gradebook import read_due_date
    from .grading import cluster
    from .grading.class_grades import grade_class
    from .grading.engine import find_submissions

    if options.students:
        handed_in = {s.student for s in find_submissions(course, assignment)}
        missing = [s for s in dict.fromkeys(options.students) if s not in handed_in]
        if missing:
            print(
                f"No submission of {one_line(assignment, 80)} from "
                + ", ".join(one_line(s, 40) for s in missing)
                + f" (looked for {Path(course).resolve() / 'submitted'}/<student>/"
                f"{one_line(assignment, 80)}/); nothing was graded",
                file=sys.stderr,
            )
            return 2

    if options.due:
        try:
            due = read_due_date(options.due)
        except ValueError as problem:
            print(
                f"Cannot read the due date {one_line(options.due, 80)!r}: {problem}",
                file=sys.stderr,
            )
            return 2
        # Said back in UTC, the way it is kept, so a zone read otherwise than meant shows.
        print(f"Due: {due:%Y-%m-%d %H:%M} UTC; hand-ins after it are marked late", file=sys.stderr)
    if options.scheduler:
        problem = cluster.refusal(options)
        if problem:
            print(f"Cannot grade on {one_line(options.scheduler)}: {problem}", file=sys.stderr)
            return 2
        print(
            f"Grading on the Dask cluster at {one_line(options.scheduler)}; every worker "
            "sandboxes its kernels",
            file=sys.stderr,
        )
    elif options.isolation is Isolation.ON and isolation_problem():
        print(f"Cannot grade isolated: {isolation_problem()}", file=sys.stderr)
        return 2
    else:
        print(f"Kernels: {describe(options.isolation)}", file=sys.stderr)
    try:
        with ProgressBar() as bar:
            result = grade_class(course, assignment, options, on_outcome=bar.step)
    except cluster.ClusterError as failed:
        print(f"Grading on the cluster stopped: {one_line(failed, 500)}", file=sys.stderr)
        return 2
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
    counts = ", ".join(f"{n} {status}" for status, n in result.counts().items())
    graded = len(result.rows) - result.kept
    if result.kept:
        print(
            f"Graded {graded} submissions of {result.assignment}; with the {result.kept} "
            f"kept from the last grading, the class has {counts}"
        )
    else:
        print(f"Graded {graded} submissions of {result.assignment}: {counts}")
    print(f"Grades: {result.grades}")
    print(f"Report: {result.report}")
    if result.feedback:
        print(f"Feedback (hidden tests left out): {result.feedback}/<student>/{result.assignment}/")
    if result.untimed:
        shown = ", ".join(one_line(s, 40) for s in result.untimed[:5])
        more = f" and {len(result.untimed) - 5} more" if len(result.untimed) > 5 else ""
        print(
            f"No hand-in time for {len(result.untimed)} of {len(result.rows)} submissions "
            f"({shown}{more}): without a timestamp.txt they count as on time"
        )
    # Ids, details and flags carry learner text: one line each, no control characters.
    for row in result.needing_a_look():
        student = one_line(row["student"], 60)
        if row["status"] != "ok":
            print(f"  needs a look: {student}: {row['status']} ({one_line(row['detail'], 300)})")
        else:
            print(f"  needs a look: {student}: flagged ({one_line(row['flags'], 200)})")


# Student ids come from folder and upload names, which a learner can choose: no escape
# sequence, control or bidirectional character of theirs may reach the instructor's
# terminal (see autograder.guards.text).


DB_HELP = (
    "the gradebook grading wrote to (default: sqlite:///COURSE/gradebook.db): scores are read "
    "from it again, so marks given by hand since grading count"
)


def current_grades(course: Path, db_url: str | None, only: list[str] | None = None) -> dict:
    """The grade rows of every graded assignment (or ``only``), with today's scores from the
    gradebook; prints a note for each assignment with marks still to give by hand."""
    from . import gradebook
    from .reports import grade_records

    db = gradebook.gradebook_url(Path(course).resolve(), db_url)
    grades = grade_records.with_current_scores(grade_records.graded_assignments(course, only), db)
    for assignment in grades:
        waiting = [s for s, cells in gradebook.unmarked_by_hand(db, assignment).items() if cells]
        if waiting:
            print(
                f"  note: {assignment}: points graded by hand are not marked yet for "
                f"{len(waiting)} learner{'s' if len(waiting) != 1 else ''}; they count as 0 "
                "until you mark them in Formgrader (then run this again)"
            )
    return grades


def class_command(course: Path, roster_file: Path | None, db_url: str | None = None) -> int:
    """Write the class page and its CSVs from every graded assignment; returns the exit status."""
    try:
        grades = current_grades(course, db_url)
        roster = [e.student_id for e in lms.read_roster(roster_file)] if roster_file else None
    except (lms.RosterError, ValueError, OSError) as problem:
        print(one_line(problem), file=sys.stderr)
        return 1
    if not grades:
        print(f"No graded assignment in {Path(course).resolve() / 'reports'}: run grade first.")
        return 1
    from .reports import class_page

    if roster is None:
        roster = sorted({str(row["student"]) for rows in grades.values() for row in rows})
    table = class_page.class_table(grades, roster)
    written = class_page.write_class_reports(Path(course) / "reports", table)
    print(
        f"Class page over {len(table.assignments)} graded assignment"
        f"{'s' if len(table.assignments) != 1 else ''} ({', '.join(table.assignments)}), "
        f"{len(table.learners)} learners: {written['page']}"
    )
    print(f"Per learner: {written['learners']}")
    print(f"Per assignment: {written['summary']}")
    for student in table.not_on_roster:
        print(f"  not on the roster: {one_line(student)}")
    for summary in table.summaries:
        if summary.not_handed_in:
            names = ", ".join(one_line(s) for s in summary.not_handed_in)
            print(f"  {summary.assignment} not handed in by: {names}")
    return 0


def export_lms_command(
    course: Path,
    platform: str,
    roster_file: Path,
    assignments: list[str] | None,
    output: Path | None,
    match_by: str = "idnumber",
    db_url: str | None = None,
) -> int:
    """Write the grades CSV for ``platform`` ("canvas" or "moodle") and list every learner
    or grade left out; returns the exit status."""
    try:
        roster = lms.read_roster(roster_file)
        grades = current_grades(course, db_url, assignments)
    except lms.RosterError as problem:
        print(one_line(problem), file=sys.stderr)
        return 1
    except KeyError as missing:
        print(
            f"No grades for {one_line(missing.args[0])} in {Path(course).resolve() / 'reports'}: "
            "run grade first, or check the name.",
            file=sys.stderr,
        )
        return 1
    except (ValueError, OSError) as problem:
        print(one_line(problem), file=sys.stderr)
        return 1
    if not grades:
        print(f"No graded assignment in {Path(course).resolve() / 'reports'}: run grade first.")
        return 1
    path = output or Path(course) / "reports" / f"{platform}-grades.csv"
    if platform == "canvas":
        export = lms.write_canvas_csv(path, roster, grades)
    else:
        export = lms.write_moodle_csv(path, roster, grades, identifier=match_by)
    print(
        f"{platform.capitalize()} grades for {', '.join(grades)}: {export.path} "
        f"({len(export.written)} learners)"
    )
    problems = export.problems()
    if problems:
        print(
            f"{len(problems)} left out of the file or without a score; nothing is dropped silently:"
        )
    for line in problems:
        print(f"  {one_line(line)}")
    if not export.written:
        print(
            f"No learner of the roster could be matched to {platform.capitalize()}: check its id "
            "columns (see --help).",
            file=sys.stderr,
        )
        return 1
    return 0


class ProgressBar:
    """tqdm's bar on stderr, one step per graded submission, naming the last one; where
    stderr is not a terminal (a log file, a scheduled job), one line per submission
    instead, as a bar redrawn with carriage returns makes one unreadable line of a log."""

    def __init__(self):
        self._bar = None
        self._done = 0

    def __enter__(self):
        return self

    def step(self, outcome, total: int) -> None:
        """Count one finished submission."""
        student = one_line(outcome.submission.student, 20)
        status = one_line(outcome.status)
        self._done += 1
        if not _is_terminal(sys.stderr):
            print(f"graded {self._done} of {total}: {student}: {status}", file=sys.stderr)
            return
        from tqdm import tqdm

        if self._bar is None:
            self._bar = tqdm(total=total, unit="submission", file=sys.stderr, leave=True)
        self._bar.set_postfix_str(f"{student}: {status}")
        self._bar.update(1)

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.close()


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no such method, or a closed stream
        return False


if __name__ == "__main__":
    raise SystemExit(main())
