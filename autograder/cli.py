"""The instructor's command line: ``python -m autograder release [ASSIGNMENT ...]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .release import ReleaseRefused, release


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
    args = parser.parse_args(argv)

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


if __name__ == "__main__":
    raise SystemExit(main())
