"""The feedback page a learner reads: each graded cell named by its question, a clear word
on what a person grades, and nothing fetched from the internet.

nbgrader's own page labels its index "Test cell" and "Comment", loads MathJax from a
CDN and leaves script that needs jQuery under every widget, so offline it shows errors
and stray marks. ``nbgrader_config.py`` puts ``templates/`` first among nbconvert's
template folders, so that the name "feedback" (which nbgrader's API insists on) finds
``templates/feedback/``, and adds :class:`NameFeedbackCells`, which works out what that
template shows.

A reflection is graded by a person. In a class, the page says so, and shows its score
once the instructor has marked it; the mark scheme is taken out (nbgrader's gradebook
keeps a task cell's text with its scheme, so its own page showed the scheme to every
learner). For a learner checking their own work (``make check``, where
:data:`SELF_MARKING_CONFIG` is added to a scratch copy of the configuration), nobody else
will mark it: the page shows the mark scheme so that the learner can mark themselves, but
only once they have written their answer (anything but the placeholder), so that the
scheme cannot shape the answer; until then its index entry and its note say to write the
answer and run ``make check`` again.
A learner studying alone has the whole course, ``source/`` included, so this reveals
nothing they could not open; it puts the scheme where it helps, after the work.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE_NAME = "feedback"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

# Appended to the scratch course's nbgrader_config.py by the learner's self-check.
SELF_MARKING_CONFIG = "\n# Added by make check: the learner marks their own reflections.\n" + (
    "c.NameFeedbackCells.self_marking = True\n"
)


def template_dirs() -> list[str]:
    """Where the course's feedback template lives (it builds on nbconvert's own)."""
    return [str(TEMPLATE_DIR)]
