"""The learner's private workspace: copies of the lessons and the student edition.

``make lab`` runs :func:`main` before starting JupyterLab. It brings new material
into ``workspace/`` and never overwrites a file the learner already has: when the
course ships a changed version of a file the learner holds, the new version is put
beside it under a dated name, and the learner is told.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .answers import SUFFIX, write_atomically
from .course import MODULES
from .progress import progress_table

STATE_FILE = ".course-state.json"
START_PAGE = "START.ipynb"

# What JupyterLab writes into a notebook when the course's kernel starts (ipykernel's own
# kernel spec and language info). A notebook that stores anything else is marked unsaved
# the moment it opens, and closing its tab asks to save. Notebooks in the repository store
# this (tests/test_notebook_metadata.py; scripts/notebook_metadata.py fixes them), and the
# copies in a workspace carry the learner's own Python version.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def language_info(version: str | None = None) -> dict:
    """The language info the course's kernel reports, for Python ``version``
    (default: this interpreter's, which is the kernel's in the course's environment)."""
    return {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": version or platform.python_version(),
    }


def with_lab_metadata(data: bytes, version: str | None = None) -> bytes:
    """A notebook's bytes with the kernel spec and language info JupyterLab would write,
    so it opens unchanged; anything that is not a readable notebook is returned as is."""
    try:
        nb = json.loads(data.decode("utf-8"))
        metadata = nb["metadata"]
    except (ValueError, KeyError, TypeError):
        return data
    wanted = {"kernelspec": KERNELSPEC, "language_info": language_info(version)}
    if all(metadata.get(key) == value for key, value in wanted.items()):
        return data
    metadata.update(wanted)
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass
class SyncReport:
    """What a sync did, for the message the learner sees."""

    new: list[str] = field(default_factory=list)
    beside: list[tuple[str, str]] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    start_page: str = ""

    def lines(self) -> list[str]:
        """Plain sentences for the terminal."""
        out = []
        if self.new:
            out.append(f"New in your workspace ({len(self.new)}):")
            out += [f"  + {name}" for name in self.new]
        if self.restored:
            out.append("Put back (you had deleted them):")
            out += [f"  + {name}" for name in self.restored]
        if self.beside:
            out.append(
                "Updated by the course; your own copy is untouched and the new version "
                "sits beside it:"
            )
            out += [f"  * {mine}  ->  {theirs}" for mine, theirs in self.beside]
        if not (self.new or self.restored or self.beside):
            out.append("Your workspace is up to date; nothing of yours was changed.")
        if self.start_page:
            out.append(self.start_page)
        return out


def digest(data: bytes) -> str:
    """A content fingerprint."""
    return hashlib.sha256(data).hexdigest()


def course_files(repo: Path) -> dict[str, Path]:
    """Every file the course hands a learner, by its path inside the workspace."""
    files = {}
    for lesson in sorted((repo / "notebooks").glob("*.ipynb")):
        files[f"lessons/{lesson.name}"] = lesson
    release = repo / "release"
    for item in sorted(release.rglob("*")):
        if (
            item.is_file()
            and not item.name.endswith(SUFFIX)
            and ".ipynb_checkpoints" not in item.parts
        ):
            files[f"assignments/{item.relative_to(release).as_posix()}"] = item
    return files


def _beside_name(target: Path) -> Path:
    stamp = date.today().isoformat()
    for attempt in range(1, 1000):
        extra = "" if attempt == 1 else f"-{attempt}"
        candidate = target.with_name(f"{target.stem} (course update {stamp}{extra}){target.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(f"too many updated copies of {target.name}")


def _read_state(workspace: Path) -> dict:
    path = workspace / STATE_FILE
    try:
        state = json.loads(path.read_text("utf-8"))
        if isinstance(state, dict) and isinstance(state.get("delivered"), dict):
            return state
    except (OSError, ValueError):
        pass
    return {"delivered": {}, "start_page": None}


def sync(repo: Path, workspace: Path) -> SyncReport:
    """Bring the course's lessons and student edition into ``workspace``, safely.

    A file the learner has is never overwritten. New files are copied in; a file the
    course has changed since it was last delivered is written beside the learner's
    copy under a dated name.
    """
    repo, workspace = Path(repo), Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    state, report = _read_state(workspace), SyncReport()
    delivered = state["delivered"]
    for name, source in course_files(repo).items():
        data = source.read_bytes()
        fingerprint = digest(data)  # the course's version, whatever this learner's Python
        if source.suffix == ".ipynb":
            data = with_lab_metadata(data)
        target = workspace / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            (report.restored if name in delivered else report.new).append(name)
            _copy_new(data, target)
        elif delivered.get(name) != fingerprint and digest(target.read_bytes()) != digest(data):
            beside = _beside_name(target)
            _copy_new(data, beside)
            report.beside.append((name, beside.relative_to(workspace).as_posix()))
        delivered[name] = fingerprint
    report.start_page = write_start_page(workspace, state)
    write_atomically(workspace / STATE_FILE, json.dumps(state, indent=1, sort_keys=True) + "\n")
    return report


def _copy_new(data: bytes, target: Path) -> None:
    # "x" mode: if a file appeared at target since we looked, fail instead of replacing it.
    with open(target, "xb") as writing:
        writing.write(data)


def start_notebook(workspace: Path):
    """The start page: where to begin, how to use the course, and the modules with progress."""
    first = MODULES[0]
    cells = [
        new_markdown_cell(
            "# Charting a Career in AI — start here\n\n"
            "Welcome. This workspace is yours: every file in it is your own copy, and updates "
            "to the course never overwrite it.\n\n"
            f"**Where to begin.** Start with module 1, *{first.title}*: its lesson draws the "
            "map of the whole course and shows how to work in it, from running a cell to "
            "answering each kind of question. Then take the other modules in the order of the "
            "table below.\n\n"
            "**How to study a module.** Open its *lesson* first: read, run each cell with "
            "Shift+Enter, and try the practice questions (they answer back at once and are not "
            "graded). Then open its *assignment*: write code where it says "
            "`raise NotImplementedError()`, and answer the widget questions by clicking. Each "
            "click is saved straight away into a file ending in `.answers.json` beside the "
            "notebook, and a green **✓ Saved** mark says so. Closing the tab, restarting the "
            "kernel or reopening the notebook later brings your answers back.\n\n"
            "**Grading your own work.** The check cells in each assignment tell you what they "
            "can see; more tests run when the work is graded."
        ),
        new_markdown_cell(
            "## Your modules\n\nAs of the last time the course was started. A lesson counts as "
            "run once you have run its cells through its last practice question; an assignment "
            "counts the widget questions fully answered, the code cells that no longer say "
            "`raise NotImplementedError()` and the written answers in the saved notebook.\n\n"
            + progress_table(workspace)
        ),
        new_markdown_cell("To see your progress right now, run the cell below (Shift+Enter)."),
        new_code_cell("from aicareer.progress import show_progress\n\nshow_progress()"),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = language_info()
    return nb


def start_page_fingerprint(text: str) -> str | None:
    """A fingerprint of the start page's cell sources, or None if it is not a notebook.

    Sources only: JupyterLab adds metadata and outputs when it saves a notebook the
    learner merely opened or ran, and that must not count as the learner's own edit.
    """
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception:
        return None
    return digest(json.dumps([c.source for c in nb.cells]).encode())


def write_start_page(workspace: Path, state: dict) -> str:
    """Refresh START.ipynb unless the learner has edited it; return a note if we left it."""
    path = workspace / START_PAGE
    text = nbformat.writes(start_notebook(workspace))
    if path.exists():
        current = start_page_fingerprint(path.read_text("utf-8", errors="replace"))
        if current is None or current != state.get("start_page"):
            return (
                f"You have edited {START_PAGE}, so it was left as it is. To get a fresh "
                "one, rename or delete it and run make lab again."
            )
    write_atomically(path, text)
    state["start_page"] = start_page_fingerprint(text)
    return ""


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m aicareer.workspace [--repo DIR] [--workspace DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="the course checkout")
    parser.add_argument(
        "--workspace",
        type=Path,
        default=None,
        help="where your copies live (default: REPO/workspace)",
    )
    args = parser.parse_args(argv)
    workspace = args.workspace or args.repo / "workspace"
    try:
        report = sync(args.repo, workspace)
    except OSError as error:
        print(f"Could not prepare your workspace at {workspace}: {error}", file=sys.stderr)
        return 1
    print("\n".join(report.lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
