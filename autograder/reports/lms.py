"""Grades for the learning platform: a CSV that Canvas's or Moodle's gradebook import takes
as it is, built from a roster that maps nbgrader's student ids to the platform's.

The roster file
---------------
A CSV file in UTF-8 (a byte-order mark, as Excel writes, is fine), one learner per line,
with a header line naming its columns. Only ``student_id`` is required; the others are
filled in as the platform needs them, and a column not listed here is an error, so a
misspelt column never goes unnoticed::

    student_id,name,first_name,last_name,email,canvas_id,sis_user_id,sis_login_id,section,idnumber
    alice,"Liddell, Alice",Alice,Liddell,alice@example.edu,40123,S1001,aliddell,Lab A,S1001

- ``student_id``: the learner's id in nbgrader (the folder name under ``submitted/``).
- ``name``: the name as the platform shows it ("Last, First" in Canvas).
- ``first_name``, ``last_name``: as in Moodle.
- ``email``: the learner's email address as the platform has it (Moodle compares it
  letter for letter, capitals included).
- ``canvas_id``: Canvas's own user id, digits only (the "ID" column of a Canvas
  gradebook export).
- ``sis_user_id``, ``sis_login_id``, ``section``: as in a Canvas gradebook export.
- ``idnumber``: Moodle's "ID number" profile field.

Blank lines are skipped. Each id (student_id, canvas_id, sis_user_id, sis_login_id, email,
idnumber) may appear only once: two learners mapped to one account would overwrite each
other's grade. Errors name the file, the line and the problem.

The CSVs written
----------------
Canvas (Grades > Import): ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
column per assignment, the layout of Canvas's own gradebook export, which its import reads
back. Canvas matches a learner by ID, SIS User ID or SIS Login ID, so a roster row without
any of the three is not written (it is listed in ``unidentified``). A column headed by the
assignment's name creates a new assignment on import; to fill an existing one, pass its
header as Canvas exports it, "Name (assignment id)", in ``column_names``.

Moodle (Grades > Import > CSV file): ``First name, Last name, ID number, Email address``,
then one column per assignment. On import, under "Identify user by", map "ID number" to
"useridnumber" (or "Email address" to "useremail", with ``identifier="email"``), and map each
assignment column to its grade item. A roster row without the chosen identifier is not
written (listed in ``unidentified``).

In both, a learner with no score for an assignment gets an empty cell (the import leaves
that grade alone) and is listed; students graded but not on the roster are listed in
``unknown``, never dropped silently. A submission whose status is "tampered" exports no
score (listed in ``withheld``): its points are not to be trusted until someone looked.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .csv_safety import neutralise_row
from .wording import points_text

ROSTER_COLUMNS = (
    "student_id",
    "name",
    "first_name",
    "last_name",
    "email",
    "canvas_id",
    "sis_user_id",
    "sis_login_id",
    "section",
    "idnumber",
)
UNIQUE_COLUMNS = ("student_id", "canvas_id", "sis_user_id", "sis_login_id", "email", "idnumber")
MAX_FIELD = 200
MAX_ROSTER_BYTES = 5_000_000
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("First name", "Last name", "ID number", "Email address")
MOODLE_IDENTIFIERS = {"idnumber": "ID number", "email": "Email address"}
WITHHELD_STATUSES = ("tampered",)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class RosterError(ValueError):
    """A roster that cannot be used; the message names the file, the line and the problem."""

    def __init__(self, path: Path, line: int | None, problem: str):
        self.path, self.line, self.problem = Path(path), line, problem
        where = f", line {line}" if line else ""
        super().__init__(f"{self.path}{where}: {problem}")


@dataclass(frozen=True)
class RosterEntry:
    """One learner of the roster; fields the file leaves out are empty strings."""

    student_id: str
    name: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    idnumber: str = ""
    line: int = field(default=0, compare=False)


def read_roster(path: Path) -> list[RosterEntry]:
    """Read and check the roster file at ``path`` (see the module's description).

    Raises:
        RosterError: naming the file and line, on anything that is not a usable roster.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise RosterError(path, None, f"cannot be read ({error.strerror})") from None
    if size > MAX_ROSTER_BYTES:
        raise RosterError(
            path, None, f"is {size:,} bytes; a roster is at most {MAX_ROSTER_BYTES:,}"
        )
    return parse_roster(path, path.read_bytes())


def parse_roster(path: Path, data: bytes) -> list[RosterEntry]:
    """Parse the bytes of a roster; ``path`` only names the file in errors."""
    path = Path(path)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]  # Excel's "CSV UTF-8" starts with one
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RosterError(
            path, line, "is not UTF-8 text; save it as 'CSV UTF-8' from the spreadsheet"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise RosterError(path, None, "is empty: it needs a header line such as 'student_id'")
        columns = _check_header(path, reader.line_num, [cell.strip() for cell in header])
        entries, first_seen = [], {}
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            entry = _check_row(path, reader.line_num, columns, cells)
            for column in UNIQUE_COLUMNS:
                value = getattr(entry, column)
                if not value:
                    continue
                earlier = first_seen.setdefault((column, value), entry.line)
                if earlier != entry.line:
                    raise RosterError(
                        path,
                        entry.line,
                        f"{column} {value!r} is already on line {earlier}; each learner "
                        "and each platform account may appear only once",
                    )
            entries.append(entry)
    except csv.Error as error:
        raise RosterError(path, reader.line_num, f"is not valid CSV ({error})") from None
    if not entries:
        raise RosterError(path, None, "lists no learners, only a header")
    return entries


def _check_header(path: Path, line: int, header: list[str]) -> list[str]:
    unknown = [name for name in header if name not in ROSTER_COLUMNS]
    if unknown:
        raise RosterError(
            path,
            line,
            f"unknown column {unknown[0]!r}; the columns a roster may have are "
            f"{', '.join(ROSTER_COLUMNS)}",
        )
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise RosterError(path, line, f"the column {twice[0]!r} appears twice")
    if "student_id" not in header:
        raise RosterError(path, line, "has no 'student_id' column (nbgrader's student id)")
    return header


def _check_row(path: Path, line: int, columns: list[str], cells: list[str]) -> RosterEntry:
    if len(cells) != len(columns):
        raise RosterError(
            path,
            line,
            f"has {len(cells)} fields but the header names {len(columns)}: a comma inside "
            "a value needs the value in double quotes",
        )
    values = {}
    for column, cell in zip(columns, cells, strict=True):
        value = cell.strip()
        if _CONTROL.search(value):
            raise RosterError(path, line, f"{column} holds a control character (a line break?)")
        if len(value) > MAX_FIELD:
            raise RosterError(path, line, f"{column} is longer than {MAX_FIELD} characters")
        values[column] = value
    if not values["student_id"]:
        raise RosterError(path, line, "student_id is empty")
    if values.get("canvas_id") and not values["canvas_id"].isdigit():
        raise RosterError(
            path, line, f"canvas_id {values['canvas_id']!r} is not Canvas's user id (digits only)"
        )
    if values.get("email") and not _EMAIL.match(values["email"]):
        raise RosterError(path, line, f"email {values['email']!r} is not an email address")
    return RosterEntry(**values, line=line)


@dataclass(frozen=True)
class LmsExport:
    """What an export wrote and what it could not.

    Attributes:
        path: the CSV written.
        platform: "canvas" or "moodle".
        columns: its header.
        written: student ids with a line in the file.
        unknown: student ids with grades who are not on the roster (not written).
        unidentified: roster student ids without the id the platform matches by (not
            written).
        missing: (student id, assignment) pairs with nothing handed in: an empty cell
            (or 0 with ``missing_as_zero``).
        ungraded: (student id, assignment, status) for submissions without a score
            (nbgrader could not grade them): an empty cell.
        withheld: (student id, assignment, status) whose score was not exported
            (:data:`WITHHELD_STATUSES`): an empty cell until someone has looked.
    """

    path: Path
    platform: str
    columns: tuple[str, ...]
    written: tuple[str, ...]
    unknown: tuple[str, ...]
    unidentified: tuple[str, ...]
    missing: tuple[tuple[str, str], ...]
    ungraded: tuple[tuple[str, str, str], ...]
    withheld: tuple[tuple[str, str, str], ...]

    def problems(self) -> list[str]:
        """One sentence per learner or cell that did not get a grade, for the terminal."""
        lines = [f"{s}: has grades but is not on the roster; add them to it" for s in self.unknown]
        lines += [
            f"{s}: on the roster without the id {self.platform.capitalize()} matches by; "
            "not written"
            for s in self.unidentified
        ]
        lines += [f"{s}: {a} not handed in" for s, a in self.missing]
        lines += [f"{s}: {a} has no score ({status})" for s, a, status in self.ungraded]
        lines += [
            f"{s}: {a} left empty, status {status!r} needs a look" for s, a, status in self.withheld
        ]
        return lines


def _grade_cells(
    roster: list[RosterEntry],
    grades: dict[str, list[dict]],
    missing_as_zero: bool,
):
    """The score text per (student id, assignment), and the lists of what is left empty."""
    on_roster = {entry.student_id for entry in roster}
    unknown = sorted({str(row["student"]) for rows in grades.values() for row in rows} - on_roster)
    cells, missing, ungraded, withheld = {}, [], [], []
    for assignment, rows in grades.items():
        by_student = {str(row["student"]): row for row in rows}
        for entry in roster:
            row = by_student.get(entry.student_id)
            key = (entry.student_id, assignment)
            if row is None:
                missing.append(key)
                cells[key] = "0" if missing_as_zero else ""
                continue
            status = str(row.get("status") or "")
            score = row.get("score")
            if status in WITHHELD_STATUSES:
                withheld.append((*key, status))
                cells[key] = ""
            elif score is None or (isinstance(score, str) and not score.strip()):
                ungraded.append((*key, status))
                cells[key] = ""
            else:
                cells[key] = points_text(float(score))
    return cells, unknown, missing, ungraded, withheld


def _write(path: Path, rows: list[list[str]]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # UTF-8 without a byte-order mark, comma-separated: what both imports expect by default.
    with open(path, "w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(neutralise_row(row) for row in rows)
    return path


def _headers(grades: dict[str, list[dict]], column_names: dict[str, str] | None) -> list[str]:
    column_names = column_names or {}
    unknown = sorted(set(column_names) - set(grades))
    if unknown:
        raise ValueError(f"column_names names {unknown[0]!r}, which is not among the grades")
    return [column_names.get(a, a) for a in grades]


def write_canvas_csv(
    path: Path,
    roster: list[RosterEntry],
    grades: dict[str, list[dict]],
    column_names: dict[str, str] | None = None,
    missing_as_zero: bool = False,
) -> LmsExport:
    """Write the CSV for Canvas's gradebook import (Grades > Import).

    Args:
        path: where to write it.
        roster: from :func:`read_roster`.
        grades: per assignment name, the rows of its grades CSV (dicts with "student",
            "score" ("" or None when not graded) and "status").
        column_names: per assignment, the column header to use instead of its name, such
            as "Job search (12345)" to fill Canvas's existing assignment 12345.
        missing_as_zero: write 0, not an empty cell, for work not handed in.
    """
    return _write_export(
        path,
        "canvas",
        CANVAS_COLUMNS,
        roster,
        grades,
        column_names,
        missing_as_zero,
        identified=lambda e: bool(e.canvas_id or e.sis_user_id or e.sis_login_id),
        identity=lambda e: [e.name, e.canvas_id, e.sis_user_id, e.sis_login_id, e.section],
    )


def write_moodle_csv(
    path: Path,
    roster: list[RosterEntry],
    grades: dict[str, list[dict]],
    identifier: str = "idnumber",
    column_names: dict[str, str] | None = None,
    missing_as_zero: bool = False,
) -> LmsExport:
    """Write the CSV for Moodle's grade import (Grades > Import > CSV file).

    Args:
        identifier: the roster field Moodle will match learners by, "idnumber" (map
            "ID number" to "useridnumber" on import) or "email" (map "Email address" to
            "useremail"); learners without it are not written.
        Others as for :func:`write_canvas_csv`.
    """
    if identifier not in MOODLE_IDENTIFIERS:
        raise ValueError(
            f"identifier {identifier!r} is not one Moodle matches by; use "
            f"{' or '.join(MOODLE_IDENTIFIERS)}"
        )
    return _write_export(
        path,
        "moodle",
        MOODLE_COLUMNS,
        roster,
        grades,
        column_names,
        missing_as_zero,
        identified=lambda e: bool(getattr(e, identifier)),
        identity=lambda e: [e.first_name, e.last_name, e.idnumber, e.email],
    )


def _write_export(
    path: Path,
    platform: str,
    columns,
    roster: list[RosterEntry],
    grades: dict[str, list[dict]],
    column_names: dict[str, str] | None,
    missing_as_zero: bool,
    identified,
    identity,
) -> LmsExport:
    """The part both platforms share: one row per identified learner of the roster, their
    identity columns (``identity(entry)``) then one grade per assignment."""
    cells, unknown, missing, ungraded, withheld = _grade_cells(roster, grades, missing_as_zero)
    header = [*columns, *_headers(grades, column_names)]
    rows, written, unidentified = [header], [], []
    for entry in roster:
        if not identified(entry):
            unidentified.append(entry.student_id)
            continue
        rows.append(identity(entry) + [cells[(entry.student_id, a)] for a in grades])
        written.append(entry.student_id)
    return LmsExport(
        _write(path, rows),
        platform,
        tuple(header),
        tuple(written),
        tuple(unknown),
        tuple(unidentified),
        tuple(missing),
        tuple(ungraded),
        tuple(withheld),
    )


__all__ = [
    "LmsExport",
    "RosterEntry",
    "RosterError",
    "parse_roster",
    "read_roster",
    "write_canvas_csv",
    "write_moodle_csv",
]
