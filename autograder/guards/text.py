"""Learner text made inert wherever the grader prints it.

Student ids (folder and upload names), error messages, link targets and status details
reach the instructor's terminal, and some of them are written by learners. A terminal
obeys what it is sent: ``ESC [2K`` clears a line, ``CR`` writes over one, ``ESC ]0;``
sets the window title and ``ESC ]52;`` writes the clipboard; bidirectional overrides
(U+202E and friends) show text in another order than it is stored. :func:`terminal_text`
removes every such character and sequence, keeping the words.

(Spreadsheet formulas are made inert by :mod:`autograder.reports.csv_safety`; HTML by
autoescaping and the pages' Content-Security-Policy.)
"""

from __future__ import annotations

import re
import unicodedata

# ESC followed by a CSI (ESC [ ... final), an OSC/DCS/APC/PM/SOS string (up to BEL or
# ESC \), or any single following character. C1 controls (0x80-0x9f) are caught below.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]?"
    r"|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|.)?",
    re.DOTALL,
)
# Characters that change how the rest of a line is shown rather than being shown:
# bidirectional embeddings, overrides, isolates and marks.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Line breaks a terminal or a reader treats as a new line.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _shown(char: str, keep: str) -> bool:
    if char in keep:
        return True
    if char in BIDI_CONTROLS:
        return False
    # Cc: C0 (0x00-0x1f), DEL and C1 (0x80-0x9f); Zl/Zp: line and paragraph separators.
    return unicodedata.category(char) not in ("Cc", "Zl", "Zp")


def terminal_text(text: object, keep_newlines: bool = False) -> str:
    """``text`` with no character a terminal would obey rather than show.

    Escape sequences are removed whole; C0 and C1 control characters, DEL, bidirectional
    controls and Unicode line separators are removed; tabs become spaces. Newlines are
    kept only when ``keep_newlines`` is true (for a multi-line message); otherwise every
    line break becomes a space, so that one learner's text can never start a line of its
    own that looks like the grader's.
    """
    text = _ESCAPE_SEQUENCE.sub("", "" if text is None else str(text))
    keep = "\n" if keep_newlines else ""
    pieces = []
    for char in text:
        if char == "\t":
            pieces.append(" ")
        elif char in LINE_BREAKS and char not in keep:
            pieces.append(" ")
        elif _shown(char, keep):
            pieces.append(char)
    return "".join(pieces)


def one_line(text: object, limit: int | None = None) -> str:
    """:func:`terminal_text` on one line, cut to ``limit`` characters (with an ellipsis)."""
    line = terminal_text(text)
    if limit is not None and len(line) > limit:
        return line[: max(0, limit - 1)] + "…"
    return line
