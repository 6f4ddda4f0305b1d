"""Re-run lesson notebooks in place so their stored outputs match the code.

Usage: python scripts/execute_lessons.py [notebooks/NN-slug.ipynb ...]   (default: all)

Lessons are committed with outputs (learners see the plots before running
anything, and nbval checks that a fresh run reproduces them). Saved widget state is
dropped (large, different on every run), and so are the widget views that would point
into it: JupyterLab draws the widgets when the learner runs a cell.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aicareer.workspace import KERNELSPEC  # noqa: E402

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


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
    # The run stored this kernel's language info; store the spec JupyterLab writes too,
    # so that the lesson does not open as unsaved (scripts/notebook_metadata.py).
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    nbformat.write(with_streams_joined(without_widget_views(notebook)), path)


def with_streams_joined(notebook):
    """Join each run of printed output into one block, as a reader sees it.

    How a cell's prints are split into messages depends on when the kernel flushes, so
    the same cell could be stored differently on each run; joined, it is stored the same.
    """
    for cell in notebook.cells:
        joined = []
        for output in cell.get("outputs", []):
            previous = joined[-1] if joined else None
            if (
                output.get("output_type") == "stream"
                and previous is not None
                and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")
            ):
                previous["text"] += output["text"]
            else:
                joined.append(output)
        if "outputs" in cell:
            cell.outputs = joined
    return notebook


def without_widget_views(notebook):
    """Drop saved widget state and the widget views that point into it.

    Without its state a stored view only shows "model not found" in JupyterLab; the
    text fallback kept beside it tells the learner to run the cell. Model ids are
    random, so dropping them also keeps re-runs from changing the file.
    """
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    return notebook


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"executing {path}")
        execute_in_place(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
