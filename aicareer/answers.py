"""The answer sheet: one JSON file beside each assignment notebook.

The sheet is the only place a widget answer lives, so it travels with the
notebook when a learner submits, and nbgrader can grade it by re-running the
notebook. It is parsed strictly, written atomically (temporary file, then
rename), and a file that cannot be read is moved aside, never deleted.

Format, version 1::

    {"format": "aicareer-answers", "version": 1, "assignment": "07-job-search",
     "answers": {"move-kind": {"kind": "single", "value": "Role switch",
                               "saved": "2026-11-23T10:00:00+00:00"}}}
"""

from __future__ import annotations

import codecs
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .questions import InvalidAnswer, check_question_id, check_shape

FORMAT = "aicareer-answers"
VERSION = 1
SUFFIX = ".answers.json"
MAX_BYTES = 1_000_000
MAX_DEPTH = 8
TOP_LEVEL_KEYS = {"format", "version", "assignment", "answers"}
ENTRY_KEYS = {"kind", "value", "saved"}


class AnswerSheetError(ValueError):
    """A sheet that cannot be used; the message names the file and, where known, the question."""

    def __init__(self, path: Path, problem: str, question_id: str | None = None):
        self.path, self.problem, self.question_id = Path(path), problem, question_id
        where = f", question {question_id!r}" if question_id else ""
        super().__init__(f"{self.path.name}{where}: {problem}")


@dataclass(frozen=True)
class Entry:
    """One saved answer."""

    kind: str
    value: object
    saved: str


def sheet_path(folder: Path, assignment: str) -> Path:
    """Where the sheet of ``assignment`` lives in ``folder``."""
    return Path(folder) / f"{assignment}{SUFFIX}"


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed in an answer sheet (JSON has no such number)")


def _no_duplicate_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def _depth(value, limit: int) -> int:
    """Nesting depth of a parsed JSON value, stopping early once past ``limit``."""
    stack, deepest = [(value, 1)], 0
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, level + 1) for child in children)
    return deepest


