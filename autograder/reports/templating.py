"""The one Jinja environment of the instructor's pages (report, item analysis, class page)."""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

from .wording import points_text


@functools.cache
def templates():
    """The Jinja environment of this folder's templates, with HTML escaping always on:
    student ids, answers and error messages in the data are shown as text, never as HTML."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True,
        extensions=["jinja2.ext.do"],
        undefined=jinja2.StrictUndefined,  # a misspelt field fails loudly, not as blank text
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["points"] = points_text
    environment.filters["percent"] = lambda share: f"{100 * share:.0f}%"
    environment.filters["signed"] = lambda number: f"{number:+.2f}"
    return environment
