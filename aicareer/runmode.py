"""Whether nbgrader is executing this notebook right now."""

from __future__ import annotations

import os

GRADING_MODES = ("autograde", "validate")


def grading_mode() -> str | None:
    """``"autograde"`` or ``"validate"`` while nbgrader executes the notebook, else None.

    nbgrader sets ``NBGRADER_EXECUTION`` in the kernel's environment when it runs a
    notebook; in that mode answers are read but never written, so re-running a
    submission can never change or wipe what the learner saved.
    """
    mode = os.environ.get("NBGRADER_EXECUTION", "").strip().lower()
    return mode if mode in GRADING_MODES else None