def parse_sheet(path: Path, data: bytes, assignment: str | None = None) -> dict[str, Entry]:
    """Parse the bytes of a sheet strictly and return its answers by question id.

    Raises :class:`AnswerSheetError` naming the file (and question) on anything
    that is not a valid version-1 sheet.
    """
    path = Path(path)
    if not data.strip():
        raise AnswerSheetError(path, "the file is empty")
    if len(data) > MAX_BYTES:
        raise AnswerSheetError(
            path, f"the file is {len(data):,} bytes; a sheet is at most {MAX_BYTES:,}"
        )
    if data.startswith(codecs.BOM_UTF8):
        raise AnswerSheetError(path, "the file starts with a byte-order mark (saved by an editor?)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise AnswerSheetError(path, f"the file is not UTF-8 text (byte {error.start})") from None
    try:
        raw = json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys
        )
    except json.JSONDecodeError as error:
        raise AnswerSheetError(
            path, f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except ValueError as error:
        raise AnswerSheetError(path, str(error)) from None
    except RecursionError:
        raise AnswerSheetError(path, "the JSON is nested far too deeply") from None
    if _depth(raw, MAX_DEPTH) > MAX_DEPTH:
        raise AnswerSheetError(path, f"the JSON is nested more than {MAX_DEPTH} levels deep")
    if not isinstance(raw, dict):
        raise AnswerSheetError(path, f"expected a JSON object, found a {type(raw).__name__}")
    if raw.get("format") != FORMAT:
        raise AnswerSheetError(
            path, f"this is not an answer sheet (format is {raw.get('format')!r})"
        )
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise AnswerSheetError(path, f"the version {version!r} is not a positive whole number")
    if version > VERSION:
        raise AnswerSheetError(
            path,
            f"the sheet has version {version}, newer than this course's {VERSION}: "
            "update the course (git pull, then make lab) before opening it",
        )
    extra = set(raw) - TOP_LEVEL_KEYS
    if extra:
        raise AnswerSheetError(path, f"unexpected top-level keys {sorted(extra)}")
    if assignment is not None and raw.get("assignment") != assignment:
        raise AnswerSheetError(
            path, f"the sheet belongs to {raw.get('assignment')!r}, not to {assignment!r}"
        )
    answers = raw.get("answers")
    if not isinstance(answers, dict):
        raise AnswerSheetError(path, "'answers' must be an object of question id to answer")
    return {qid: _parse_entry(path, qid, entry) for qid, entry in answers.items()}


def _parse_entry(path: Path, question_id: str, entry) -> Entry:
    try:
        check_question_id(question_id)
    except InvalidAnswer as error:
        raise AnswerSheetError(path, str(error), question_id) from None
    if not isinstance(entry, dict) or set(entry) != ENTRY_KEYS:
        raise AnswerSheetError(
            path, f"each answer must have exactly {sorted(ENTRY_KEYS)}", question_id
        )
    if not isinstance(entry["saved"], str):
        raise AnswerSheetError(path, "'saved' must be a time stamp as text", question_id)
    try:
        value = check_shape(entry["kind"], entry["value"])
    except InvalidAnswer as error:
        raise AnswerSheetError(path, str(error), question_id) from None
    return Entry(entry["kind"], value, entry["saved"])


def read_sheet(path: Path, assignment: str | None = None) -> dict[str, Entry]:
    """Read and strictly parse the sheet at ``path``; a missing file is an empty sheet."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return {}
    if size > MAX_BYTES:  # say no before reading a huge file into memory
        raise AnswerSheetError(
            path, f"the file is {size:,} bytes; a sheet is at most {MAX_BYTES:,}"
        )
    return parse_sheet(path, path.read_bytes(), assignment)


def render_sheet(assignment: str, answers: dict[str, Entry]) -> str:
    """The text of a sheet holding ``answers``, keys sorted so diffs stay small."""
    body = {
        "format": FORMAT,
        "version": VERSION,
        "assignment": assignment,
        "answers": {
            qid: {"kind": e.kind, "value": e.value, "saved": e.saved}
            for qid, e in sorted(answers.items())
        },
    }
    return json.dumps(body, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that a crash leaves the old file or the new, never half."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def set_aside(path: Path) -> Path:
    """Rename an unreadable sheet to a new name beside it and return that name."""
    path = Path(path)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    for attempt in range(1000):
        suffix = f".unreadable-{stamp}" + (f"-{attempt}" if attempt else "")
        target = path.with_name(path.name + suffix)
        if not target.exists():
            os.replace(path, target)
            return target
    raise AnswerSheetError(path, "too many unreadable copies are already kept beside it")


def now_stamp() -> str:
    """The current time as an ISO 8601 string in UTC, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class AnswerSheet:
    """The answers of one assignment, as stored in its sheet file.

    Args:
        path: the sheet file.
        assignment: the assignment name the sheet must carry.
        read_only: never write (used while nbgrader executes the notebook).

    If the file on disk cannot be read, ``problem`` holds the error; unless
    read-only, the file is moved aside (``set_aside_as``) so that later saves
    cannot overwrite it, and the sheet starts empty.
    """

    def __init__(self, path: Path, assignment: str, read_only: bool = False):
        self.path, self.assignment, self.read_only = Path(path), assignment, read_only
        self.problem: AnswerSheetError | None = None
        self.set_aside_as: Path | None = None
        self.answers: dict[str, Entry] = self._load()

    def _load(self) -> dict[str, Entry]:
        try:
            return read_sheet(self.path, self.assignment)
        except AnswerSheetError as error:
            self.problem = error
            if not self.read_only:
                self.set_aside_as = set_aside(self.path)
            return {}

    def get(self, question_id: str) -> Entry | None:
        """The saved entry for ``question_id``, or None."""
        return self.answers.get(question_id)

    def save(self, question_id: str, kind: str, value) -> Entry:
        """Save one answer at once, keeping every other answer on disk as it is.

        The file is re-read first so that two notebooks (two browser tabs) answering
        different questions of the same sheet do not undo each other's work.
        """
        if self.read_only:
            raise PermissionError(f"{self.path.name} is read-only while the notebook is graded")
        check_question_id(question_id)
        entry = Entry(kind, check_shape(kind, value), now_stamp())
        try:
            on_disk = read_sheet(self.path, self.assignment)
        except AnswerSheetError:
            # Something replaced the file since we opened it; keep that copy too.
            on_disk = {}
            set_aside(self.path)
        on_disk[question_id] = entry
        write_atomically(self.path, render_sheet(self.assignment, on_disk))
        self.answers = on_disk
        return entry
