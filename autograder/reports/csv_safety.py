"""Cells that a spreadsheet will show as text, never run as a formula.

Student ids, names, status details and error messages all reach the instructor's
spreadsheet through CSV files, and some of them are written by learners. Excel,
LibreOffice and Google Sheets read a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula (``=HYPERLINK(...)`` can carry data off, ``=cmd|...`` could once start a
program), and a leading tab or carriage return can hide such a start. OWASP's guidance
on CSV injection is to prefix such a cell with a single quote, which makes the
spreadsheet show it as text.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value) -> str:
    """``value`` as CSV cell text that no spreadsheet runs as a formula.

    ``None`` becomes an empty cell; anything else is turned into text, and text that
    starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single
    quote in front (``'=HYPERLINK("x")``), as OWASP's CSV injection guidance advises.
    Numbers pass unchanged unless negative, which no score here is.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def neutralise_row(values: Iterable) -> list[str]:
    """Every cell of a row through :func:`neutralise_cell`."""
    return [neutralise_cell(value) for value in values]
