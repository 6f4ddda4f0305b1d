"""Simulated learners for the nbgrader round trip: what each writes and clicks, and the
exact points each autograded cell must then earn.

Each module keeps its learners in ``tests/helpers/students_NN.py``, which defines ``STUDENTS``
mapping the assignment's name to a function that returns them. ``"right"`` uses the
instructor's own code (taken from source/) and the keys; the others are written by hand.
Cells not listed in ``expected`` must score 0.
"""

import importlib
from pathlib import Path

STUDENTS = {}
for _path in sorted(Path(__file__).parent.glob("students_[0-9][0-9].py")):
    STUDENTS.update(importlib.import_module(f"{__package__}.{_path.stem}").STUDENTS)
