"""``make lab``'s last step: start the learner's JupyterLab, quiet, and say where to open it.

Run from ``workspace/`` as ``python ../scripts/lab.py START.ipynb [jupyter lab options]``.
The lab reads the course's settings for learners from ``learner-lab/`` (added to
Jupyter's configuration path; the learner's own ~/.jupyter is left alone):

- ``labconfig/page_config.json`` turns off the instructor's nbgrader tools (menu,
  Formgrader, Create Assignment, course and assignment lists) and keeps Validate;
- ``settings/overrides.json`` answers "official Jupyter news?" with no, so nothing
  covers the start page;
- ``jupyter_server_config.json`` turns off the matching server parts, logs warnings
  only and registers the pre-save hook that makes a reopened notebook read cleanly;
- ``nbgrader_config.py`` stops "No nbgrader_config.py file found" when validating.

JupyterLab's own lines pass through; after the address block it prints, one line from
the course says which address to open.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

LEARNER_LAB = Path(__file__).resolve().parent.parent / "learner-lab"
ADDRESS = re.compile(r"(https?://\S+\?token=\S+)")


def lab_command(args: list[str]) -> list[str]:
    """The ``jupyter lab`` command line for the learner's lab."""
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--LabApp.app_settings_dir={LEARNER_LAB / 'settings'}",
        *args,
    ]


def lab_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment: the course's learner settings first on Jupyter's config path."""
    env = dict(os.environ if environ is None else environ)
    paths = [str(LEARNER_LAB)] + [
        p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p
    ]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    # Kernels started by the lab find the course's Python first.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def course_line(address: str, args: list[str]) -> str:
    """The one line that ends the start-up output: the address, opening the notebook
    named on the command line (the address JupyterLab prints opens the lab only)."""
    notebooks = [a for a in args if a.endswith(".ipynb") and not a.startswith("-")]
    if notebooks:
        address = address.replace("/lab?", f"/lab/tree/{notebooks[0]}?", 1)
    return (
        f"\n==> Your course is open at {address}\n"
        "    (if no browser window opened, copy that address into your browser; "
        "Ctrl+C twice here stops JupyterLab)\n"
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    print("Starting JupyterLab on your start page, START.ipynb...", flush=True)
    child = subprocess.Popen(
        lab_command(args),
        env=lab_environment(),
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    # Ctrl+C reaches JupyterLab too (same terminal): it asks to confirm, then stops, and
    # this loop ends when its output does.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    seen, told = [], False
    for line in child.stderr:
        sys.stderr.write(line)
        found = ADDRESS.search(line)
        if found:
            seen.append(found.group(1))
        if not told and seen and (not found or "127.0.0.1" in line):
            # The block lists localhost first and 127.0.0.1 last; either opens the lab.
            sys.stderr.write(course_line(seen[-1], args))
            told = True
        sys.stderr.flush()
    return child.wait()


if __name__ == "__main__":
    raise SystemExit(main())
