"""Give notebooks the kernel metadata JupyterLab writes, so they do not open as unsaved.

Usage: python scripts/notebook_metadata.py [--check] [NOTEBOOK ...]
(default: every notebook in notebooks/, source/ and release/)

JupyterLab writes the running kernel's spec ("Python 3 (ipykernel)") and language info
into a notebook when it opens; a notebook storing anything else is marked changed at
once, and closing its tab asks to save. This rewrites only those two metadata entries
(see aicareer.workspace.KERNELSPEC); cells and outputs are untouched. With --check it
changes nothing and lists the notebooks that need it (exit status 1 if any).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aicareer.workspace import with_lab_metadata  # noqa: E402


def course_notebooks() -> list[Path]:
    """Every lesson, instructor's assignment and student edition in the repository."""
    found = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for edition in ("source", "release"):
        found += sorted((ROOT / edition).glob("*/*.ipynb"))
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [Path(a) for a in argv if a != "--check"] or course_notebooks()
    needing = []
    for path in paths:
        data = path.read_bytes()
        fixed = with_lab_metadata(data)
        if fixed != data:
            needing.append(path)
            if not check:
                path.write_bytes(fixed)
    verb = "need" if check else "updated"
    for path in needing:
        print(f"{verb}: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if not needing:
        print("Every notebook already stores the kernel metadata JupyterLab writes.")
    return 1 if check and needing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
