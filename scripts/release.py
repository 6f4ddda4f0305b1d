"""Regenerate release/ (the student edition) from source/ with nbgrader.

Usage: python scripts/release.py [ASSIGNMENT ...]   (default: every folder in source/)

Refuses to run if an answer sheet sits in source/: nbgrader would hand it to every
learner, and autograde would copy it over each learner's own answers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    sheets = sorted(ROOT.glob("source/**/*.answers.json"))
    if sheets:
        names = ", ".join(str(s.relative_to(ROOT)) for s in sheets)
        print(
            f"Refusing to release: answer sheets in source/ would reach learners: {names}",
            file=sys.stderr,
        )
        return 1
    assignments = argv or sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir())
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    for assignment in assignments:
        print(f"generating release/{assignment}")
        subprocess.run(
            [
                Path(sys.executable).parent / "nbgrader",
                "generate_assignment",
                assignment,
                "--force",
                "--log-level=WARN",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
