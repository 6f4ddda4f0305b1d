"""Module 8's "Looking back": a made-up workspace for where there is none, read by the
same progress reader as the start page, and the lesson's way of finding a real one."""

import tempfile
from pathlib import Path

from aicareer.course import MODULES
from aicareer.progress import (
    EXAMPLE_LEARNER,
    WORKSPACE_MARK,
    course_progress,
    example_workspace,
    workspace_of,
)


def test_example_workspace_reads_back_as_its_made_up_learner(tmp_path):
    workspace = example_workspace(tmp_path / "example")
    rows = course_progress(workspace)
    assert [r.module for r in rows] == list(MODULES)
    for row, expected in zip(rows, EXAMPLE_LEARNER, strict=True):
        got = (
            row.practice,
            row.practice_reached,
            row.questions,
            row.answered,
            row.code,
            row.code_written,
            row.reflections,
            row.reflections_written,
        )
        assert got == expected, f"{row.module.slug}: expected {expected}, read {got}"
        assert row.lesson_ran == (expected[1] > 0), row.module.slug


def test_example_workspace_shows_every_stage_of_a_module():
    summaries = set()
    with tempfile.TemporaryDirectory() as folder:
        for row in course_progress(example_workspace(Path(folder))):
            summaries.add(row.summary().split(" · ")[0])
    assert {"lesson run", "not started"} <= summaries, summaries
    assert any(s.startswith("lesson started") for s in summaries), summaries


def test_example_workspace_is_the_same_every_time(tmp_path):
    first = example_workspace(tmp_path / "a")
    second = example_workspace(tmp_path / "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_example_workspace_takes_another_learner(tmp_path):
    nothing_done = [(2, 0, 2, 0, 1, 0, 1, 0)] * len(MODULES)
    rows = course_progress(example_workspace(tmp_path, nothing_done))
    assert all(r.summary() == "not started" for r in rows), [r.summary() for r in rows]


def test_workspace_of_finds_only_a_marked_workspace(tmp_path):
    (tmp_path / "lessons").mkdir()
    assert workspace_of(tmp_path / "lessons") is None, "no mark, no workspace"
    (tmp_path / WORKSPACE_MARK).write_text("{}")
    assert workspace_of(tmp_path / "lessons") == tmp_path
    assert workspace_of(tmp_path) is None, "only the lessons folder belongs to a workspace"
