"""How long each course notebook takes to run, as a ratio to starting an empty notebook.

Usage: python -m benchmarks.execution [--repeat N]

Measured, never asserted: a learner's "Run All" should stay within seconds. The
baseline (a notebook with one trivial cell) is run in the same process just before,
so the ratios hold across machines of different speeds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def run_once(nb, folder: Path) -> float:
    """Seconds to start a kernel and execute ``nb`` top to bottom in ``folder``."""
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return time.perf_counter() - start


def median_time(path: Path | None, repeat: int) -> float:
    """Median seconds over ``repeat`` runs; ``None`` means the one-cell baseline notebook."""
    times = []
    for _ in range(repeat):
        if path is None:
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
        else:
            nb = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as scratch:  # nothing a run writes lands in the repo
            times.append(run_once(nb, Path(scratch)))
    return statistics.median(times)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    baseline = median_time(None, args.repeat)
    print(f"baseline (kernel start + one cell): {baseline:.2f} s")
    notebooks = sorted(ROOT.glob("notebooks/*.ipynb")) + sorted(ROOT.glob("source/*/*.ipynb"))
    for path in notebooks:
        seconds = median_time(path, args.repeat)
        print(f"{path.relative_to(ROOT)}: {seconds:.2f} s = {seconds / baseline:.1f}x baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
