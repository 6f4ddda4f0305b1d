"""Re-run lesson notebooks in place so their stored outputs match the code.

Usage: python scripts/execute_lessons.py [notebooks/NN-slug.ipynb ...]   (default: all)

Lessons are committed with outputs (learners see the plots before running
anything, and nbval checks that a fresh run reproduces them). Saved widget state
is dropped: it is large, changes on every run, and JupyterLab rebuilds it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute_in_place(path: Path) -> None:
    """Execute the notebook at ``path`` from a fresh kernel and save it with its outputs."""
    notebook = nbformat.read(path, as_version=4)
    # No timing metadata: it would change every cell on every run and bury real diffs.
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"executing {path}")
        execute_in_place(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
