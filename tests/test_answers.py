"""The answer sheet: strict reading, atomic writing, bad files kept aside."""

import json
import os

import pytest

from aicareer.answers import (
    MAX_BYTES,
    AnswerSheet,
    AnswerSheetError,
    read_sheet,
    render_sheet,
    sheet_path,
)

NAME = "07-job-search"


def good_sheet(**answers):
    return {
        "format": "aicareer-answers",
        "version": 1,
        "assignment": NAME,
        "answers": {
            qid: {"kind": kind, "value": value, "saved": "2026-01-01T00:00:00+00:00"}
            for qid, (kind, value) in answers.items()
        },
    }


@pytest.fixture
def path(tmp_path):
    return sheet_path(tmp_path, NAME)


def test_missing_sheet_reads_as_empty(path):
    assert read_sheet(path, NAME) == {}


def test_good_sheet_round_trips_with_unicode(path):
    path.write_text(json.dumps(good_sheet(**{"1.2": ("single", "Rôle — 転職")})), "utf-8")
    entry = read_sheet(path, NAME)["1.2"]
    assert (entry.kind, entry.value) == ("single", "Rôle — 転職")
    copy = path.with_name("copy" + path.name)
    copy.write_text(render_sheet(NAME, read_sheet(path, NAME)), "utf-8")
    assert read_sheet(copy, NAME) == read_sheet(path, NAME)
    assert "転職" in copy.read_text("utf-8"), "text is stored readably, not as escapes"


BAD_SHEETS = {
    "empty": (b"", "empty"),
    "whitespace only": (b"  \n", "empty"),
    "truncated": (json.dumps(good_sheet(a=("single", "x"))).encode()[:40], "not valid JSON"),
    "not an object": (b"[1, 2, 3]", "expected a JSON object"),
    "NaN": (
        json.dumps(good_sheet(a=("numeric", 1.0))).replace("1.0", "NaN").encode(),
        "NaN is not allowed",
    ),
    "Infinity": (
        json.dumps(good_sheet(a=("numeric", 1.0))).replace("1.0", "Infinity").encode(),
        "Infinity is not allowed",
    ),
    "duplicate keys": (
        b'{"format": "aicareer-answers", "format": "x", "version": 1}',
        "appears twice",
    ),
    "byte-order mark": (
        b"\xef\xbb\xbf" + json.dumps(good_sheet()).encode(),
        "byte-order mark",
    ),
    "not utf-8": (b'{"format": "\xff\xfe"}', "not UTF-8"),
    "deeply nested": (b"[" * 100_000 + b"]" * 100_000, "nested"),
    "moderately nested": (
        json.dumps(good_sheet(a=("matching", {"x": "y"})))
        .replace('"y"', "[[[[[[[[1]]]]]]]]")
        .encode(),
        "nested more than",
    ),
    "newer schema": (
        json.dumps({**good_sheet(), "version": 2}).encode(),
        "newer than this course",
    ),
    "another format": (
        json.dumps({**good_sheet(), "format": "other"}).encode(),
        "not an answer sheet",
    ),
    "another assignment": (
        json.dumps({**good_sheet(), "assignment": "04-scoping-under-uncertainty"}).encode(),
        "belongs to",
    ),
    "extra top-level key": (json.dumps({**good_sheet(), "x": 1}).encode(), "unexpected top-level"),
    "answers not an object": (json.dumps({**good_sheet(), "answers": []}).encode(), "'answers'"),
    "unknown kind": (json.dumps(good_sheet(q=("essay", "x"))).encode(), "unknown question kind"),
    "wrong value type": (json.dumps(good_sheet(q=("numeric", "12"))).encode(), "expected a number"),
    "boolean as number": (
        json.dumps(good_sheet(q=("numeric", True))).encode(),
        "expected a number",
    ),
    "list with repeats": (
        json.dumps(good_sheet(q=("ranking", ["a", "a"]))).encode(),
        "twice",
    ),
    "bad question id": (json.dumps(good_sheet(**{"no spaces!": ("single", "a")})).encode(), "id"),
}


@pytest.mark.parametrize("case", sorted(BAD_SHEETS))
def test_bad_sheet_is_refused_with_file_named(path, case):
    data, expected = BAD_SHEETS[case]
    path.write_bytes(data)
    with pytest.raises(AnswerSheetError) as caught:
        read_sheet(path, NAME)
    assert path.name in str(caught.value)
    assert expected in str(caught.value)


def test_error_names_the_question(path):
    path.write_text(json.dumps(good_sheet(**{"3.1": ("numeric", "soon")})))
    with pytest.raises(AnswerSheetError, match=r"question '3\.1'"):
        read_sheet(path, NAME)


def test_huge_sheet_is_refused_without_reading_it(path):
    with open(path, "wb") as stream:
        stream.truncate(MAX_BYTES + 1)
    with pytest.raises(AnswerSheetError, match="at most"):
        read_sheet(path, NAME)


def test_unreadable_sheet_is_set_aside_not_deleted(path):
    path.write_bytes(b"{not json")
    sheet = AnswerSheet(path, NAME)
    assert sheet.problem is not None and sheet.answers == {}
    assert not path.exists()
    assert sheet.set_aside_as.read_bytes() == b"{not json"
    assert sheet.set_aside_as.name.startswith(path.name + ".unreadable-")
    sheet.save("1.2", "single", "Both")
    assert sheet.set_aside_as.read_bytes() == b"{not json"
    assert read_sheet(path, NAME)["1.2"].value == "Both"


def test_read_only_sheet_never_moves_or_writes(path):
    path.write_bytes(b"{not json")
    sheet = AnswerSheet(path, NAME, read_only=True)
    assert sheet.problem is not None and path.read_bytes() == b"{not json"
    with pytest.raises(PermissionError):
        sheet.save("1.2", "single", "Both")
    assert path.read_bytes() == b"{not json"


def test_save_keeps_answers_written_by_another_tab(path):
    first, second = AnswerSheet(path, NAME), AnswerSheet(path, NAME)
    first.save("1.2", "single", "Both")
    second.save("3.1", "numeric", 4.0)
    assert sorted(read_sheet(path, NAME)) == ["1.2", "3.1"]


def test_crash_mid_save_leaves_the_old_sheet(path, monkeypatch):
    sheet = AnswerSheet(path, NAME)
    sheet.save("1.2", "single", "Both")
    before = path.read_bytes()

    def crash(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        sheet.save("1.2", "single", "Neither")
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temporary file left behind"


def test_saved_file_is_the_documented_format(path):
    AnswerSheet(path, NAME).save("1.3", "multiple", ["a", "b"])
    raw = json.loads(path.read_text("utf-8"))
    assert raw["format"] == "aicareer-answers" and raw["version"] == 1
    assert raw["assignment"] == NAME
    assert raw["answers"]["1.3"]["kind"] == "multiple"
    assert raw["answers"]["1.3"]["value"] == ["a", "b"]
